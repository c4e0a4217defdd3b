/**
 * A Markdown report of evaluated reachability: a who-can-reach-whom matrix, the allowances to and
 * from outside the cluster, and a Mermaid diagram. Output is deterministic (no dates).
 */
import type { ReachabilityResult, Workload } from './reachability';
import { compareStrings } from './reachability-workloads';

export interface ReachabilityReportOptions {
  /** The report's heading. @default 'Reachability' */
  readonly title?: string;
  /**
   * Above this many workloads, "who can reach whom" is a list per client instead of a matrix,
   * whose size grows with the square of the workloads.
   * @default 60
   */
  readonly matrixLimit?: number;
}

/**
 * Renders `result` as Markdown. The matrix has a row and a column per workload (those given, plus
 * any the result mentions), sorted by id; columns are numbered like the rows.
 */
export function renderReachabilityReport(
  result: ReachabilityResult,
  workloads: readonly Workload[],
  options: ReachabilityReportOptions = {},
): string {
  const ids = reportedWorkloadIds(result, workloads);
  const cells = portsByPair(result);
  const pairCount = cells.size;
  const servers = serversByClient(ids, cells);

  const lines: string[] = [
    `# ${options.title ?? 'Reachability'}`,
    '',
    'Computed by evaluating the NetworkPolicy objects in the manifests with Kubernetes semantics: a connection is listed '
      + "when the client's egress rules and the server's ingress rules both allow it, on a port the server listens on. "
      + 'A pod that no policy isolates in a direction is unrestricted in that direction.',
    '',
    `${count(ids.length, 'workload')}, ${count(pairCount, 'allowed client-server pair')} (${count(result.connections.length, 'port')}).`,
    '',
    '## Who can reach whom',
    '',
    ...(ids.length <= (options.matrixLimit ?? 60) ? matrix(ids, cells) : serverLists(ids, servers, cells)),
    '',
    '## External egress',
    '',
    'Addresses outside the cluster that workloads may connect to (`ipBlock` peers). '
      + '`0.0.0.0/0` and `::/0` mean any address: a rule without peers, or egress that no policy isolates.',
    '',
    ...externalTable(
      'From',
      result.externalEgress.map((e) => ({ workload: e.from, ...e })),
    ),
    '',
    '## External ingress',
    '',
    'Addresses outside the cluster that may connect to workloads (`ipBlock` peers), with the listening ports they may reach. '
      + '`0.0.0.0/0` and `::/0` mean any address: a rule without peers, or ingress that no policy isolates.',
    '',
    ...externalTable(
      'To',
      result.externalIngress.map((e) => ({ workload: e.to, ...e })),
    ),
    '',
    '## Diagram',
    '',
    ...mermaid(ids, servers, cells, result),
  ];
  return `${lines.join('\n')}\n`;
}

/** The workloads given plus any the result mentions, sorted by id. */
function reportedWorkloadIds(result: ReachabilityResult, workloads: readonly Workload[]): string[] {
  return [
    ...new Set([
      ...workloads.map((w) => w.id),
      ...result.connections.flatMap((c) => [c.from, c.to]),
      ...result.externalEgress.map((e) => e.from),
      ...result.externalIngress.map((e) => e.to),
    ]),
  ].sort(compareStrings);
}

/** The ports (`<port>/<protocol>`) per `<from>\n<to>` pair; connections are already sorted by protocol and port. */
function portsByPair(result: ReachabilityResult): Map<string, string[]> {
  const cells = new Map<string, string[]>();
  for (const c of result.connections) {
    const key = `${c.from}\n${c.to}`;
    cells.set(key, [...(cells.get(key) ?? []), `${c.port}/${c.protocol}`]);
  }
  return cells;
}

/** The servers per client, in the order of `ids`. */
function serversByClient(ids: readonly string[], cells: ReadonlyMap<string, string[]>): Map<string, string[]> {
  const position = new Map(ids.map((id, i) => [id, i]));
  const servers = new Map<string, string[]>();
  for (const key of cells.keys()) {
    const [from, to] = key.split('\n');
    servers.set(from, [...(servers.get(from) ?? []), to]);
  }
  for (const list of servers.values()) list.sort((a, b) => position.get(a)! - position.get(b)!);
  return servers;
}

interface ExternalRow {
  readonly workload: string;
  readonly cidr: string;
  readonly except: readonly string[];
  readonly ports: readonly string[];
}

