/**
 * `verifyManifests`: every policy rule and the schemas over a set of manifests, with exceptions
 * applied, as one report. Also reads manifest files and directories for `alp verify`.
 */
import { Dirent, readdirSync, realpathSync, Stats, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import * as yaml from 'js-yaml';
import { AlpError } from '../core';
import {
  checkParsedSize,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_NODES,
  formatBytes,
  parseBoundedYaml,
  readBoundedText,
} from '../core/input-limits';
import {
  applyExceptions,
  DEFAULT_EXCEPTIONS_FILE,
  EXCEPTION_RULES,
  ExceptionStatus,
  isIsoDate,
  PolicyException,
  SuppressedFinding,
} from './exceptions';
import { compareFindings, Finding, ManifestInput, PolicyRule, RuleInfo } from './findings';
import { PolicyContext, SkippedCheck } from './rules/_context';
import { POLICY_RULES } from './rules/registry';

export type { SkippedCheck } from './rules/_context';

export interface VerifyOptions {
  /**
   * The rules to run.
   * @default POLICY_RULES (every rule, schema validation included)
   */
  readonly rules?: readonly PolicyRule[];
  /**
   * Exceptions to apply (see `readExceptions`).
   * @default - none
   */
  readonly exceptions?: readonly PolicyException[];
  /**
   * The exceptions' file, named in findings about exceptions.
   * @default 'policy-exceptions.yaml'
   */
  readonly exceptionsFile?: string;
  /**
   * The day against which exceptions expire, YYYY-MM-DD.
   * @default - today (UTC)
   */
  readonly today?: string;
  /**
   * The manifests are a part of the output the exceptions were written for, or unrelated to it
   * (one Application's folder, `helm template … | alp verify -`, a file of another project):
   * exceptions about objects not in the input, or whose rule skipped a check, are reported
   * `unjudged`, not as unused or expired errors. See `ApplyExceptionsOptions`.
   * @default false - the whole output: every exception must match a finding
   */
  readonly partialInput?: boolean;
}

/** Counts of a verification, for summaries. */
export interface VerifyCounts {
  readonly objects: number;
  readonly rules: number;
  readonly errors: number;
  readonly warnings: number;
  readonly suppressed: number;
  readonly skipped: number;
}

/** The outcome of `verifyManifests`. */
export interface VerifyReport {
  /** What remains after exceptions, errors first; includes findings about expired or unused exceptions. */
  readonly findings: Finding[];
  /** Findings that an exception suppressed. */
  readonly suppressed: SuppressedFinding[];
  /** Every exception given, with what became of it. */
  readonly exceptions: ExceptionStatus[];
  /** Checks that could not be made, and why (e.g. monitoring not built yet). */
  readonly skipped: SkippedCheck[];
  /** The rules that ran, then the rules about exceptions: everything a finding may refer to. */
  readonly rules: RuleInfo[];
  readonly counts: VerifyCounts;
}

/** Today's date (UTC) as YYYY-MM-DD. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Runs the rules over the manifests and applies the exceptions. Pure apart from the default of
 * `today`; linear in the number of objects.
 */
export function verifyManifests(manifests: readonly ManifestInput[], options: VerifyOptions = {}): VerifyReport {
  if (options.today !== undefined && !isIsoDate(options.today)) {
    throw new AlpError(`verifyManifests: 'today' (${JSON.stringify(options.today)}) must be a date written YYYY-MM-DD`);
  }
  const rules = options.rules ?? POLICY_RULES;
  const context = new PolicyContext(manifests);
  for (const rule of rules) rule.check(context);
  const exceptions = options.exceptions ?? [];
  const applied = applyExceptions(
    context.findings,
    exceptions,
    options.today ?? todayUtc(),
    options.exceptionsFile ?? DEFAULT_EXCEPTIONS_FILE,
    new Set(exceptions.length === 0 ? [] : context.objects.map((o) => o.label)),
    { partialInput: options.partialInput ?? false, skippedRules: new Set(context.skippedChecks.map((k) => k.ruleId)) },
  );
  const findings = applied.findings.sort(compareFindings);
  const skipped = [...context.skippedChecks];
  return {
    findings,
    suppressed: applied.suppressed.sort((a, b) => compareFindings(a.finding, b.finding)),
    exceptions: applied.statuses,
    skipped,
    rules: [...rules, ...EXCEPTION_RULES].map(ruleInfo),
    counts: {
      objects: context.objects.length,
      rules: rules.length,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      suppressed: applied.suppressed.length,
      skipped: skipped.length,
    },
  };
}

/** A rule's description without its check. */
function ruleInfo(rule: RuleInfo): RuleInfo {
  const { id, severity, title, rationale, source, fix, helpUri } = rule;
  return { id, severity, title, rationale, source, fix, ...(helpUri !== undefined ? { helpUri } : {}) };
}

/** The ids of the rules that exceptions may name (the rules about exceptions excluded). */
export function exceptableRuleIds(rules: readonly RuleInfo[] = POLICY_RULES): string[] {
  return rules.map((r) => r.id);
}

/**
 * The error for a report with error-severity findings, listing each, or undefined when there are
 * none. Synth throws it to refuse writing.
 */
export function verificationError(report: VerifyReport): AlpError | undefined {
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return undefined;
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  return new AlpError(
    `policy verification failed (${count}); nothing was written`,
    errors.map((f) => `${f.ruleId}: ${f.message}`),
  );
}

/** Manifests read from disk. */
export interface ManifestFiles {
  /** The objects, with files relative to `root`. */
  readonly manifests: ManifestInput[];
  /** The directory the file paths are relative to. */
  readonly root: string;
  /** Directories left out, with why (Helm chart sources). */
  readonly ignored: string[];
}

/**
 * Largest manifest file (or standard input) `alp verify` reads: 16 MiB. The platform's largest
 * file is a Grafana dashboard of about 24 KiB; `helm template` of a whole cluster stays well
 * below. Larger input is refused before it is read.
 */
export const MAX_MANIFEST_FILE_BYTES = 16 * 1024 * 1024;
/**
 * Most values (mappings, sequences and scalars) the documents of one manifest file may expand to,
 * YAML aliases counted once per use: 1,000,000, about 250 times the platform's largest file. A
 * few hundred bytes of aliases of aliases (a "billion laughs") are refused in milliseconds.
 */
export const MAX_MANIFEST_NODES = DEFAULT_MAX_NODES;
/**
 * Deepest nesting in a manifest file, the file's list of documents counting as the first level:
 * 64. Kubernetes objects nest about 15 deep, CRD schemas about 40.
 */
export const MAX_MANIFEST_DEPTH = DEFAULT_MAX_DEPTH;

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** The file that makes a directory a Helm chart's sources: its templates are not manifests. */
export const HELM_CHART_FILE = 'Chart.yaml';
/** What cdk8s apps write beside the manifests for validation plugins (see validation-plugin.ts). */
const CONSTRUCT_METADATA = 'construct-metadata.json';
/** YAML as Kubernetes reads it: no timestamps (dates stay strings), merge keys allowed (js-yaml exports `types`; its typings omit it). */
const MANIFEST_SCHEMA = yaml.CORE_SCHEMA.extend([(yaml as unknown as { types: { merge: yaml.Type } }).types.merge]);

/** The user error for a file or directory the OS would not give us: one line, naming the path. */
function unreadable(path: string, error: any, what: 'file' | 'directory'): AlpError {
  if (AlpError.isAlpError(error)) return error;
  const code: string = error?.code ?? String(error?.message ?? error).split('\n')[0];
  const why = code === 'ELOOP' ? 'ELOOP: a loop of symbolic links' : code;
  return new AlpError(`${path}: cannot read the ${what} (${why}); check that it exists and is readable`);
}

/**
 * Reads every manifest in a file, or in the `.yaml`, `.yml` and `.json` files below a directory
 * (sorted, recursively). Multi-document files and `List` objects are allowed. Directories holding
 * a `Chart.yaml` are Helm chart sources, not manifests, and `construct-metadata.json` is cdk8s's
 * record for validation plugins: both are left out and listed in `ignored`.
 * Files in the platform's layout get their region as cluster (see `clusterOfPath`).
 *
 * Input is bounded: a file over `MAX_MANIFEST_FILE_BYTES`, or whose documents expand past
 * `MAX_MANIFEST_NODES` values or nest deeper than `MAX_MANIFEST_DEPTH`, is refused. Symbolic
 * links are followed; one that loops, dangles, or leads back to a directory already read is refused.
 *
 * @throws AlpError (one line, naming the path) when the path does not exist, an entry cannot be
 * read, a file is over a limit, or a file is not valid YAML/JSON
 */
export function readManifests(path: string): ManifestFiles {
  let stat: Stats | undefined;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw unreadable(path, e, 'file');
  }
  if (!stat) throw new AlpError(`${path}: no such file or directory`);
  const root = stat.isDirectory() ? path : dirname(path);
  const files: string[] = [];
  const ignored: string[] = [];
  const read = new Map<string, string>(); // real path of each directory read → the path it was read as
  const visit = (dir: string) => {
    let real: string;
    let entries: Dirent[];
    try {
      real = realpathSync(dir);
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      throw unreadable(dir, e, 'directory');
    }
    const earlier = read.get(real);
    if (earlier !== undefined) {
      throw new AlpError(
        `${dir}: leads to ${earlier}, a directory already read (a loop of symbolic links, or a second path to it); remove the link or verify the directory itself`,
      );
    }
    read.set(real, dir);
    if (dir !== path && entries.some((e) => e.name === HELM_CHART_FILE)) {
      ignored.push(`${dir}: a Helm chart's sources (verify its rendered output: helm template … | alp verify -)`);
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDirectory = statSync(full).isDirectory();
        } catch (e) {
          throw unreadable(full, e, 'file');
        }
      }
      if (isDirectory) visit(full);
      else if (entry.name === CONSTRUCT_METADATA) ignored.push(`${full}: cdk8s construct metadata, not a manifest`);
      else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) files.push(full);
    }
  };
  if (stat.isDirectory()) visit(path);
  else files.push(path);
  const manifests: ManifestInput[] = [];
  for (const file of files) {
    const name = stat.isDirectory() ? relative(root, file).split(sep).join('/') : basename(file);
    const cluster = clusterOfPath(resolve(file));
    for (const { document, line } of parseDocuments(readBoundedText(file, MAX_MANIFEST_FILE_BYTES), file)) {
      manifests.push({ manifest: document, file: name, line, ...(cluster !== undefined ? { cluster } : {}) });
    }
  }
  return { manifests, root, ignored };
}

