import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformSpec } from '../../charts';
import { SpecError } from '../../lib/core/problems';
import { PlatformModel, validatePlatform } from '../../platform';

export const REPO_ROOT = join(__dirname, '..', '..');

/** The manifest of the given kind and name; fails the test when there is not exactly one. */
export function findObject(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter((m) => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) {
    const have = manifests.map((m) => `${m.kind}/${m.metadata?.name}`).join(', ');
    throw new Error(`expected one ${kind}/${name}, found ${found.length} among: ${have}`);
  }
  return found[0];
}

/** The kinds present, each with its count, e.g. `{ Deployment: 1, Service: 1 }`. */
export function kindCounts(manifests: any[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of manifests) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  return counts;
}

/** The committed release.yaml, parsed. */
export function committedRelease(): any {
  return yaml.load(readFileSync(join(REPO_ROOT, 'release.yaml'), 'utf8'));
}

/** The platform's own spec and release, validated. */
export function platformModel(): PlatformModel {
  return validatePlatform(platformSpec, committedRelease());
}

/** A deep copy, for tests that break an input on purpose. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** The message of the error `fn` throws; fails when it does not throw. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e: any) {
    return e.message;
  }
  throw new Error('expected an error, but none was thrown');
}

/** The platform spec in the seed's topology: one cluster per colour in each region. */
export function clusterPerColorSpec(): any {
  const spec: any = clone(platformSpec);
  spec.topology = 'cluster-per-color';
  for (const region of spec.regions) {
    delete region.cluster;
    region.colorClusters = {
      blue: { name: `alp-${region.name}-blue`, server: `https://blue.${region.name}.k8s.alp.example.com` },
      green: { name: `alp-${region.name}-green`, server: `https://green.${region.name}.k8s.alp.example.com` },
    };
  }
  return spec;
}

/** The problems of a spec and release, one string each; fails when they are valid. */
export function problemsOf(spec: unknown, release: unknown = committedRelease()): string[] {
  try {
    validatePlatform(spec, release);
  } catch (e) {
    if (e instanceof SpecError) return e.problems;
    throw e;
  }
  throw new Error('expected the input to be invalid');
}

/**
 * The names of a spec's services as a problem lists them ("one of: …"): each once, sorted, comma
 * separated. Derived from the spec, so a test stays true when a service is added.
 */
export function serviceNameList(spec: { services: ReadonlyArray<{ name: string }> }): string {
  return [...new Set(spec.services.map((s) => s.name))].sort().join(', ');
}

/** The services of the seed platform, in the spec's order: the fixed input of the snapshot tests. */
const SEED_SERVICES = [
  'api-gateway',
  'user-service',
  'content-service',
  'learning-engine',
  'assessment-service',
  'analytics-service',
  'notification-service',
];

/**
 * The platform's spec and release restricted to the seed's services (and the calls among them):
 * a snapshot of the generated objects stays the seed's when a team adds a service the README's
 * way, and still changes with any change to what the generators make of those services.
 */
export function seedPlatformModel(): PlatformModel {
  const spec: any = clone(platformSpec);
  spec.services = spec.services.filter((s: any) => SEED_SERVICES.includes(s.name));
  for (const service of spec.services) {
    if (service.dependsOn?.services)
      service.dependsOn.services = service.dependsOn.services.filter((name: string) => SEED_SERVICES.includes(name));
  }
  const release = committedRelease();
  for (const color of Object.values<any>(release.colors)) {
    color.images = Object.fromEntries(Object.entries(color.images).filter(([name]) => SEED_SERVICES.includes(name)));
  }
  return validatePlatform(spec, release);
}
