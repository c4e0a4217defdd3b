/**
 * Who can reach whom, computed by evaluating NetworkPolicy objects with Kubernetes semantics.
 *
 * Input is plain manifests (as `kubectl` would see them), never the platform spec, so the same
 * evaluation serves tests, the reachability report and checks against a live cluster.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { AlpError, formatProblem } from '../core';
import { LabelIndex } from './label-index';
import { isPort, MAX_PORT, RFC_1123_LABEL } from '../core/validation';
import {
  PROTOCOLS,
  compareStrings,
  flattenManifests,
  groupOf,
  isObject,
  namespaceLabelsFromManifests,
  namespaceOf,
  NAMESPACE_NAME_LABEL,
  workloadsFromManifests,
} from './reachability-workloads';
import type { Workload, WorkloadPort, WorkloadProtocol } from './reachability-workloads';
import { asArray } from './rules/_selectors';

export { namespaceLabelsFromManifests, workloadsFromManifests } from './reachability-workloads';
export type { Workload, WorkloadPort, WorkloadProtocol } from './reachability-workloads';

/** An allowed connection from a pod of `from` to a pod of `to` on one port. */
export interface Connection {
  /** Workload id of the client. */
  readonly from: string;
  /** Workload id of the server. */
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
}

/**
 * Connections a workload may open to addresses outside the cluster.
 *
 * Comes from `ipBlock` peers of egress rules. A rule without peers allows any address, and a
 * workload whose egress is not isolated may connect anywhere: both are listed as `0.0.0.0/0` and
 * `::/0`.
 */
export interface ExternalEgress {
  /** Workload id of the client. */
  readonly from: string;
  readonly cidr: string;
  /** Ranges of `cidr` that are not allowed, sorted. */
  readonly except: string[];
  /**
   * Allowed destination ports as in the rules: `TCP/443`, `TCP/8000-8080` (endPort), `TCP/https`
   * (a named port, which cannot be resolved outside the cluster), `UDP/any` (every port of a
   * protocol), or `['any']` (every port and protocol).
   */
  readonly ports: string[];
}

/**
 * Connections that addresses outside the cluster may open to a workload.
 *
 * Comes from `ipBlock` peers of ingress rules. A rule without peers admits any address, and a
 * workload whose ingress is not isolated admits everyone: both are listed as `0.0.0.0/0` and
 * `::/0`. Unlike egress, the ports are resolved against the workload: the listening ports the
 * rules allow, like `TCP/8080`.
 */
export interface ExternalIngress {
  /** Workload id of the server. */
  readonly to: string;
  readonly cidr: string;
  /** Ranges of `cidr` that are not admitted, sorted. */
  readonly except: string[];
  /** The workload's listening ports the rules allow, e.g. `['TCP/8080']`. */
  readonly ports: string[];
}

export interface ReachabilityResult {
  /** Allowed pod-to-pod connections, sorted by from, to, protocol, port. */
  readonly connections: Connection[];
  /** Sorted by from, cidr, except. */
  readonly externalEgress: ExternalEgress[];
  /** Sorted by to, cidr, except. */
  readonly externalIngress: ExternalIngress[];
}

/** The CIDRs that stand for "any address" in external allowances. */
export const ANY_ADDRESS_CIDRS: readonly string[] = ['0.0.0.0/0', '::/0'];

/**
 * Every allowed (from, to, port) among the workloads the manifests imply (plus `extraWorkloads`,
 * for pods defined elsewhere such as the cluster DNS), and the allowances to and from addresses
 * outside the cluster.
 *
 * A connection is allowed when the client's egress and the server's ingress both allow it; only
 * ports the server listens on are considered. Connections between pods of the same workload are
 * evaluated like any other (replicas are distinct pods).
 *
 * @throws AlpError listing every invalid NetworkPolicy, or when workload ids collide.
 */
export function evaluateReachability(manifests: readonly any[], extraWorkloads: readonly Workload[] = []): ReachabilityResult {
  const objects = flattenManifests(manifests);
  const workloads = allWorkloads(objects, extraWorkloads);
  const namespaceLabels = namespaceLabelsFromManifests(objects);
  const nsLabels = (ns: string) => namespaceLabels[ns] ?? { [NAMESPACE_NAME_LABEL]: ns };
  const policies = parsePolicies(objects);

  const labels = new LabelIndex<Workload>();
  for (const w of workloads) labels.add(w, w.labels);
  const isolation = isolatingPolicies(workloads, policies, labels);
  const peerTargets = peerTargetsOf(labels, nsLabels);
  return {
    connections: podConnections(workloads, isolation, peerTargets),
    ...externalAllowances(workloads, isolation),
  };
}

