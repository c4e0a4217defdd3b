import { parseArgs } from 'node:util';
import { AlpError, Color, COLORS, describeValue, otherColor } from '../../lib/core';
import { replaceTree } from '../../lib/output/write';
import { colorEntries, formatRelease, PlatformSpec, readDataFile, readReleaseFile, validateSpec } from '../spec';
import { PlatformAppDefinition } from './platform-app';
import {
  checkPrometheusRegions,
  headOf,
  imageProblems,
  RemoteAddresses,
  remoteAddresses,
  RemoteFindings,
  remoteProblems,
  SwitchPlan,
} from './preswitch-checks';
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
    const regions = targetRegions(release, values.region, 'stage');
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

/** How switch-traffic and rollback read git (the check of the images at HEAD), for the messages of its failures. */
const SWITCH_GIT = { command: 'alp switch-traffic', needs: 'the check of the images at HEAD' };
const ROLLBACK_GIT = { command: 'alp rollback', needs: 'the check of the images at HEAD' };

/**
 * `alp switch-traffic --to <c> [--region <r>] [--argocd <url>] [--prometheus [<region>=]<url>]
 * [--skip-image-check]`: makes a colour live after the pre-switch checks (see
 * preswitch-checks.ts: the colour's images are those committed at HEAD; with the addresses, its
 * Argo CD Applications are Synced and Healthy and its SLO signals good) and the safety checks of
 * every synth (pinned images, parity, verification). Refuses otherwise, listing every problem
 * and changing no file. The remote checks run before the repository's lock is taken (they wait
 * on the network); the transaction refuses when what moves has changed since.
 */
export function switchTrafficCommand(args: string[], definition: PlatformAppDefinition, progress?: Progress): number {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      to: { type: 'string' },
      region: { type: 'string' },
      argocd: { type: 'string' },
      prometheus: { type: 'string', multiple: true },
      'skip-image-check': { type: 'boolean' },
    },
    strict: true,
  });
  const color = parseColor(values.to, 'switch-traffic', 'to');
  const paths = { outdir: values.outdir ?? 'dist', writesRelease: values.release ?? 'release.yaml' };
  const planOf = (release: UncheckedRelease): SwitchPlan => ({
    command: 'switch-traffic',
    color,
    regions: targetRegions(release, values.region, 'switch-traffic').filter((region) => release.regions[region].activeColor !== color),
  });
  const spec = () =>
    validateSpec(values.spec ? readDataFile(values.spec) : definition.defaultSpec, values.spec ?? definition.defaultSpecSource);
  const addresses = remoteAddresses('switch-traffic', values);
  const checked = remoteChecksFirst(values.release, addresses, planOf, spec, paths.outdir);

  return inTransaction('alp switch-traffic', paths, () => {
    const { releaseFile, release } = readRelease(values.release);
    const plan = planOf(release);
    if (plan.regions.length === 0) {
      const targets = targetRegions(release, values.region, 'switch-traffic');
      process.stdout.write(`switch-traffic: ${color} already serves ${targets.join(', ')}; nothing changed\n`);
      return 0;
    }
    if (checked !== undefined && JSON.stringify(regionImages(release, plan)) !== checked.images)
      throw new AlpError(
        `alp switch-traffic: refused: ${releaseFile} changed while the remote checks ran; nothing changed; run the command again`,
      );
    const findings = checked?.findings ?? remoteProblems(spec(), plan, addresses, undefined);
    refuseOnProblems(findings, plan, { release, releaseFile, outdir: paths.outdir, skipImageCheck: values['skip-image-check'] === true });
    return moveTraffic(
      definition,
      { command: 'alp switch-traffic', releaseFile, release, specFile: values.spec, outdir: paths.outdir, progress },
      plan,
      `${color} now serves ${plan.regions.join(', ')}`,
    );
  });
}

/** What the remote checks found before the lock was taken, and on which images. */
interface EarlyChecks {
  /** The plan's regions, colour and images, as JSON: the transaction compares them. */
  readonly images: string;
  readonly findings: RemoteFindings;
}

/**
 * The remote checks, run before the repository's lock is taken (they wait on the network), on
 * release.yaml as it is then; none without an address (release.yaml may be mid-transaction
 * outside the lock: the transaction recovers it first, then compares).
 */
function remoteChecksFirst(
  releaseOption: string | undefined,
  addresses: RemoteAddresses,
  planOf: (release: UncheckedRelease) => SwitchPlan,
  spec: () => PlatformSpec,
  outdir: string,
): EarlyChecks | undefined {
  if (addresses.argocd === undefined && Object.keys(addresses.prometheus).length === 0) return undefined;
  const { release } = readRelease(releaseOption);
  checkPrometheusRegions('switch-traffic', addresses, Object.keys(release.regions ?? {}));
  const plan = planOf(release);
  const findings =
    plan.regions.length === 0 ? { problems: [], skipped: [] } : remoteProblems(spec(), plan, addresses, headOf(SWITCH_GIT, outdir));
  return { images: JSON.stringify(regionImages(release, plan)), findings };
}

/**
 * Prints the checks that were skipped (stderr), then throws every pre-switch problem at once:
 * the remote checks' and, unless skipped, the images at HEAD.
 */
