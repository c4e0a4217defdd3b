/**
 * `verifyManifests`: every policy rule and the schemas over a set of manifests, with exceptions
 * applied, as one report. Also reads manifest files and directories for `alp verify`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import * as yaml from 'js-yaml';
import { AlpError } from '../core';
import {
  applyExceptions, DEFAULT_EXCEPTIONS_FILE, EXCEPTION_RULES, ExceptionStatus, isIsoDate, PolicyException, SuppressedFinding,
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
  return new AlpError(`policy verification failed (${count}); nothing was written`, errors.map((f) => `${f.ruleId}: ${f.message}`));
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

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** The file that makes a directory a Helm chart's sources: its templates are not manifests. */
export const HELM_CHART_FILE = 'Chart.yaml';
/** What cdk8s apps write beside the manifests for validation plugins (see validation-plugin.ts). */
const CONSTRUCT_METADATA = 'construct-metadata.json';
/** YAML as Kubernetes reads it: no timestamps (dates stay strings), merge keys allowed (js-yaml exports `types`; its typings omit it). */
const MANIFEST_SCHEMA = yaml.CORE_SCHEMA.extend([(yaml as unknown as { types: { merge: yaml.Type } }).types.merge]);

/**
 * Reads every manifest in a file, or in the `.yaml`, `.yml` and `.json` files below a directory
 * (sorted, recursively). Multi-document files and `List` objects are allowed. Directories holding
 * a `Chart.yaml` are Helm chart sources, not manifests, and `construct-metadata.json` is cdk8s's
 * record for validation plugins: both are left out and listed in `ignored`.
 * Files in the platform's layout get their region as cluster (see `clusterOfPath`).
 *
 * @throws AlpError when the path does not exist or a file is not valid YAML/JSON
 */
export function readManifests(path: string): ManifestFiles {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new AlpError(`${path}: no such file or directory`);
  const root = stat.isDirectory() ? path : dirname(path);
  const files: string[] = [];
  const ignored: string[] = [];
  const visit = (dir: string) => {
    const entries = readdirSync(dir).sort();
    if (dir !== path && entries.includes(HELM_CHART_FILE)) {
      ignored.push(`${dir}: a Helm chart's sources (verify its rendered output: helm template … | alp verify -)`);
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) visit(full);
      else if (entry === CONSTRUCT_METADATA) ignored.push(`${full}: cdk8s construct metadata, not a manifest`);
      else if (MANIFEST_EXTENSIONS.some((ext) => entry.endsWith(ext))) files.push(full);
    }
  };
  if (stat.isDirectory()) visit(path);
  else files.push(path);
  const manifests: ManifestInput[] = [];
  for (const file of files) {
    const name = stat.isDirectory() ? relative(root, file).split(sep).join('/') : basename(file);
    const cluster = clusterOfPath(resolve(file));
    for (const { document, line } of parseDocuments(readFileSync(file, 'utf8'), file)) {
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

/** The documents of a YAML (or JSON) text with the line each starts on; empty documents are dropped. */
export function parseDocuments(text: string, file: string): { document: unknown; line: number }[] {
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
      document = yaml.load(chunk.join('\n'), { filename: file, schema: MANIFEST_SCHEMA });
    } catch (e: any) {
      const where = e.mark ? ` (line ${start + e.mark.line + 1}, column ${e.mark.column + 1})` : '';
      throw new AlpError(`${file}: is not valid YAML: ${e.reason ?? e.message.split('\n')[0]}${where}`);
    }
    if (document === null || document === undefined) return;
    const first = chunk.findIndex((l) => l.trim() !== '' && !l.startsWith('#') && !/^---\s*$/.test(l));
    out.push({ document, line: start + (first < 0 ? 0 : first) + 1 });
  });
  return out;
}