/** The manifests' workloads and the extra ones, sorted by id; throws when an extra one's id is taken. */
function allWorkloads(objects: readonly any[], extraWorkloads: readonly Workload[]): Workload[] {
  const workloads = [...workloadsFromManifests(objects)];
  for (const extra of extraWorkloads) {
    if (workloads.some((w) => w.id === extra.id)) {
      throw new AlpError(`Cannot evaluate reachability: extra workload '${extra.id}' is already defined by the manifests`);
    }
    workloads.push(extra);
  }
  return workloads.sort((a, b) => compareStrings(a.id, b.id));
}

/** The policies that isolate each workload, per direction (in the policies' order), by workload id. */
interface Isolation {
  readonly ingress: Map<string, Policy[]>;
  readonly egress: Map<string, Policy[]>;
}

function isolatingPolicies(workloads: readonly Workload[], policies: readonly Policy[], labels: LabelIndex<Workload>): Isolation {
  const isolation: Isolation = { ingress: new Map(), egress: new Map() };
  const candidatePolicies = policyIndex(policies, (selector) => labels.rarestLabel(selector?.matchLabels));
  for (const w of workloads) {
    const selecting = candidatePolicies(w).filter((p) => selectorMatches(p.podSelector, w.labels));
    isolation.ingress.set(
      w.id,
      selecting.filter((p) => p.ingress !== undefined),
    );
    isolation.egress.set(
      w.id,
      selecting.filter((p) => p.egress !== undefined),
    );
  }
  return isolation;
}

/** The workloads a peer of a policy in namespace `policyNs` matches. */
type PeerTargets = (peer: Peer, policyNs: string) => ReadonlySet<Workload>;

/**
 * The workloads a peer matches, computed once per peer: a destination that no egress rule of an
 * isolated client can match needs no check (every pair is checked as before, only fewer pairs
 * are candidates), so that the cost follows the policies, not workloads squared. Peers are keyed
 * by content (many policies name the same peers), and only workloads with the rarest label of
 * the peer's podSelector are tried.
 */
function peerTargetsOf(labels: LabelIndex<Workload>, nsLabels: (ns: string) => Record<string, string>): PeerTargets {
  const matchedBy = new Map<string, Set<Workload>>();
  const peerCache = new Map<Peer, Map<string, Set<Workload>>>();
  return (peer, policyNs) => {
    let byNamespace = peerCache.get(peer);
    if (!byNamespace) peerCache.set(peer, (byNamespace = new Map()));
    let matched = byNamespace.get(policyNs);
    if (!matched) {
      const id = JSON.stringify([policyNs, peer]);
      matched = matchedBy.get(id);
      if (!matched) {
        const tried = labels.withRequired(peer.podSelector?.matchLabels);
        matched = new Set(tried.filter((w) => peerMatches(peer, policyNs, w, nsLabels(w.namespace))));
        matchedBy.set(id, matched);
      }
      byNamespace.set(policyNs, matched);
    }
    return matched;
  };
}

/**
 * The rules of a workload's policies in one direction, by the peer pods they name: a rule allows
 * traffic with pod `peer` on `port` when it names no peers or a peer matching `peer`, and its
 * ports allow `port` (the same test as rule by rule, without scanning every rule per pair).
 *
 * Only the pairs a question can be asked about are indexed: the port is always the destination's,
 * so an egress rule keeps only the peers with a port it admits (see `RuleTargets`) and an ingress
 * rule is left out when it admits none of the owner's ports. A wide rule (the mesh's tunnel port
 * to every pod of every ambient namespace) then costs nothing per workload instead of every
 * workload per workload.
 */
interface RuleIndex {
  readonly anyPeer: Rule[];
  readonly byPeer: Map<Workload, Rule[]>;
}

/** The workloads an egress rule's peer names that listen on a port the rule admits, computed once per rule and peer. */
type RuleTargets = (rule: Rule, peer: Peer, policyNs: string) => readonly Workload[];

