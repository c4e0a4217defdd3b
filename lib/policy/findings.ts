/**
 * The vocabulary of `alp verify`: manifests in, findings out, and the rules in between.
 */
import { formatProblem } from '../core';

/** How much a broken rule matters: an `error` fails `alp verify` and synth; a `warning` is reported only. */
export type FindingSeverity = 'error' | 'warning';

/** One manifest to verify: the object as plain Kubernetes JSON, and where it was read from. */
export interface ManifestInput {
  /** The object, as in a YAML file of `dist/` (after `JSON.parse`/`yaml.load`). */
  readonly manifest: any;
  /**
   * The file the object is in, relative to the scanned root (`/`-separated), e.g.
   * `manifests/primary/blue/deployment-api.yaml`.
   * @default - unknown: findings carry no file
   */
  readonly file?: string;
  /**
   * The 1-based line where the object's YAML document starts in `file`.
   * @default 1
   */
  readonly line?: number;
  /**
   * The cluster the object is applied to. Relations between objects (selectors, bindings,
   * namespaces) are evaluated within one cluster only.
   * @default - one cluster for every object
   */
  readonly cluster?: string;
}

/** A broken rule, about one object. */
export interface Finding {
  /** The rule's id, e.g. `PSS-BASELINE-PRIVILEGED`. */
  readonly ruleId: string;
  readonly severity: FindingSeverity;
  /** The object: `<kind>/<namespace>/<name>`, or `<kind>/<name>` without a namespace. */
  readonly object: string;
  /**
   * The offending field, e.g. `spec.template.spec.containers[0].securityContext.privileged`.
   * @default - the object as a whole
   */
  readonly path?: string;
  /** @default - unknown */
  readonly file?: string;
  /** @default - unknown */
  readonly line?: number;
  /**
   * The whole sentence: object, field, bad value, rule and fix, e.g.
   * `Deployment/shop-blue/api: 'spec.template.spec.containers[0].securityContext.privileged' (true) must be false; remove it`.
   */
  readonly message: string;
}

/** What every rule says about itself: shown in reports, SARIF `tool.driver.rules` and the cdk8s plugin. */
export interface RuleInfo {
  /** Upper-case, dash-separated, prefixed by its area: `PSS-`, `WORKLOAD-`, `RBAC-`, `NET-`, `SECRET-`, `GITOPS-`, `BLUEGREEN-`, `COMPLETE-`, `SCHEMA`, `POLICY-`. */
  readonly id: string;
  readonly severity: FindingSeverity;
  /** A few words: what must hold, e.g. `Containers are not privileged`. */
  readonly title: string;
  /** One line: why the rule exists. */
  readonly rationale: string;
  /** Where the rule comes from, e.g. `Pod Security Standards (baseline): Privileged Containers`. */
  readonly source: string;
  /** What to do about a finding, in general; a finding's message may say more. */
  readonly fix: string;
  /** @default - no link */
  readonly helpUri?: string;
}

/** A rule that judges manifests. `check` reports through the context and must not keep state between runs. */
export interface PolicyRule extends RuleInfo {
  check(context: RuleContext): void;
}

/** What a rule's check is given: the objects (with indexes, see `PolicyContext`) and a way to report. */
export interface RuleContext {
  /** Reports that `object` breaks `rule`; see `violation` and `statement` for the message. */
  report(rule: RuleInfo, object: ManifestObject, message: FindingText): void;
  /** Says that the rule could not be checked, and why: listed in the report as skipped. */
  skip(rule: RuleInfo, reason: string): void;
}

/** One object of the input, with what every rule needs to know about it. */
export interface ManifestObject {
  readonly manifest: any;
  /** `<kind>/<namespace>/<name>`, or `<kind>/<name>`. */
  readonly label: string;
  readonly kind: string;
  /** API group: `''` for the core group, `apps`, … */
  readonly group: string;
  /** `metadata.namespace`, or `''` when the manifest names none. */
  readonly namespace: string;
  readonly name: string;
  /** The cluster, `''` when the input names none (then all objects share one). */
  readonly cluster: string;
  /** @default - unknown */
  readonly file?: string;
  /** @default - unknown */
  readonly line?: number;
}

/** The text of a finding: a field-level violation or a statement about the whole object. */
export type FindingText =
  | { readonly path: string; readonly value: unknown; readonly rule: string; readonly fix?: string }
  | { readonly path?: string; readonly text: string };

/** `'<path>' (<value>) <rule>; <fix>`: a field has a bad value. `rule` completes the sentence, e.g. `must be false`. */
export function violation(path: string, value: unknown, rule: string, fix?: string): FindingText {
  return { path, value, rule, fix };
}

/** A sentence about the object (or about `path` in it), e.g. `has no PodDisruptionBudget; add one`. */
export function statement(text: string, path?: string): FindingText {
  return { path, text };
}

/** The finding `object` breaking `rule` yields, with its full message. */
export function makeFinding(rule: RuleInfo, object: ManifestObject, text: FindingText): Finding {
  const body = 'text' in text ? text.text : formatProblem({ prop: text.path, value: text.value, rule: text.rule, fix: text.fix });
  return {
    ruleId: rule.id,
    severity: rule.severity,
    object: object.label,
    ...(text.path !== undefined ? { path: text.path } : {}),
    ...(object.file !== undefined ? { file: object.file } : {}),
    ...(object.line !== undefined ? { line: object.line } : {}),
    message: `${object.label}: ${body}`,
  };
}

/** `<kind>/<namespace>/<name>`, leaving out what the manifest does not have (as `validateSchema` does). */
export function objectLabel(manifest: any): string {
  let label = '';
  for (const part of [manifest?.kind, manifest?.metadata?.namespace, manifest?.metadata?.name]) {
    if (typeof part === 'string' && part !== '') label = label === '' ? part : `${label}/${part}`;
  }
  return label || '(unnamed object)';
}

/** Findings in report order: errors first, then by rule, object, file and field. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1)
    || compare(a.ruleId, b.ruleId)
    || compare(a.object, b.object)
    || compare(a.file ?? '', b.file ?? '')
    || compare(a.path ?? '', b.path ?? '')
    || compare(a.message, b.message)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
