/**
 * The cdk8s CLI validation plugin: `cdk8s synth` runs it on the manifests the app wrote (see
 * `validations:` in cdk8s.yaml and the loader in `plugins/alp-verify/`), and prints its findings
 * grouped by rule, with the construct path of each object when the app records it.
 *
 * @see https://cdk8s.io/docs/latest/cli/synth/#validation-plugins
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Validation, ValidationContext, ValidationViolatingResource, ValidationViolation } from 'cdk8s-cli/lib/plugins';
import { DEFAULT_EXCEPTIONS_FILE, PolicyException, readExceptions } from './exceptions';
import { Finding, ManifestInput, RuleInfo } from './findings';
import { summaryLine } from './formats';
import { clusterOfPath, exceptableRuleIds, HELM_CHART_FILE, parseDocuments, verifyManifests, VerifyOptions, VerifyReport } from './verify';

/** The file cdk8s apps write to map resource names to construct paths (`CDK8S_RECORD_CONSTRUCT_METADATA=true`). */
export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

/** `properties:` of the plugin's entry in cdk8s.yaml. */
export interface AlpPolicyValidationProps {
  /**
   * The policy exceptions file, relative to the directory `cdk8s synth` runs in.
   * @default 'policy-exceptions.yaml' when it exists, else none
   */
  readonly exceptions?: string;
  /**
   * The day against which exceptions expire, YYYY-MM-DD (for tests).
   * @default - today (UTC)
   */
  readonly today?: string;
}

/**
 * Verifies every manifest of a `cdk8s synth` with the schemas and policy rules. The report fails
 * when an error-severity finding remains; warnings are listed but do not fail it.
 *
 * Each violating resource is named by its file relative to the output directory (with `#<n>` for
 * the n-th object of a multi-object file), which is also the key the app uses in
 * `construct-metadata.json`, so that cdk8s can show each one's construct path.
 */
export class AlpPolicyValidation implements Validation {
  private readonly exceptionsFile?: string;
  private readonly today?: string;

  constructor(props: AlpPolicyValidationProps = {}) {
    this.exceptionsFile = props.exceptions ?? (existsSync(DEFAULT_EXCEPTIONS_FILE) ? DEFAULT_EXCEPTIONS_FILE : undefined);
    this.today = props.today;
  }

  public async validate(context: ValidationContext): Promise<void> {
    const written = context.manifests.map((m) => ({ given: m, file: resolve(m) }));
    const root = outputRoot(written.map(({ file }) => file));
    // cdk8s hands over every YAML file of the output, the Helm charts' templates too (Go templates, not manifests).
    const chartFiles = new Set(written.map(({ file }) => file).filter((file) => inHelmChart(file, root)));
    const { manifests, resources } = readManifests(
      written.filter(({ file }) => !chartFiles.has(file)),
      root,
    );
    const report = verifyManifests(manifests, this.verifyOptions());
    for (const violation of violationsByRule(report, resources)) context.report.addViolation(violation);
    context.report.submit(report.counts.errors > 0 ? 'failure' : 'success', reportMetadata(report, chartFiles.size));
  }

  private verifyOptions(): VerifyOptions {
    const exceptions: PolicyException[] = this.exceptionsFile === undefined ? [] : readExceptions(this.exceptionsFile, exceptableRuleIds());
    return {
      exceptions,
      ...(this.exceptionsFile !== undefined ? { exceptionsFile: this.exceptionsFile } : {}),
      ...(this.today !== undefined ? { today: this.today } : {}),
    };
  }
}

/** How cdk8s names a violating resource: its file relative to the output directory, and the path it was given. */
interface ResourceName {
  readonly resourceName: string;
  readonly manifestPath: string;
}

/**
 * The objects of the written manifest files, each with its resource name (`<file>#<n>` for the
 * n-th object of a multi-object file).
 */