function ruleTargetsOf(peerTargets: PeerTargets): RuleTargets {
  const cache = new Map<Rule, Map<Peer, Map<string, Workload[]>>>();
  return (rule, peer, policyNs) => {
    const byPeer = cache.get(rule) ?? new Map<Peer, Map<string, Workload[]>>();
    cache.set(rule, byPeer);
    const byNamespace = byPeer.get(peer) ?? new Map<string, Workload[]>();
    byPeer.set(peer, byNamespace);
    let targets = byNamespace.get(policyNs);
    if (!targets) {
      targets = [...peerTargets(peer, policyNs)].filter((w) => w.ports.some((port) => portAllowed(rule, port)));
      byNamespace.set(policyNs, targets);
    }
    return targets;
  };
}

function ruleIndex(
  isolating: readonly Policy[],
  direction: 'ingress' | 'egress',
  targetsOf: (rule: Rule, peer: Peer, policyNs: string) => Iterable<Workload>,
  owner: Workload,
): RuleIndex {
  const index: RuleIndex = { anyPeer: [], byPeer: new Map() };
  for (const p of isolating) {
    for (const rule of p[direction]!) {
      if (direction === 'ingress' && !owner.ports.some((port) => portAllowed(rule, port))) continue;
      if (rule.peers === undefined) {
        index.anyPeer.push(rule);
        continue;
      }
      for (const peer of rule.peers) {
        for (const w of targetsOf(rule, peer, p.namespace)) {
          const rules = index.byPeer.get(w);
          if (!rules) index.byPeer.set(w, [rule]);
          else if (rules[rules.length - 1] !== rule) rules.push(rule);
        }
      }
    }
  }
  return index;
}

function portAllowed(rule: Rule, port: WorkloadPort): boolean {
  return rule.ports === undefined || rule.ports.some((rp) => portMatches(rp, port));
}

/** Whether the indexed rules allow traffic with pod `peer` on `port`. */
function allows(index: RuleIndex, peer: Workload, port: WorkloadPort): boolean {
  return index.anyPeer.some((r) => portAllowed(r, port)) || (index.byPeer.get(peer) ?? []).some((r) => portAllowed(r, port));
}

/** The allowed pod-to-pod connections, sorted by from, to, protocol, port. */
function podConnections(workloads: readonly Workload[], isolation: Isolation, peerTargets: PeerTargets): Connection[] {
  const order = new Map(workloads.map((w, i) => [w, i]));
  const ingressIndexes = new Map<Workload, RuleIndex>();
  const ingressTargets = (_rule: Rule, peer: Peer, policyNs: string) => peerTargets(peer, policyNs);
  const egressTargets = ruleTargetsOf(peerTargets);
  const ingressIndex = (w: Workload) => {
    let index = ingressIndexes.get(w);
    if (!index) ingressIndexes.set(w, (index = ruleIndex(isolation.ingress.get(w.id)!, 'ingress', ingressTargets, w)));
    return index;
  };

  const connections: Connection[] = [];
  for (const src of workloads) {
    const egress = isolation.egress.get(src.id)!;
    const egressRules = ruleIndex(egress, 'egress', egressTargets, src);
    // Isolated egress reaches only the pods its rules name (all of them when a rule names no peers).
    const candidates =
      egress.length === 0 || egressRules.anyPeer.length > 0
        ? workloads
        : [...egressRules.byPeer.keys()].sort((a, b) => order.get(a)! - order.get(b)!); // in the workloads' order
    for (const dst of candidates) {
      const ingress = isolation.ingress.get(dst.id)!;
      for (const port of dst.ports) {
        const egressOk = egress.length === 0 || allows(egressRules, dst, port);
        const ingressOk = ingress.length === 0 || allows(ingressIndex(dst), src, port);
        if (egressOk && ingressOk) connections.push({ from: src.id, to: dst.id, port: port.port, protocol: port.protocol });
      }
    }
  }
  return connections.sort(
    (a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to) || compareStrings(a.protocol, b.protocol) || a.port - b.port,
  );
}

