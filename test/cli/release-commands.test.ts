import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { ApiObject, JsonPatch } from 'cdk8s';
import { platformApp } from '../../charts';
import { changedPaths, readTree } from '../../lib/output/files';
import { GitOpsRepo } from '../helpers/gitops-repo';
import { errorOf } from '../helpers/manifests';
import { PlatformAppDefinition, stageCommand, switchTrafficCommand } from '../../platform';

const NEW_GATEWAY = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'e'.repeat(64)}`;

describe('release commands |', () => {
  let repo: GitOpsRepo;
  let releaseFile: string;
  let outdir: string;
  let stdout: string;
  let stderr: string;
  let writeSpy: jest.SpyInstance;
  let errorSpy: jest.SpyInstance;

  beforeEach(() => {
    // A GitOps repository whose last commit holds release.yaml and dist/ (switch-traffic checks
    // the target colour's images against the committed Deployments; see preswitch.test.ts): a
    // copy of the run's one synthesis of the committed release.yaml.
    repo = GitOpsRepo.template();
    releaseFile = repo.release;
    outdir = repo.outdir;
    stdout = '';
    stderr = '';
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      stdout += String(chunk);
      return true;
    });
    errorSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    writeSpy.mockRestore();
    errorSpy.mockRestore();
    repo.remove();
  });

  /** Runs `fn` and returns the files of dist/ and release.yaml that it changed. */
  function changesOf(fn: () => number): { code: number; changed: string[] } {
    const before = new Map([...readTree(outdir)].map(([p, c]) => [`dist/${p}`, c]));
    before.set('release.yaml', readFileSync(releaseFile, 'utf8'));
    const code = fn();
    const after = new Map([...readTree(outdir)].map(([p, c]) => [`dist/${p}`, c]));
    after.set('release.yaml', readFileSync(releaseFile, 'utf8'));
    return { code, changed: changedPaths(before, after) };
  }

  test("a switch changes only the router: the live and preview routes, the switch analyses and the switch alerts' colour of each region, the charts' default colour, and release.yaml", () => {
    const result = changesOf(() => switchTrafficCommand(['--to', 'green', '--release', releaseFile, '--outdir', outdir], platformApp));
    expect(result).toEqual({
      code: 0,
      changed: [
        'dist/helm/alp-dr/values.yaml',
        'dist/helm/alp-primary/values.yaml',
        'dist/manifests/dr/edge/analysisrun-switch-gate.yaml',
        'dist/manifests/dr/edge/analysisrun-switch-watch.yaml',
        'dist/manifests/dr/edge/httproute-api-gateway-preview.yaml',
        'dist/manifests/dr/edge/httproute-api-gateway.yaml',
        'dist/manifests/dr/edge/prometheusrule-switch-rules.yaml',
        'dist/manifests/primary/edge/analysisrun-switch-gate.yaml',
        'dist/manifests/primary/edge/analysisrun-switch-watch.yaml',
        'dist/manifests/primary/edge/httproute-api-gateway-preview.yaml',
        'dist/manifests/primary/edge/httproute-api-gateway.yaml',
        'dist/manifests/primary/edge/prometheusrule-switch-rules.yaml',
        'release.yaml',
      ],
    });
    const live = yaml.load(readFileSync(join(outdir, 'manifests/primary/edge/httproute-api-gateway.yaml'), 'utf8')) as any;
    expect(live.spec.rules[0].backendRefs).toEqual([{ name: 'api-gateway', namespace: 'alp-green', port: 8080 }]);
    const preview = yaml.load(readFileSync(join(outdir, 'manifests/primary/edge/httproute-api-gateway-preview.yaml'), 'utf8')) as any;
    expect(preview.spec.hostnames).toEqual(['preview.learn.alp.example.com']);
    expect(preview.spec.rules[0].backendRefs).toEqual([{ name: 'api-gateway', namespace: 'alp-blue', port: 8080 }]);
    const rules = yaml.load(readFileSync(join(outdir, 'manifests/primary/edge/prometheusrule-switch-rules.yaml'), 'utf8')) as any;
    expect(rules.spec.groups[0].rules.find((r: any) => r.alert === 'SwitchWatchFailed').labels.color).toBe('green');
    expect(stdout).toContain('green now serves primary, dr; changed');
    expect(stderr).toBe(
      [
        'switch-traffic: skipped: Argo CD sync/health of alp-primary-green, alp-dr-green (no --argocd or ARGOCD_SERVER)',
        'switch-traffic: skipped: SLO signals (5xx ratio, p99 latency) of green in primary, dr (no --prometheus or PROMETHEUS_URL)',
        '',
      ].join('\n'),
    );
  });

  test('a switch of one region leaves the other alone, and switching back restores every byte', () => {
    // GIVEN
    const original = new Map([...readTree(outdir), ['release.yaml', readFileSync(releaseFile, 'utf8')]]);
    // WHEN
    const there = changesOf(() =>
      switchTrafficCommand(['--to', 'green', '--region', 'dr', '--release', releaseFile, '--outdir', outdir], platformApp),
    );
    switchTrafficCommand(['--to', 'blue', '--region', 'dr', '--release', releaseFile, '--outdir', outdir], platformApp);
    // THEN
    expect(there.changed).toEqual([
      'dist/helm/alp-dr/values.yaml',
      'dist/manifests/dr/edge/analysisrun-switch-gate.yaml',
      'dist/manifests/dr/edge/analysisrun-switch-watch.yaml',
      'dist/manifests/dr/edge/httproute-api-gateway-preview.yaml',
      'dist/manifests/dr/edge/httproute-api-gateway.yaml',
      'dist/manifests/dr/edge/prometheusrule-switch-rules.yaml',
      'release.yaml',
    ]);
    expect(new Map([...readTree(outdir), ['release.yaml', readFileSync(releaseFile, 'utf8')]])).toEqual(original);
  });

  test("a stage changes only the standby colour's Deployments, the charts' default images, and release.yaml", () => {
    const result = changesOf(() =>
      stageCommand(
        ['--color', 'green', '--image', `api-gateway=${NEW_GATEWAY}`, '--release', releaseFile, '--outdir', outdir],
        platformApp,
      ),
    );
    expect(result).toEqual({
      code: 0,
      changed: [
        'dist/helm/alp-dr/values.yaml',
        'dist/helm/alp-primary/values.yaml',
        'dist/manifests/dr/green/deployment-api-gateway.yaml',
        'dist/manifests/primary/green/deployment-api-gateway.yaml',
        'release.yaml',
      ],
    });
    expect((yaml.load(readFileSync(releaseFile, 'utf8')) as any).colors.green.images['api-gateway']).toBe(NEW_GATEWAY);
  });

  test('fails when staging on the live colour, changing nothing', () => {
    const result = changesOf(() => {
      expect(
        errorOf(() =>
          stageCommand(
            ['--color', 'blue', '--image', `api-gateway=${NEW_GATEWAY}`, '--release', releaseFile, '--outdir', outdir],
            platformApp,
          ),
        ),
      ).toBe('alp stage: refused: blue serves live traffic in primary, dr; stage on the standby colour (green) and switch to it');
      return 1;
    });
    expect(result.changed).toEqual([]);
  });

  test('fails when the target colour lacks an image, changing nothing', () => {
    // GIVEN green has no image for learning-engine
    const release: any = yaml.load(readFileSync(releaseFile, 'utf8'));
    delete release.colors.green.images['learning-engine'];
    writeFileSync(releaseFile, yaml.dump(release));
    // WHEN / THEN
    const result = changesOf(() => {
      expect(errorOf(() => switchTrafficCommand(['--to', 'green', '--release', releaseFile, '--outdir', outdir], platformApp))).toBe(
        `invalid platform input (1 problem); nothing was written\n  - ${releaseFile}: 'colors.green.images[learning-engine]' (missing) is required: every service needs an image in both colours`,
      );
      return 1;
    });
    expect(result.changed).toEqual([]);
  });

  test('fails when the colours differ in configuration, changing nothing', () => {
    // GIVEN an app whose green user-service gets an extra environment variable
    const drifting: PlatformAppDefinition = {
      ...platformApp,
      build: (model) => {
        const app = platformApp.build(model);
        const deployment = app.node.findAll().find((c) => c.node.path === 'Manifests/PrimaryGreen/UserService/Deployment');
        (deployment as ApiObject).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/env/-', { name: 'FEATURE_X', value: 'on' }));
        return app;
      },
    };
    // WHEN / THEN
    const result = changesOf(() => {
      expect(errorOf(() => switchTrafficCommand(['--to', 'green', '--release', releaseFile, '--outdir', outdir], drifting))).toBe(
        [
          'policy verification failed (1 error); nothing was written',
          '  - BLUEGREEN-PARITY: Deployment/alp-blue/user-service: differs from its green counterpart Deployment/alp-green/user-service at \'spec.template.spec.containers[0].env[10]\' (blue: missing, green: {"name":"FEATURE_X","value":"on"}); only the colour, images, version label and the configuration staged on a colour (annotation alp-deploy.io/color-config) may differ',
        ].join('\n'),
      );
      return 1;
    });
    expect(result.changed).toEqual([]);
  });

  test('fails when verification of the result fails, changing nothing', () => {
    const failing: PlatformAppDefinition = { ...platformApp, verify: () => ['Deployment/alp-green/user-service: a rule fails'] };
    const result = changesOf(() => {
      expect(errorOf(() => switchTrafficCommand(['--to', 'green', '--release', releaseFile, '--outdir', outdir], failing))).toBe(
        'platform checks failed (1); nothing was written\n  - Deployment/alp-green/user-service: a rule fails',
      );
      return 1;
    });
    expect(result.changed).toEqual([]);
  });

  test('switching to the live colour changes nothing', () => {
    expect(changesOf(() => switchTrafficCommand(['--to', 'blue', '--release', releaseFile, '--outdir', outdir], platformApp))).toEqual({
      code: 0,
      changed: [],
    });
    expect(stdout).toBe('switch-traffic: blue already serves primary, dr; nothing changed\n');
  });

  test('fails on a bad colour or region', () => {
    expect(errorOf(() => switchTrafficCommand(['--to', 'purple'], platformApp))).toBe(
      'alp switch-traffic: \'--to\' ("purple") must be one of blue, green',
    );
    expect(errorOf(() => switchTrafficCommand(['--to', 'green', '--region', 'mars', '--release', releaseFile], platformApp))).toBe(
      'alp switch-traffic: \'--region\' ("mars") must be one of primary, dr',
    );
    expect(errorOf(() => stageCommand(['--color', 'green', '--image', 'api-gateway', '--release', releaseFile], platformApp))).toBe(
      'alp stage: \'--image\' ("api-gateway") must have the form <service>=<image reference>',
    );
  });
});