function readManifests(
  written: readonly { given: string; file: string }[],
  root: string,
): { manifests: ManifestInput[]; resources: Map<ManifestInput, ResourceName> } {
  const manifests: ManifestInput[] = [];
  const resources = new Map<ManifestInput, ResourceName>();
  for (const { given, file } of written) {
    const documents = parseDocuments(readFileSync(file, 'utf8'), given);
    const name = relative(root, file).split(sep).join('/');
    const cluster = clusterOfPath(file);
    documents.forEach(({ document, line }, n) => {
      const input: ManifestInput = { manifest: document, file: name, line, ...(cluster !== undefined ? { cluster } : {}) };
      manifests.push(input);
      resources.set(input, { resourceName: documents.length === 1 ? name : `${name}#${n + 1}`, manifestPath: given });
    });
  }
  return { manifests, resources };
}

/** One violation per rule with findings, in the report's order, naming each finding's resource. */
function violationsByRule(report: VerifyReport, resources: ReadonlyMap<ManifestInput, ResourceName>): ValidationViolation[] {
  // Where each finding's object is: its resource name and manifest path.
  const byLocation = new Map<string, ResourceName>();
  for (const [input, resource] of resources) byLocation.set(`${input.file}:${input.line}`, resource);
  const resourceOf = (f: Finding): ValidationViolatingResource => {
    const known = byLocation.get(`${f.file}:${f.line}`);
    return {
      resourceName: known?.resourceName ?? f.object,
      manifestPath: known?.manifestPath ?? f.file ?? '',
      locations: [f.message],
    };
  };

  const rules = new Map<string, RuleInfo>(report.rules.map((r) => [r.id, r]));
  const grouped = new Map<string, Finding[]>();
  for (const f of report.findings) {
    if (!grouped.has(f.ruleId)) grouped.set(f.ruleId, []);
    grouped.get(f.ruleId)!.push(f);
  }
  return [...grouped].map(([ruleId, findings]) => {
    const rule = rules.get(ruleId)!;
    return {
      ruleName: `${rule.severity === 'warning' ? '[warning] ' : ''}${rule.id}: ${rule.title}`,
      recommendation: `${rule.rationale} (${rule.source})`,
      fix: rule.fix,
      violatingResources: findings.map(resourceOf),
    };
  });
}

/** The report's metadata: the summary, the Helm chart files left unverified, the skipped rules and the exceptions. */
function reportMetadata(report: VerifyReport, chartFileCount: number): Record<string, string> {
  const metadata: Record<string, string> = { summary: summaryLine(report) };
  if (chartFileCount > 0) {
    metadata['not verified'] =
      `${chartFileCount} file(s) of Helm charts' sources; verify their rendered output (helm template … | alp verify -)`;
  }
  for (const s of report.skipped) metadata[`skipped ${s.ruleId}`] = s.reason;
  for (const { exception: e, status, matched } of report.exceptions) {
    metadata[`exception ${e.rule} ${e.object}`] = `${status} until ${e.expires}, ${matched} finding(s): ${e.reason}`;
  }
  return metadata;
}

/** Whether `file` belongs to a Helm chart's sources: a directory from its own up to `root` holds a Chart.yaml. */
function inHelmChart(file: string, root: string): boolean {
  for (let dir = dirname(file); dir.startsWith(root); dir = dirname(dir)) {
    if (existsSync(join(dir, HELM_CHART_FILE))) return true;
    if (dir === root || dirname(dir) === dir) return false;
  }
  return false;
}

/**
 * The output directory: the nearest directory above the manifests that holds the construct
 * metadata file, else the deepest directory common to all of them.
 */
function outputRoot(files: readonly string[]): string {
  if (files.length === 0) return process.cwd();
  let common = dirname(files[0]);
  for (const file of files) {
    while (file !== common && !file.startsWith(common.endsWith(sep) ? common : `${common}${sep}`)) common = dirname(common);
  }
  // Up to the working directory (where cdk8s.yaml is), or the file system's root.
  for (let dir = common; ; dir = dirname(dir)) {
    if (existsSync(join(dir, CONSTRUCT_METADATA_FILE))) return dir;
    if (dir === process.cwd() || dirname(dir) === dir) return common;
  }
}