/** The allowances to and from addresses outside the cluster (from `ipBlock` peers and rules without peers). */
function externalAllowances(
  workloads: readonly Workload[],
  isolation: Isolation,
): Pick<ReachabilityResult, 'externalEgress' | 'externalIngress'> {
  const externalEgress = new ExternalAllowances();
  const externalIngress = new ExternalAllowances();
  for (const w of workloads) {
    const egress = isolation.egress.get(w.id)!;
    if (egress.length === 0) externalEgress.addAnywhere(w.id, ['any']);
    for (const rule of egress.flatMap((p) => p.egress!)) {
      const ports = rule.ports === undefined ? ['any'] : rule.ports.map(formatRulePort);
      if (rule.peers === undefined) externalEgress.addAnywhere(w.id, ports);
      for (const peer of rule.peers ?? []) if (peer.ipBlock) externalEgress.add(w.id, peer.ipBlock, ports);
    }

    const ingress = isolation.ingress.get(w.id)!;
    if (ingress.length === 0) externalIngress.addAnywhere(w.id, w.ports.map(formatPort));
    for (const rule of ingress.flatMap((p) => p.ingress!)) {
      const ports = w.ports.filter((port) => portAllowed(rule, port)).map(formatPort);
      if (rule.peers === undefined) externalIngress.addAnywhere(w.id, ports);
      for (const peer of rule.peers ?? []) if (peer.ipBlock) externalIngress.add(w.id, peer.ipBlock, ports);
    }
  }
  return {
    externalEgress: externalEgress.list().map(({ workload, ...rest }) => ({ from: workload, ...rest })),
    externalIngress: externalIngress.list().map(({ workload, ...rest }) => ({ to: workload, ...rest })),
  };
}

/**
 * The policies that may select a workload, in their order: those of its namespace whose
 * podSelector's rarest matchLabels entry the workload has, and those without matchLabels.
 * Each must still be matched (selectorMatches); the index only skips policies that cannot.
 */
function policyIndex(policies: readonly Policy[], rarestLabel: (selector: Selector) => string | undefined): (w: Workload) => Policy[] {
  const byLabel = new Map<string, number[]>();
  const unlabelled = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, index: number) => {
    const list = map.get(key);
    if (list) list.push(index);
    else map.set(key, [index]);
  };
  policies.forEach((p, i) => {
    const label = rarestLabel(p.podSelector);
    if (label !== undefined) push(byLabel, `${p.namespace} ${label}`, i);
    else push(unlabelled, p.namespace, i);
  });
  return (w) => {
    const indexes = [...(unlabelled.get(w.namespace) ?? [])];
    for (const entry of Object.entries(w.labels)) indexes.push(...(byLabel.get(`${w.namespace} ${JSON.stringify(entry)}`) ?? []));
    return indexes.sort((a, b) => a - b).map((i) => policies[i]);
  };
}

/** A label selector as in `metav1.LabelSelector`. */
interface Selector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

interface IpBlock {
  readonly cidr: string;
  readonly except: string[];
}

interface Peer {
  readonly podSelector?: Selector;
  readonly namespaceSelector?: Selector;
  readonly ipBlock?: IpBlock;
}

interface RulePort {
  readonly protocol: WorkloadProtocol;
  /** A port number or a named port. @default - every port of the protocol */
  readonly port?: number | string;
  /** Last port of a range starting at `port`. @default - just `port` */
  readonly endPort?: number;
}

interface Rule {
  /** `undefined` when the rule names no peers: every peer. */
  readonly peers?: readonly Peer[];
  /** `undefined` when the rule names no ports: every port. */
  readonly ports?: readonly RulePort[];
}

