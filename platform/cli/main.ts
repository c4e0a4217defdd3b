import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTree } from '../../lib/output/write';
import { DIFF_EXIT, DIFF_USAGE, diffCommand } from './diff-command';
import { exitCodeOf, formatFailure, UsageError } from './failure';
import { PlatformAppDefinition } from './platform-app';
import { Progress, progressReporter } from './progress';
import { rollbackCommand, stageCommand, switchTrafficCommand } from './release-commands';
import { synthToDirectory } from './synth';
import { VERIFY_USAGE, verifyCommand } from './verify-command';

const USAGE = `usage: alp <command> [options]

commands:
  synth   validate the spec and release state, then write dist/
          --spec <file>      YAML/JSON platform spec (default: the app's own spec)
          --release <file>   release state (default: release.yaml)
          --outdir <dir>     output directory (default: dist; under 'cdk8s synth' a copy also
                             goes to $CDK8S_OUTDIR for its validation plugins)
${VERIFY_USAGE}  stage   put new images and configuration on the standby colour, then synth
          --color <c>        the standby colour (blue or green); the live one is refused
          --image <s>=<ref>  a service's new image (repeat for more)
          --set <s>.<field>=<value>
                             stage a configuration value (repeat for more): env.<NAME>,
                             featureFlags.<flag>, resources.{requests,limits}.{cpu,memory},
                             autoscaling.{minReplicas,maxReplicas}, replicas, secrets.<name>.vaultKey
          --unset <s>[.<field>]
                             drop a staged value (or all of a service's)
          --region <r>       only this region (default: every region)
  switch-traffic
          make a colour live after safety checks (pinned images, parity, verification), then synth;
          first checks that the colour's images in release.yaml are those its Deployments run in
          the output directory as committed at HEAD (what Argo CD syncs), and, given an address,
          that its Argo CD Applications are Synced and Healthy at HEAD's manifests and its SLO
          signals (5xx ratio, p99 latency per colour) are within each service's SLO. Lists the
          checks it skipped; refuses on any problem, listing them all, changing no file
          --to <c>           the colour to make live
          --region <r>       only this region (default: every region)
          --argocd <url>     Argo CD's API server (default: $ARGOCD_SERVER; a bare host means
                             https); token from $ARGOCD_AUTH_TOKEN
          --prometheus [<region>=]<url>
                             the Prometheus of a region, or of every region (repeat per region;
                             default: $PROMETHEUS_URL); each request waits up to 10 s
                             ($ALP_REMOTE_TIMEOUT_MS)
          --skip-image-check switch without the check of the images at HEAD (outside a git
                             repository, or on purpose: it is listed as skipped)
  rollback
          move traffic back to the other colour: only the routes and release.yaml change. No
          pre-switch check blocks it (the colour served live traffic before); images that are
          not those committed at HEAD are printed as warnings
          --region <r>       only this region (default: every region; they must serve the
                             same colour)
          --expect-live <c>  refuse unless <c> serves the region(s): for automation, so that a
                             repeated alert never switches traffic back again
${DIFF_USAGE}
  stage, switch-traffic and rollback also take --release, --outdir and --spec, and print what
  changed.
`;

/**
 * Runs the `alp` command line and returns its exit code. User errors (bad input, invalid
 * props) print their message without a stack trace and return 1 (2 for `diff`, whose 1 means
 * "different"). On a terminal, long commands show their phase on stderr (see progress.ts).
 */
export function run(argv: string[], definition: PlatformAppDefinition): number {
  const [command, ...rest] = argv;
  const progress = progressReporter(command ?? 'alp');
  try {
    switch (command) {
      case 'synth':
        return synthCommand(rest, definition, progress.update);
      case 'stage':
        return stageCommand(rest, definition, progress.update);
      case 'switch-traffic':
        return switchTrafficCommand(rest, definition, progress.update);
      case 'rollback':
        return rollbackCommand(rest, definition, progress.update);
      case 'verify':
        return verifyCommand(rest, progress.update);
      case 'diff':
        return diffCommand(rest, definition, progress.update);
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'; run 'alp help' for the list`);
    }
  } catch (error) {
    progress.done();
    process.stderr.write(formatFailure(error, command));
    if (process.env.ALP_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    // Under `cdk8s synth` (which sets CDK8S_OUTDIR), a non-zero exit makes the cdk8s CLI print a
    // stack trace of its own; exiting 0 without creating its output folder makes it print one
    // line ("synthesis failed") and exit 1 itself.
    if (command === 'synth' && process.env.CDK8S_OUTDIR !== undefined) return 0;
    return command === 'diff' ? DIFF_EXIT.trouble : exitCodeOf(error);
  } finally {
    progress.done();
  }
}

function synthCommand(args: string[], definition: PlatformAppDefinition, progress: Progress): number {
  const { values } = parseArgs({
    args,
    options: { spec: { type: 'string' }, release: { type: 'string' }, outdir: { type: 'string' } },
    strict: true,
  });
  const outdir = values.outdir ?? 'dist';
  const started = process.hrtime.bigint();
  const output = synthToDirectory(definition, outdir, { specFile: values.spec, releaseFile: values.release, progress });
  // Run by `cdk8s synth`, which empties its output folder before it runs the app: that folder is
  // a scratch copy (cdk8s.yaml's `output`) for the CLI's validation plugins, never dist/ itself.
  const cdk8sOutdir = process.env.CDK8S_OUTDIR;
  if (cdk8sOutdir !== undefined && resolve(cdk8sOutdir) !== resolve(outdir)) writeTree(cdk8sOutdir, output.files);
  progress('');
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const what = `${output.files.size} files (${output.objects.length} objects)`;
  process.stdout.write(
    output.written
      ? `synth: wrote ${what} to ${outdir}/ in ${ms} ms\n`
      : `synth: ${outdir}/ already holds these ${what}; nothing written (${ms} ms)\n`,
  );
  return 0;
}
