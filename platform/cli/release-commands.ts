import { parseArgs } from 'node:util';
import { AlpError, Color, COLORS, otherColor } from '../../lib/core';
import { replaceTree } from '../../lib/output/write';
import { formatRelease, readReleaseFile } from '../spec';
import { PlatformAppDefinition } from './platform-app';
import { UsageError } from './failure';
import { Progress } from './progress';
import { inTransaction } from './repository';
import { synthesize } from './synth';

const COMMON_OPTIONS = {
  release: { type: 'string' },
  outdir: { type: 'string' },
  spec: { type: 'string' },
} as const;

/**
 * `alp stage --color <c> --image <service>=<ref> …`: puts new images on the standby colour.
 * Refuses a colour that serves live traffic in any region. Writes release.yaml and dist/ only
 * when the new state validates and synthesizes.
 */
export function stageCommand(args: string[], definition: PlatformAppDefinition, progress?: Progress): number {
  const { values } = parseArgs({
    args,
    options: { ...COMMON_OPTIONS, color: { type: 'string' }, image: { type: 'string', multiple: true } },
    strict: true,
  });
  const color = parseColor(values.color, 'stage');
  const images = (values.image ?? []).map(parseImageAssignment);
  if (images.length === 0)
    throw new UsageError("alp stage: '--image' (missing) must be given at least once, as <service>=<image reference>");
  const paths = { outdir: values.outdir ?? 'dist', writesRelease: values.release ?? 'release.yaml' };
  return inTransaction('alp stage', paths, () => {
    const { releaseFile, release } = readRelease(values.release);

    const live = Object.entries(release.regions ?? {})
      .filter(([, r]) => r?.activeColor === color)
      .map(([name]) => name);
    if (live.length > 0) {
      throw new AlpError(
        `alp stage: refused: ${color} serves live traffic in ${live.join(', ')}; stage on the standby colour (${otherColor(color)}) and switch to it`,
      );
    }
    const staged = release.colors[color];
    staged.images = { ...staged.images };
    for (const { service, reference } of images) staged.images[service] = reference;

    return apply(
      definition,
      { command: 'alp stage', releaseFile, release, specFile: values.spec, outdir: paths.outdir, progress },
      `staged ${images.length} image(s) on ${color}`,
    );
  });
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
    const regions = Object.keys(release.regions ?? {});
    if (values.region !== undefined && !regions.includes(values.region)) {
      throw new UsageError(`alp switch-traffic: '--region' (${JSON.stringify(values.region)}) must be one of ${regions.join(', ')}`);
    }
    const targets = values.region === undefined ? regions : [values.region];
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
  readonly regions: Record<string, { readonly activeColor?: unknown }>;
  readonly colors: Record<string, { images?: Record<string, string> }>;
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