interface Policy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: Selector;
  /** The ingress rules, or `undefined` when the policy does not govern ingress. */
  readonly ingress?: readonly Rule[];
  /** The egress rules, or `undefined` when the policy does not govern egress. */
  readonly egress?: readonly Rule[];
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** The NetworkPolicies (networking.k8s.io) of the manifests; throws one error listing every invalid one. */
function parsePolicies(objects: readonly any[]): Policy[] {
  const problems: string[] = [];
  const policies: Policy[] = [];
  for (const m of objects) {
    if (m.kind !== 'NetworkPolicy' || groupOf(m.apiVersion) !== 'networking.k8s.io') continue;
    const namespace = namespaceOf(m);
    const where = `NetworkPolicy ${namespace}/${m.metadata?.name}`;
    const problem = (prop: string, value: unknown, rule: string) => problems.push(`${where}: ${formatProblem({ prop, value, rule })}`);
    const spec = isObject(m.spec) ? m.spec : {};

    // The API server defaults missing or empty policyTypes to Ingress, plus Egress when there
    // are egress rules (`len(spec.egress) > 0`).
    const declaredTypes = asArray(spec.policyTypes);
    const types = declaredTypes.length > 0 ? declaredTypes : ['Ingress', ...(asArray(spec.egress).length > 0 ? ['Egress'] : [])];
    types.forEach((t, i) => {
      if (t !== 'Ingress' && t !== 'Egress') problem(`spec.policyTypes[${i}]`, t, 'must be Ingress or Egress');
    });

    const parseRules = (direction: 'ingress' | 'egress'): Rule[] => {
      const peersField = direction === 'ingress' ? 'from' : 'to';
      return asArray(spec[direction]).map((rule: any, r: number) => {
        const path = `spec.${direction}[${r}]`;
        const peers = asArray(rule?.[peersField]).map((peer: any, i: number) => parsePeer(peer, `${path}.${peersField}[${i}]`, problem));
        const ports = asArray(rule?.ports).map((port: any, i: number) => parseRulePort(port, `${path}.ports[${i}]`, problem));
        // Empty or missing `from`/`to` and `ports` mean "all".
        return { peers: peers.length > 0 ? peers : undefined, ports: ports.length > 0 ? ports : undefined };
      });
    };

    // A missing spec.podSelector is the empty selector (a struct in the API, not a pointer).
    const podSelector = parseSelector(spec.podSelector ?? {}, 'spec.podSelector', problem);
    policies.push({
      namespace,
      name: m.metadata?.name,
      podSelector,
      ingress: types.includes('Ingress') ? parseRules('ingress') : undefined,
      egress: types.includes('Egress') ? parseRules('egress') : undefined,
    });
  }
  if (problems.length > 0) throw new AlpError('Cannot evaluate reachability: invalid NetworkPolicies:', problems);
  return policies;
}

type ProblemSink = (prop: string, value: unknown, rule: string) => void;

function parsePeer(peer: any, path: string, problem: ProblemSink): Peer {
  const podSelector = peer?.podSelector != null ? parseSelector(peer.podSelector, `${path}.podSelector`, problem) : undefined;
  const namespaceSelector =
    peer?.namespaceSelector != null ? parseSelector(peer.namespaceSelector, `${path}.namespaceSelector`, problem) : undefined;
  let ipBlock: IpBlock | undefined;
  if (peer?.ipBlock != null) {
    const cidr = peer.ipBlock.cidr;
    if (typeof cidr !== 'string' || !cidr.includes('/')) problem(`${path}.ipBlock.cidr`, cidr, 'must be a CIDR such as 10.0.0.0/8');
    const except = asArray(peer.ipBlock.except).map(String).sort(compareStrings);
    ipBlock = { cidr: String(cidr), except };
    if (podSelector || namespaceSelector) problem(path, peer, 'must not combine ipBlock with podSelector or namespaceSelector');
  }
  if (!podSelector && !namespaceSelector && !ipBlock) problem(path, peer, 'must set podSelector, namespaceSelector or ipBlock');
  return { podSelector, namespaceSelector, ipBlock };
}

function parseRulePort(port: any, path: string, problem: ProblemSink): RulePort {
  const protocol = port?.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protocol)) problem(`${path}.protocol`, protocol, `must be one of ${PROTOCOLS.join(', ')}`);
  const value = port?.port;
  const isNumber = isPort(value);
  const isName = typeof value === 'string' && RFC_1123_LABEL.test(value) && /[a-z]/.test(value) && value.length <= 15;
  if (value !== undefined && !isNumber && !isName) {
    problem(`${path}.port`, value, 'must be a port number (1-65535) or a port name (IANA service name)');
  }
  const endPort = port?.endPort;
  if (endPort !== undefined) {
    if (!isNumber) problem(`${path}.endPort`, endPort, 'must only be set with a numeric port');
    else if (!Number.isInteger(endPort) || endPort < value || endPort > MAX_PORT)
      problem(`${path}.endPort`, endPort, `must be an integer from ${value} (port) to ${MAX_PORT}`);
  }
  return { protocol, port: value, endPort };
}

