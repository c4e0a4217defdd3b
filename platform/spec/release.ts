import * as yaml from 'js-yaml';
import { z } from 'zod';

/**
 * The release state (`release.yaml`): which colour serves live traffic in each region, and
 * which image each colour runs for each service. It is the only file a release changes.
 */
const color = z.enum(['blue', 'green']);

const colorRelease = z.strictObject({
  /** Image reference per service name; must be pinned. */
  images: z.record(z.string(), z.string()),
});

export const releaseSchema = z.strictObject({
  regions: z.record(z.string(), z.strictObject({ activeColor: color })),
  colors: z.strictObject({ blue: colorRelease, green: colorRelease }),
});

export type ReleaseState = z.output<typeof releaseSchema>;

const RELEASE_HEADER = `# Release state: which colour serves live traffic in each region, and which image each
# colour runs. Changed by \`alp stage\` (standby colour only) and \`alp switch-traffic\`.
`;

/** The release state as written to release.yaml: a fixed header, then regions and colours. */
export function formatRelease(release: ReleaseState): string {
  return (
    RELEASE_HEADER + yaml.dump({ regions: release.regions, colors: release.colors }, { lineWidth: -1, noRefs: true, quotingType: '"' })
  );
}
