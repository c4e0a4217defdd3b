import { parseArgs } from 'node:util';
import { AlpError, Color, COLORS, otherColor } from '../../lib/core';
import { replaceTree } from '../../lib/output/write';
import { formatRelease, readReleaseFile } from '../spec';
import { PlatformAppDefinition } from './platform-app';
import { UsageError } from './failure';
import { Progress } from './progress';
import { inTransaction } from './repository';
import { synthesize } from './synth';
import { parseSet, parseUnset, stageEdits } from './stage-edits';

const COMMON_OPTIONS = {
  release: { type: 'string' },
  outdir: { type: 'string' },
  spec: { type: 'string' },
} as const;

/**
 * `alp stage --color <c> [--region <r>] [--image <service>=<ref> …] [--set <service>.<field>=<value> …]
 * [--unset <service>[.<field>] …]`: puts new images and configuration on the standby colour, in
 * every region or in one. Refuses a colour that serves live traffic in a region it changes.
 * Writes release.yaml and dist/ only when the new state validates and synthesizes.
 */
export function stageCommand(args: string[], definition: PlatformAppDefinition, progress?: Progress): number {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      color: { type: 'string' },
      region: { type: 'string' },
      image: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      unset: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const color = parseColor(values.color, 'stage');
  const images = (values.image ?? []).map(parseImageAssignment);
  const edits = [...(values.set ?? []).map(parseSet), ...(values.unset ?? []).map(parseUnset)];
  if (images.length === 0 && edits.length === 0)
    throw new UsageError("alp stage: '--image', '--set' or '--unset' (missing) must be given at least once: what to stage");
  const paths = { outdir: values.outdir ?? 'dist', writesRelease: values.release ?? 'release.yaml' };
  return inTransaction('alp stage', paths, () => {
    const { releaseFile, release } = readRelease(values.release);
    const regions = targetRegions('stage', release, values.region);
    const live = regions.filter((name) => release.regions[name]?.activeColor === color);
    if (live.length > 0) {
      throw new AlpError(
        `alp stage: refused: ${color} serves live traffic in ${live.join(', ')}; stage on the standby colour (${otherColor(color)}) and switch to it`,
      );
    }
    stageEdits(release, color, values.region, images, edits);
    const what = [images.length > 0 ? `${images.length} image(s)` : '', edits.length > 0 ? `${edits.length} configuration change(s)` : '']
      .filter(Boolean)
      .join(' and ');
    return apply(
      definition,
      { command: 'alp stage', releaseFile, release, specFile: values.spec, outdir: paths.outdir, progress },
      `staged ${what} on ${color}${values.region === undefined ? '' : ` in ${values.region}`}`,
    );
  });
}

/** The regions a command acts on: `--region`'s (which must be one of release.yaml's), else all. */
function targetRegions(command: string, release: UncheckedRelease, region: string | undefined): string[] {
  const regions = Object.keys(release.regions ?? {});
  if (region !== undefined && !regions.includes(region)) {
    throw new UsageError(`alp ${command}: '--region' (${JSON.stringify(region)}) must be one of ${regions.join(', ')}`);
  }
  return region === undefined ? regions : [region];
}

/**
 * `alp switch-traffic --to <c> [--region <r>]`: makes a colour live after the safety checks
 * (every service has a pinned image in it, both colours have the same services and
 * configuration apart from images, and the synthesized output verifies). Refuses otherwise,
 * changing no file. The checks are those of every synth: validation and verification.
 */
export function switchTrafficCommand(args: string[], definition: PlatformAppDefinition, progress?: Progress): number {
  const { values } = parseArgs({ args, options: { ...COMMON_OPTIONS, to: { type: 'string' }, region: { type: 'string' } }, strict: true });
  const color = parseColor(values.to, 'switch-traffic', 'to');
  const paths = { outdir: values.outdir ?? 'dist', writesRelease: values.release ?? 'release.yaml' };
  return inTransaction('alp switch-traffic', paths, () => {
    const { releaseFile, release } = readRelease(values.release);
    const targets = targetRegions('switch-traffic', release, values.region);
    const moving = targets.filter((region) => release.regions[region].activeColor !== color);
    if (moving.length === 0) {
      process.stdout.write(`switch-traffic: ${color} already serves ${targets.join(', ')}; nothing changed\n`);
      return 0;
    }
    for (const region of moving) release.regions[region] = { ...release.regions[region], activeColor: color };

    // Synthesis refuses, changing nothing, unless every service has a pinned image in the new
    // colour and the output verifies, blue/green parity included.
    return apply(
      definition,
      { command: 'alp switch-traffic', releaseFile, release, specFile: values.spec, outdir: paths.outdir, progress },
      `${color} now serves ${moving.join(', ')}`,
    );
  });
}

interface ApplyOptions {
  /** The command, for the journal: `alp stage`, `alp switch-traffic`. */
  readonly command: string;
  readonly releaseFile: string;
  readonly release: UncheckedRelease;
  readonly specFile?: string;
  readonly outdir: string;
  readonly progress?: Progress;
}

/**
 * Synthesizes the changed release in memory (validated and verified), then writes release.yaml
 * and dist/ in one transaction (both or neither) and lists what changed.
 */
function apply(definition: PlatformAppDefinition, options: ApplyOptions, summary: string): number {
  const outdir = options.outdir;
  const synthesis = synthesize(definition, {
    releaseFile: options.releaseFile,
    release: options.release,
    specFile: options.specFile,
    progress: options.progress,
  });
  options.progress?.(`writing ${synthesis.files.size} files`);
  const alongside = [{ path: options.releaseFile, content: formatRelease(synthesis.model.release) }];
  const { changed } = replaceTree(outdir, synthesis.files, { alongside, operation: options.command });
  options.progress?.('');
  process.stdout.write(
    `${summary}; changed ${options.releaseFile} and ${changed.length} file(s) in ${outdir}/:\n${changed.map((p) => `  ${p}\n`).join('')}`,
  );
  return 0;
}

/**
 * release.yaml as the commands change it, before the synthesis validates it: readRelease checks
 * only that `regions` and `colors` are objects, so their entries are the file's as written.
 */
interface UncheckedRelease {
  readonly regions: Record<string, { activeColor?: unknown; [field: string]: unknown }>;
  readonly colors: Record<string, { images?: Record<string, string>; [field: string]: unknown }>;
}

function readRelease(file: string | undefined): { releaseFile: string; release: UncheckedRelease } {
  const releaseFile = file ?? 'release.yaml';
  const release = readReleaseFile(releaseFile);
  if (
    typeof release !== 'object'
    || release === null
    || !('colors' in release)
    || typeof release.colors !== 'object'
    || !('regions' in release)
    || typeof release.regions !== 'object'
  ) {
    throw new AlpError(`${releaseFile}: must hold 'regions' and 'colors'; see README.md`);
  }
  return { releaseFile, release: release as UncheckedRelease };
}

function parseColor(value: string | undefined, command: string, option = 'color'): Color {
  if (!COLORS.includes(value as Color)) {
    throw new UsageError(
      `alp ${command}: '--${option}' (${value === undefined ? 'missing' : JSON.stringify(value)}) must be one of ${COLORS.join(', ')}`,
    );
  }
  return value as Color;
}

function parseImageAssignment(value: string): { service: string; reference: string } {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) {
    throw new UsageError(`alp stage: '--image' (${JSON.stringify(value)}) must have the form <service>=<image reference>`);
  }
  return { service: value.slice(0, at), reference: value.slice(at + 1) };
}