function parseSelector(selector: any, path: string, problem: ProblemSink): Selector {
  if (!isObject(selector)) {
    problem(path, selector, 'must be a label selector object');
    return {};
  }
  const matchLabels = selector.matchLabels ?? {};
  if (!isObject(matchLabels) || Object.values(matchLabels).some((v) => typeof v !== 'string')) {
    problem(`${path}.matchLabels`, matchLabels, 'must map label keys to string values');
  }
  const matchExpressions = asArray(selector.matchExpressions);
  matchExpressions.forEach((e: any, i: number) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values = asArray(e?.values);
    if (typeof e?.key !== 'string') problem(`${at}.key`, e?.key, 'must be a label key');
    if (!OPERATORS.includes(e?.operator)) problem(`${at}.operator`, e?.operator, `must be one of ${OPERATORS.join(', ')}`);
    else if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0)
      problem(`${at}.values`, e.values, `must be non-empty for ${e.operator}`);
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0)
      problem(`${at}.values`, e.values, `must be empty for ${e.operator}`);
  });
  return { matchLabels: isObject(matchLabels) ? matchLabels : {}, matchExpressions };
}

/** Whether labels satisfy every matchLabels entry and every matchExpression; `{}` matches everything. */
function selectorMatches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Whether a peer of a policy in `policyNs` matches a pod: podSelector alone selects in the
 * policy's namespace, namespaceSelector alone selects all pods of matching namespaces, both
 * select matching pods in matching namespaces. ipBlock never matches a pod (pod IPs are unknown).
 */
function peerMatches(peer: Peer, policyNs: string, pod: Workload, podNsLabels: Record<string, string>): boolean {
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, podNsLabels) : pod.namespace === policyNs;
  return nsOk && (peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels));
}

/** Whether a rule port allows a destination's listening port; named ports are resolved against the destination. */
function portMatches(rule: RulePort, port: WorkloadPort): boolean {
  if (rule.protocol !== port.protocol) return false;
  if (rule.port === undefined) return true;
  if (typeof rule.port === 'string') return port.name === rule.port;
  return port.port >= rule.port && port.port <= (rule.endPort ?? rule.port);
}

function formatRulePort(rule: RulePort): string {
  if (rule.port === undefined) return `${rule.protocol}/any`;
  if (rule.endPort !== undefined && rule.endPort !== rule.port) return `${rule.protocol}/${rule.port}-${rule.endPort}`;
  return `${rule.protocol}/${rule.port}`;
}

function formatPort(port: WorkloadPort): string {
  return `${port.protocol}/${port.port}`;
}

/** External allowances merged per (workload, cidr, except), with ports unioned. */
class ExternalAllowances {
  private readonly entries = new Map<string, { workload: string; cidr: string; except: string[]; ports: Set<string> }>();

  public add(workload: string, block: IpBlock, ports: readonly string[]): void {
    if (ports.length === 0) return;
    const key = JSON.stringify([workload, block.cidr, block.except]);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { workload, cidr: block.cidr, except: [...block.except], ports: new Set() };
      this.entries.set(key, entry);
    }
    ports.forEach((p) => entry!.ports.add(p));
  }

  public addAnywhere(workload: string, ports: readonly string[]): void {
    for (const cidr of ANY_ADDRESS_CIDRS) this.add(workload, { cidr, except: [] }, ports);
  }

  public list(): { workload: string; cidr: string; except: string[]; ports: string[] }[] {
    return [...this.entries.values()]
      .map((e) => ({ workload: e.workload, cidr: e.cidr, except: e.except, ports: simplifyPorts([...e.ports]) }))
      .sort(
        (a, b) =>
          compareStrings(a.workload, b.workload)
          || compareStrings(a.cidr, b.cidr)
          || compareStrings(a.except.join(','), b.except.join(',')),
      );
  }
}

/** `any` absorbs everything, `TCP/any` absorbs the other TCP entries; sorted by protocol, then port. */
function simplifyPorts(ports: string[]): string[] {
  if (ports.includes('any')) return ['any'];
  const wholeProtocols = new Set(ports.filter((p) => p.endsWith('/any')).map((p) => p.split('/')[0]));
  const kept = ports.filter((p) => p.endsWith('/any') || !wholeProtocols.has(p.split('/')[0]));
  const key = (p: string) => {
    const [protocol, rest] = p.split('/');
    const n = parseInt(rest, 10);
    return { protocol, n: Number.isNaN(n) ? Infinity : n, rest };
  };
  return kept.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return compareStrings(ka.protocol, kb.protocol) || (ka.n === kb.n ? 0 : ka.n < kb.n ? -1 : 1) || compareStrings(ka.rest, kb.rest);
  });
}
