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
