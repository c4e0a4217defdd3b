import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformApp } from '../../charts';
import { changedPaths, readTree } from '../../lib/output/files';
import { GitOpsRepo, sharedSynthesis } from '../helpers/gitops-repo';
import { errorOf, REPO_ROOT } from '../helpers/manifests';
import { diffCommand, stageCommand, switchTrafficCommand } from '../../platform';

/** Configuration blue/green end to end on a scratch copy of release.yaml and dist/: stage, diff, switch, switch back. */
describe('staged configuration |', () => {
  let scratch: GitOpsRepo;
  let releaseFile: string;
  let outdir: string;
  let stdout: string;
  let writeSpy: jest.SpyInstance;
  const regions = Object.keys((yaml.load(readFileSync(join(REPO_ROOT, 'release.yaml'), 'utf8')) as any).regions);

  beforeEach(() => {
    // release.yaml and dist/ synthesized from it: a copy (without git) of the run's one synthesis
    scratch = sharedSynthesis().copy(false);
    releaseFile = scratch.release;
    outdir = scratch.outdir;
    stdout = '';
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      stdout += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    writeSpy.mockRestore();
    scratch.remove();
  });

  const state = () => new Map([...readTree(outdir), ['release.yaml', readFileSync(releaseFile, 'utf8')]]);
  const run = (command: typeof stageCommand, ...args: string[]) =>
    command([...args, '--release', releaseFile, '--outdir', outdir], platformApp);
  const deployment = (region: string, color: string, service: string) =>
    yaml.load(readFileSync(join(outdir, `manifests/${region}/${color}/deployment-${service}.yaml`), 'utf8')) as any;

  test('a staged env and limit reach only the standby colour (and the quotas); diff shows them as staged; a switch promotes them; switching back restores every byte', () => {
    // WHEN
    const before = state();
    expect(
      run(
        stageCommand,
        '--color',
        'green',
        '--set',
        'user-service.env.LOG_LEVEL=debug',
        '--set',
        'user-service.resources.limits.memory=1Gi',
      ),
    ).toBe(0);
    const staged = state();
    // THEN green's user-service Deployment (manifests and Helm templates), the colour namespaces'
    // quotas (sized for the larger colour, the same in both) and release.yaml changed
    const quotas = (root: string) => ['blue', 'green'].map((c) => `${root}/platform/resourcequota-alp-${c}-quota.yaml`);
    expect(changedPaths(before, staged)).toEqual(
      [
        ...regions.flatMap((r) => [`helm/alp-${r}/templates/green/deployment-user-service.yaml`, ...quotas(`helm/alp-${r}/templates`)]),
        ...regions.flatMap((r) => [`manifests/${r}/green/deployment-user-service.yaml`, ...quotas(`manifests/${r}`)]),
        'release.yaml',
      ].sort(),
    );
    const green = deployment('primary', 'green', 'user-service');
    expect(green.metadata.annotations['alp-deploy.io/color-config']).toBe('env,resources');
    expect(green.spec.template.spec.containers[0].env).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
    expect(green.spec.template.spec.containers[0].resources.limits.memory).toBe('1Gi');
    expect(deployment('primary', 'blue', 'user-service').spec.template.spec.containers[0].env).not.toContainEqual({
      name: 'LOG_LEVEL',
      value: 'debug',
    });
    expect((yaml.load(readFileSync(releaseFile, 'utf8')) as any).colors.green.config).toEqual({
      'user-service': { env: { LOG_LEVEL: 'debug' }, resources: { limits: { memory: '1Gi' } } },
    });

    // WHEN a reviewer diffs the (now synthesized) state
    stdout = '';
    expect(diffCommand(['--release', releaseFile, '--outdir', outdir], platformApp)).toBe(0);
    // THEN the staged release is listed, live -> staged
    const blueLimit = deployment('primary', 'blue', 'user-service').spec.template.spec.containers[0].resources.limits.memory;
    expect(stdout).toContain(
      `\nstaged on green in ${regions.join(', ')} (live -> staged; a switch makes it live):\n  user-service: + env.LOG_LEVEL: debug\n  user-service: resources.limits.memory: ${blueLimit} -> 1Gi\n`,
    );

    // WHEN green goes live, then blue again
    expect(run(switchTrafficCommand, '--to', 'green', '--skip-image-check')).toBe(0);
    const switched = state();
    expect(
      changedPaths(staged, switched).filter((p) => !p.includes('/edge/') && !p.endsWith('values.yaml') && p !== 'release.yaml'),
    ).toEqual([]);
    expect(run(switchTrafficCommand, '--to', 'blue', '--skip-image-check')).toBe(0);
    // THEN every file is as it was after the stage
    expect(state()).toEqual(staged);
  });

  test('--region stages on that region only, starting from the colour; a colour live in the region is refused there only', () => {
    // GIVEN green live in dr
    run(switchTrafficCommand, '--to', 'green', '--region', 'dr', '--skip-image-check');
    // WHEN
    expect(errorOf(() => run(stageCommand, '--color', 'green', '--set', 'user-service.env.LOG_LEVEL=debug'))).toBe(
      'alp stage: refused: green serves live traffic in dr; stage on the standby colour (blue) and switch to it',
    );
    const before = state();
    expect(run(stageCommand, '--color', 'green', '--region', 'primary', '--set', 'user-service.env.LOG_LEVEL=debug')).toBe(0);
    // THEN only primary's green changed
    expect(changedPaths(before, state())).toEqual([
      'helm/alp-primary/templates/green/deployment-user-service.yaml',
      'manifests/primary/green/deployment-user-service.yaml',
      'release.yaml',
    ]);
    expect((yaml.load(readFileSync(releaseFile, 'utf8')) as any).regions.primary.colors).toEqual({
      green: { config: { 'user-service': { env: { LOG_LEVEL: 'debug' } } } },
    });
    expect(stdout).toContain('staged 1 configuration change(s) on green in primary; changed');
  });

  test('--set and --unset name a stageable field, with a value of its type', () => {
    expect(errorOf(() => run(stageCommand, '--color', 'green', '--set', 'user-service.port=9090'))).toBe(
      'alp stage: \'--set\' ("user-service.port=9090") must have the form <service>.<field>=<value>, the field one of env.<NAME>, featureFlags.<flag>, resources.{requests,limits}.{cpu,memory}, autoscaling.{minReplicas,maxReplicas}, replicas, secrets.<name>.vaultKey',
    );
    expect(errorOf(() => run(stageCommand, '--color', 'green', '--set', 'user-service.autoscaling.maxReplicas=many'))).toBe(
      'alp stage: \'--set\' ("user-service.autoscaling.maxReplicas=many") must set autoscaling.maxReplicas to a whole number',
    );
    expect(errorOf(() => run(stageCommand, '--color', 'green', '--set', 'user-service.featureFlags.x=yes'))).toBe(
      'alp stage: \'--set\' ("user-service.featureFlags.x=yes") must set a feature flag to true or false',
    );
    expect(errorOf(() => run(stageCommand, '--color', 'green', '--unset', 'user-service.resources.limits.disk'))).toBe(
      'alp stage: \'--unset\' ("user-service.resources.limits.disk") must have the form <service> or <service>.<field>, the field one of env.<NAME>, featureFlags.<flag>, resources.{requests,limits}.{cpu,memory}, autoscaling.{minReplicas,maxReplicas}, replicas, secrets.<name>.vaultKey',
    );
    expect(errorOf(() => run(stageCommand, '--color', 'green'))).toBe(
      "alp stage: '--image', '--set' or '--unset' (missing) must be given at least once: what to stage",
    );
  });

  test('--unset removes a staged value, and the colour is the spec again', () => {
    const before = state();
    run(stageCommand, '--color', 'green', '--set', 'user-service.env.LOG_LEVEL=debug');
    run(stageCommand, '--color', 'green', '--unset', 'user-service.env.LOG_LEVEL');
    expect(state()).toEqual(before);
  });

  test("--unset in a region leaves the region's entry empty ({}: nothing staged there), so it does not fall back to the colour's", () => {
    // GIVEN env and a limit staged on green everywhere
    run(stageCommand, '--color', 'green', '--set', 'user-service.env.LOG_LEVEL=debug', '--set', 'user-service.resources.limits.memory=1Gi');
    const blueLimit = deployment('dr', 'blue', 'user-service').spec.template.spec.containers[0].resources.limits.memory;
    // WHEN dr drops the whole entry, then a global unset removes the env everywhere
    run(stageCommand, '--color', 'green', '--region', 'dr', '--unset', 'user-service');
    // THEN dr's green runs the spec's configuration; primary's still the staged one
    const release = () => yaml.load(readFileSync(releaseFile, 'utf8')) as any;
    expect(release().regions.dr.colors).toEqual({ green: { config: { 'user-service': {} } } });
    const dr = deployment('dr', 'green', 'user-service').spec.template.spec.containers[0];
    expect(dr.env).not.toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
    expect(dr.resources.limits.memory).toBe(blueLimit);
    expect(deployment('primary', 'green', 'user-service').spec.template.spec.containers[0].resources.limits.memory).toBe('1Gi');
    // AND a region entry holding one value keeps holding nothing once it goes, not the colour's other values
    run(stageCommand, '--color', 'green', '--region', 'dr', '--set', 'user-service.env.TRACE=1');
    run(stageCommand, '--color', 'green', '--unset', 'user-service.env.TRACE');
    expect(release().regions.dr.colors).toEqual({ green: { config: { 'user-service': {} } } });
    expect(deployment('dr', 'green', 'user-service').spec.template.spec.containers[0].resources.limits.memory).toBe(blueLimit);
  });
});