/**
 * The cluster of a manifest file in the platform's GitOps layout, `…/manifests/<region>/<component>/<file>`:
 * the region (each region is its own cluster). Undefined for files outside that layout.
 */
export function clusterOfPath(path: string): string | undefined {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('manifests');
  return at >= 0 && parts.length - at === 4 ? parts[at + 1] : undefined;
}

/**
 * The documents of a YAML (or JSON) text with the line each starts on; empty documents are dropped.
 * The text is bounded like a file (`MAX_MANIFEST_FILE_BYTES`, `MAX_MANIFEST_NODES` for all its
 * documents together, `MAX_MANIFEST_DEPTH`): standard input gets the limits of a file.
 *
 * @param file names the input in errors (a path, or `stdin`)
 * @throws AlpError naming `file` and the limit, or the line and column of a syntax error
 */
export function parseDocuments(text: string, file: string): { document: unknown; line: number }[] {
  // Bytes are at most 3 per UTF-16 unit: count them only when the text could be over the limit.
  if (text.length * 3 > MAX_MANIFEST_FILE_BYTES) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_MANIFEST_FILE_BYTES) {
      throw new AlpError(
        `${file}: is ${formatBytes(bytes)}, over the limit of ${formatBytes(MAX_MANIFEST_FILE_BYTES)} for this input; split it or check that it is the right file`,
      );
    }
  }
  const lines = text.split('\n');
  const starts = [0];
  lines.forEach((l, i) => {
    if (i > 0 && /^---(\s|$)/.test(l)) starts.push(i);
  });
  const out: { document: unknown; line: number }[] = [];
  starts.forEach((start, k) => {
    const chunk = lines.slice(start, starts[k + 1] ?? lines.length);
    let document: unknown;
    try {
      // Aliases are shared, not copied, by the parser: a bomb costs its text here, and is
      // measured with every document of the file below, before any rule walks it.
      document = yaml.load(chunk.join('\n'), { filename: file, schema: MANIFEST_SCHEMA });
    } catch {
      // The error as the bounded parser words it, at the file's line: the document is parsed
      // again behind as many empty lines as precede it (once, since it throws).
      parseBoundedYaml(
        '\n'.repeat(start) + chunk.join('\n'),
        file,
        { maxNodes: MAX_MANIFEST_NODES, maxDepth: MAX_MANIFEST_DEPTH },
        MANIFEST_SCHEMA,
      );
      throw new AlpError(`${file}: is not valid YAML at line ${start + 1}; fix the syntax of the document that starts there`);
    }
    if (document === null || document === undefined) return;
    const first = chunk.findIndex((l) => l.trim() !== '' && !l.startsWith('#') && !/^---\s*$/.test(l));
    out.push({ document, line: start + (first < 0 ? 0 : first) + 1 });
  });
  // One budget for the whole file, so that many small documents cannot add up past it.
  checkParsedSize(
    out.map((d) => d.document),
    file,
    { maxNodes: MAX_MANIFEST_NODES, maxDepth: MAX_MANIFEST_DEPTH },
  );
  return out;
}
