/**
 * Fixtures for the policy tests: the compliant `shop` app (compliant/shop.yaml) and helpers to
 * verify a set of manifests and read the findings of one rule.
 */
import { join } from 'node:path';
import { Finding } from '../../../lib/policy/findings';
import { readManifests, verifyManifests, VerifyOptions, VerifyReport } from '../../../lib/policy/verify';

/** The directory of the corpus: `compliant/` and `bad/`. */
export const CORPUS_DIR = __dirname;

/** The date the tests verify on. */
export const TODAY = '2026-03-01';

/** A fresh copy of a corpus file's manifests, as plain objects to change; `path` under CORPUS_DIR. */
function corpusManifests(...path: string[]): any[] {
  return readManifests(join(CORPUS_DIR, ...path)).manifests.map((m) => JSON.parse(JSON.stringify(m.manifest)));
}

/** A fresh copy of the compliant shop app's manifests (14 objects that break no rule). */
export function compliantShop(): any[] {
  return corpusManifests('compliant', 'shop.yaml');
}

/** A fresh copy of the manifests of `bad/<file>`, to change. */
export function badManifests(file: string): any[] {
  return corpusManifests('bad', file);
}

/** The one object of a kind and name; fails the test otherwise. */
export function object(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter((m) => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0];
}

/** The `api` Deployment's pod spec and first container, to break. */
export function apiPod(manifests: any[]): { deployment: any; pod: any; container: any } {
  const deployment = object(manifests, 'Deployment', 'api');
  return { deployment, pod: deployment.spec.template.spec, container: deployment.spec.template.spec.containers[0] };
}

/** Verifies plain manifests (no files) on `TODAY`. */
export function verify(manifests: any[], options: VerifyOptions = {}): VerifyReport {
  return verifyManifests(
    manifests.map((manifest) => ({ manifest })),
    { today: TODAY, ...options },
  );
}

/** The messages of one rule's findings, in report order. */
export function messagesOf(report: VerifyReport | readonly Finding[], ruleId: string): string[] {
  const findings = Array.isArray(report) ? report : (report as VerifyReport).findings;
  return findings.filter((f: Finding) => f.ruleId === ruleId).map((f: Finding) => f.message);
}

/** The manifests as one colour of a blue/green pair: namespace `<ns>-<colour>`, the colour label, the api Deployment's image and version label. */
export function colored(m: any[], color: 'blue' | 'green', image: string): any[] {
  const out = JSON.parse(JSON.stringify(m).replace(/"shop"/g, `"shop-${color}"`)).filter(
    (o: any) => o.kind !== 'Namespace' && o.kind !== 'PriorityClass',
  );
  for (const o of out) o.metadata.labels = { ...o.metadata.labels, 'alp-deploy.io/color': color };
  const { deployment, container } = apiPod(out);
  deployment.metadata.labels['app.kubernetes.io/version'] = image.split(':')[1].split('@')[0];
  container.image = image;
  return out;
}