function refuseOnProblems(
  findings: RemoteFindings,
  plan: SwitchPlan,
  state: { release: UncheckedRelease; releaseFile: string; outdir: string; skipImageCheck: boolean },
): void {
  const skipped = [...findings.skipped];
  let problems = findings.problems;
  if (state.skipImageCheck)
    skipped.push(`switch-traffic: skipped: images at HEAD of ${plan.color} in ${plan.regions.join(', ')} (--skip-image-check)`);
  else {
    const images = (region: string) => colorImages(state.release, region, plan.color);
    const files = {
      outdir: state.outdir,
      release: state.releaseFile,
      current: state.release,
      config: (release: unknown, region: string) => colorEntries(release, region, plan.color, 'config'),
    };
    problems = [...imageProblems(SWITCH_GIT, plan, images, files), ...problems];
  }
  process.stderr.write(skipped.map((line) => `${line}\n`).join(''));
  if (problems.length > 0) {
    throw new AlpError(
      `alp switch-traffic: refused: ${problems.length} problem(s) with ${plan.color} in ${plan.regions.join(', ')}; nothing changed`,
      problems,
    );
  }
}

/**
 * `alp rollback [--region <r>] [--expect-live <c>]`: moves traffic back to the other colour, in
 * one region or (without --region) in every region, which must all serve the same colour. Only
 * the routes change: the same synthesis and transaction as a switch. With --expect-live it
 * refuses unless the region(s) serve that colour, so that a repeated alert never flips traffic
 * back again. It runs no offline pre-switch check that could block it: the colour it returns to
 * served live traffic before; images that differ from HEAD's are reported as warnings. (In the
 * cluster, the edge Application's gate still analyses that colour before the routes move.)
 */
export function rollbackCommand(args: string[], definition: PlatformAppDefinition, progress?: Progress): number {
  const { values } = parseArgs({
    args,
    options: { ...COMMON_OPTIONS, region: { type: 'string' }, 'expect-live': { type: 'string' } },
    strict: true,
  });
  const expected = values['expect-live'] === undefined ? undefined : parseColor(values['expect-live'], 'rollback', 'expect-live');
  const paths = { outdir: values.outdir ?? 'dist', writesRelease: values.release ?? 'release.yaml' };
  return inTransaction('alp rollback', paths, () => {
    const { releaseFile, release } = readRelease(values.release);
    const targets = targetRegions(release, values.region, 'rollback');
    const live = targets.map((region) => ({ region, color: liveColor(releaseFile, release, region) }));
    const unexpected = live.filter((l) => expected !== undefined && l.color !== expected).map((l) => l.region);
    if (unexpected.length > 0) {
      throw new AlpError(
        `alp rollback: refused: ${otherColor(expected!)} serves ${unexpected.join(', ')}, not ${expected} (--expect-live ${expected}); traffic was moved already; nothing changed`,
      );
    }
    const colors = [...new Set(live.map((l) => l.color))];
    if (colors.length > 1) {
      throw new AlpError(
        `alp rollback: refused: the regions serve different colours (${live.map((l) => `${l.region}: ${l.color}`).join(', ')}); name the one to roll back with --region`,
      );
    }
    const from = colors[0];
    const plan: SwitchPlan = { command: 'rollback', color: otherColor(from), regions: targets };
    const warnings =
      headOf(ROLLBACK_GIT, paths.outdir) === undefined
        ? []
        : imageProblems(ROLLBACK_GIT, plan, (r) => colorImages(release, r, plan.color), { outdir: paths.outdir, release: releaseFile });
    process.stderr.write(warnings.map((line) => `rollback: warning: ${line}\n`).join(''));
    return moveTraffic(
      definition,
      { command: 'alp rollback', releaseFile, release, specFile: values.spec, outdir: paths.outdir, progress },
      plan,
      `${plan.color} serves ${targets.join(', ')} again (rolled back from ${from})`,
    );
  });
}

/** The regions a command acts on: `--region`'s (which must exist) or every region. */
function targetRegions(release: UncheckedRelease, region: string | undefined, command: string): string[] {
  const regions = Object.keys(release.regions ?? {});
  if (region !== undefined && !regions.includes(region)) {
    throw new UsageError(`alp ${command}: '--region' (${JSON.stringify(region)}) must be one of ${regions.join(', ')}`);
  }
  return region === undefined ? regions : [region];
}

/** The colour that serves a region, as release.yaml says; an AlpError when it names none. */
function liveColor(releaseFile: string, release: UncheckedRelease, region: string): Color {
  const color = release.regions[region]?.activeColor;
  if (!COLORS.includes(color as Color))
    throw new AlpError(`${releaseFile}: 'regions.${region}.activeColor' (${describeValue(color)}) must be one of ${COLORS.join(', ')}`);
  return color as Color;
}

/** The images release.yaml (as read, not validated) gives a colour in a region. */
const colorImages = (release: UncheckedRelease, region: string, color: Color) =>
  colorEntries(release, region, color, 'images') as Record<string, string>;

/** What the plan moves: for each region, the colour and the images it will serve. */
function regionImages(release: UncheckedRelease, plan: SwitchPlan) {
  return plan.regions.map((region) => ({ region, color: plan.color, images: colorImages(release, region, plan.color) }));
}

/** Makes the plan's colour live in its regions: changes release.yaml, then `apply`. */
function moveTraffic(definition: PlatformAppDefinition, options: ApplyOptions, plan: SwitchPlan, summary: string): number {
  for (const region of plan.regions) options.release.regions[region] = { ...options.release.regions[region], activeColor: plan.color };
  // Synthesis refuses, changing nothing, unless every service has a pinned image in the new
  // colour and the output verifies, blue/green parity included.
  return apply(definition, options, summary);
}

interface ApplyOptions {
  /** The command, for the journal: `alp stage`, `alp switch-traffic`, `alp rollback`. */
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
