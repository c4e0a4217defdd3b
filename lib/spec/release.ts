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
