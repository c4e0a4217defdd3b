import * as yaml from 'js-yaml';
import { z } from 'zod';
import { cpu, envName, featureFlagName, memory, replicaCount, vaultKvPath } from './schema';

/**
 * The release state (`release.yaml`): which colour serves live traffic in each region, and what
 * each colour runs: an image per service, and the configuration it stages beyond the spec's
 * (environment, feature flags, resources, replica bounds, secrets' Vault paths). It is the only
 * file a release changes.
 */
const color = z.enum(['blue', 'green']);

/**
 * Configuration one colour runs a service with, over the spec's: what a release stages next to
 * its images. Each field replaces the spec's value of the same name (`env` and `featureFlags`
 * per variable and flag, `resources` per amount).
 */
export const serviceConfigSchema = z.strictObject({
  /** Environment variables added or changed. */
  env: z.record(envName, z.string()).optional(),
  /** Values of the spec's feature flags. */
  featureFlags: z.record(featureFlagName, z.boolean()).optional(),
  /** Requests and limits, per amount. */
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
      limits: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
    })
    .optional(),
  /** Autoscaling bounds, for a service that autoscales. */
  autoscaling: z.strictObject({ minReplicas: replicaCount.optional(), maxReplicas: replicaCount.optional() }).optional(),
  /** The replica count, for a service with a fixed one. */
  replicas: replicaCount.optional(),
  /** The Vault path of a secret of the spec, by the secret's name. */
  secrets: z.record(z.string(), z.strictObject({ vaultKey: vaultKvPath })).optional(),
});

const colorRelease = z.strictObject({
  /** Image reference per service name; must be pinned. */
  images: z.record(z.string(), z.string()),
  /** Staged configuration per service name. @default - none: the spec's */
  config: z.record(z.string(), serviceConfigSchema).optional(),
});

/** What one region's colour runs where it differs from `colors` (a stage limited to the region). */
const regionColorRelease = z.strictObject({
  /** Image per service, replacing the colour's. @default - the colour's */
  images: z.record(z.string(), z.string()).optional(),
  /** Configuration per service, replacing the colour's entry for that service. @default - the colour's */
  config: z.record(z.string(), serviceConfigSchema).optional(),
});

export const releaseSchema = z.strictObject({
  regions: z.record(
    z.string(),
    z.strictObject({
      activeColor: color,
      /** Per-colour state of this region only. @default - the colours' */
      colors: z.strictObject({ blue: regionColorRelease.optional(), green: regionColorRelease.optional() }).optional(),
    }),
  ),
  colors: z.strictObject({ blue: colorRelease, green: colorRelease }),
});

export type ReleaseState = z.output<typeof releaseSchema>;
export type ServiceConfig = z.output<typeof serviceConfigSchema>;

/** What a colour runs in one region: its images and its staged configuration, by service. */
export interface ColorState {
  readonly images: Readonly<Record<string, string>>;
  readonly config: Readonly<Record<string, ServiceConfig>>;
}

/**
 * One field (`images` or `config`) of what `color` runs in `region`: the colour's entries with
 * the region's own over them. Reads a validated release and release.yaml as parsed alike (the
 * commands read it before the synthesis validates it); what is not an object counts as none.
 */
export function colorEntries(release: unknown, region: string, color: string, field: 'images' | 'config'): Record<string, unknown> {
  const at = (...path: string[]) =>
    path.reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
      release,
    );
  const entries = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});
  return { ...entries(at('colors', color, field)), ...entries(at('regions', region, 'colors', color, field)) };
}

/** The images and configuration of `color` in `region` (see `colorEntries`). */
export function colorState(release: ReleaseState, region: string, color: 'blue' | 'green'): ColorState {
  return {
    images: colorEntries(release, region, color, 'images') as Record<string, string>,
    config: colorEntries(release, region, color, 'config') as Record<string, ServiceConfig>,
  };
}

const RELEASE_HEADER = `# Release state: which colour serves live traffic in each region, and what each colour runs
# (images, and configuration staged beyond the spec's). Changed by \`alp stage\` (standby colour
# only), \`alp switch-traffic\` and \`alp rollback\`.
`;

/** The release state as written to release.yaml: a fixed header, then regions and colours. */
export function formatRelease(release: ReleaseState): string {
  return (
    RELEASE_HEADER + yaml.dump({ regions: release.regions, colors: release.colors }, { lineWidth: -1, noRefs: true, quotingType: '"' })
  );
}