function externalTable(workloadHeader: string, rows: readonly ExternalRow[]): string[] {
  if (rows.length === 0) return ['None.'];
  return [
    `| ${workloadHeader} | CIDR | Except | Ports |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.workload)} | ${cell(r.cidr)} | ${cell(r.except.join(', '))} | ${cell(r.ports.join(', '))} |`),
  ];
}

function matrix(ids: readonly string[], cells: ReadonlyMap<string, string[]>): string[] {
  return [
    'Rows are clients, columns are servers (numbered like the rows). A cell lists the ports the client may connect to; blank means none.',
    '',
    `| # | Client | ${ids.map((_, i) => `${i + 1}`).join(' | ')} |`,
    `|---:|---|${ids.map(() => '---').join('|')}|`,
    ...ids.map(
      (from, i) => `| ${i + 1} | ${cell(from)} | ${ids.map((to) => (cells.get(`${from}\n${to}`) ?? []).join(', ')).join(' | ')} |`,
    ),
  ];
}

function serverLists(ids: readonly string[], servers: ReadonlyMap<string, string[]>, cells: ReadonlyMap<string, string[]>): string[] {
  return [
    'One row per client with the servers it may connect to and on which ports (too many workloads for a matrix).',
    '',
    '| Client | Servers |',
    '|---|---|',
    ...ids.map(
      (from) =>
        `| ${cell(from)} | ${cell((servers.get(from) ?? []).map((to) => `${to} (${cells.get(`${from}\n${to}`)!.join(', ')})`).join('; '))} |`,
    ),
  ];
}

function mermaid(
  ids: readonly string[],
  servers: ReadonlyMap<string, string[]>,
  cells: ReadonlyMap<string, string[]>,
  result: ReachabilityResult,
): string[] {
  const nodeIds = uniqueNodeIds(ids.map((id) => `w_${sanitize(id)}`));
  const nodeOf = new Map(ids.map((id, i) => [id, nodeIds[i]]));
  const lines = ['```mermaid', 'flowchart LR'];

  const namespaces = [...new Set(ids.map(namespaceOfId))].sort(compareStrings);
  const subgraphIds = uniqueNodeIds(namespaces.map((ns) => `ns_${sanitize(ns)}`));
  namespaces.forEach((ns, i) => {
    lines.push(`  subgraph ${subgraphIds[i]}["${label(ns)}"]`);
    for (const id of ids.filter((x) => namespaceOfId(x) === ns)) lines.push(`    ${nodeOf.get(id)}["${label(nameOfId(id))}"]`);
    lines.push('  end');
  });

  // One node per external address range, in order of first appearance (egress, then ingress).
  const ranges = [...new Set([...result.externalEgress, ...result.externalIngress].map(rangeLabel))];
  const rangeNode = new Map(ranges.map((r, i) => [r, `ext_${i + 1}`]));
  if (ranges.length > 0) {
    lines.push('  subgraph external["outside the cluster"]');
    ranges.forEach((r) => lines.push(`    ${rangeNode.get(r)}["${label(r)}"]`));
    lines.push('  end');
  }

  for (const from of ids) {
    for (const to of servers.get(from) ?? [])
      lines.push(`  ${nodeOf.get(from)} -->|"${label(cells.get(`${from}\n${to}`)!.join(', '))}"| ${nodeOf.get(to)}`);
  }
  for (const e of result.externalEgress)
    lines.push(`  ${nodeOf.get(e.from)} -->|"${label(e.ports.join(', '))}"| ${rangeNode.get(rangeLabel(e))}`);
  for (const e of result.externalIngress)
    lines.push(`  ${rangeNode.get(rangeLabel(e))} -->|"${label(e.ports.join(', '))}"| ${nodeOf.get(e.to)}`);
  lines.push('```');
  return lines;
}

function rangeLabel(e: { readonly cidr: string; readonly except: readonly string[] }): string {
  return e.except.length === 0 ? e.cidr : `${e.cidr} except ${e.except.join(', ')}`;
}

function namespaceOfId(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? '' : id.slice(0, slash);
}

function nameOfId(id: string): string {
  return id.slice(id.indexOf('/') + 1);
}

/** A Mermaid-safe identifier: letters, digits and underscores. */
function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Suffixes `_2`, `_3`, … to identifiers that sanitizing made equal. */
function uniqueNodeIds(candidates: readonly string[]): string[] {
  const used = new Set<string>();
  return candidates.map((c) => {
    let id = c;
    for (let n = 2; used.has(id); n++) id = `${c}_${n}`;
    used.add(id);
    return id;
  });
}

/** Text inside a quoted Mermaid label. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** Text inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
