/**
 * Issue 17: the automatic rollback (delivery.autoRollback). With it on, SwitchWatchFailed also goes
 * to the CI pipeline trigger (URL and token from Vault), and the output carries the GitLab CI job
 * that rolls back through git. The job's script is run here as GitLab runs it (bash, errexit), in a
 * temporary repository with a bare `origin`, against Alertmanager payloads: `npx` and `npm` are
 * stand-ins on PATH (the stand-in rollback flips release.yaml as `alp rollback` does, refusing a
 * wrong --expect-live).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformApp, platformFiles, platformSpec } from '../../charts';
import { AUTO_ROLLBACK_CI_FILE } from '../../charts/auto-rollback';
import { renderApp } from '../../lib';
import { routeAlert } from '../../lib/policy/rules';
import { configTrees } from '../../lib/policy/rules/alerting';
import { PolicyContext } from '../../lib/policy/rules/_context';
import { validatePlatform } from '../../platform';
import { synthesize } from '../../platform/cli/synth';
import { ALERT_ROUTING_NAME, ROLLBACK_COMMAND } from '../../platform/names';
import { clone, committedRelease, findObject, REPO_ROOT } from '../helpers/manifests';

const GIT_SERVER = '198.51.100.40/32';
const specInput: any = clone(platformSpec);
specInput.delivery = { autoRollback: { enabled: true, egressCidrs: [GIT_SERVER] } };
const model = validatePlatform(specInput, committedRelease());
const { spec } = model;
const app = platformApp.build(model);
const objects = renderApp(app).objects;
const files = platformFiles(objects, model);
const monitoring = spec.namespaces.monitoring;
const secretName = `${ALERT_ROUTING_NAME}-auto-rollback`;

describe('delivery.autoRollback |', () => {
  test('is off by default: no CI file, no webhook receiver', () => {
    const plain = validatePlatform(platformSpec, committedRelease());
    expect(plain.spec.delivery.autoRollback).toEqual({
      enabled: false,
      triggerUrlVaultKey: 'alp/delivery/auto-rollback-trigger',
      egressCidrs: [],
      image: 'node:22-bookworm',
    });
    const plainApp = platformApp.build(plain);
    const plainObjects = renderApp(plainApp).objects;
    expect(platformFiles(plainObjects, plain).has(AUTO_ROLLBACK_CI_FILE)).toBe(false);
    const config = findObject(
      plainObjects.filter((o) => o.region === 'primary').map((o) => o.manifest),
      'AlertmanagerConfig',
      ALERT_ROUTING_NAME,
    );
    expect(config.spec.receivers.map((r: any) => r.name)).toEqual(['pagerduty', 'slack', 'watchdog']);
  });

  describe.each(['primary', 'dr'])('in %s', (region) => {
    const inRegion = objects.filter((o) => o.region === region);
    const manifests = inRegion.map((o) => o.manifest);

    test("the trigger URL comes from Vault through an ExternalSecret, into the webhook's urlSecret; never in git", () => {
      const config = findObject(manifests, 'AlertmanagerConfig', ALERT_ROUTING_NAME);
      expect(config.spec.receivers.find((r: any) => r.name === 'auto-rollback')).toEqual({
        name: 'auto-rollback',
        webhookConfigs: [{ urlSecret: { name: secretName, key: 'url' }, sendResolved: false }],
      });
      const external = findObject(manifests, 'ExternalSecret', secretName);
      expect(external.metadata.namespace).toBe(monitoring);
      expect(external.spec.data).toEqual([
        { secretKey: 'url', remoteRef: { key: spec.delivery.autoRollback.triggerUrlVaultKey, property: 'url' } },
      ]);
      expect(JSON.stringify(manifests)).not.toMatch(/trigger\/pipeline\?token=/);
    });

    test('SwitchWatchFailed reaches the pipeline trigger and still pages; SwitchGateFailed and other alerts do not trigger it', () => {
      const ctx = new PolicyContext(inRegion.map((o) => ({ manifest: o.manifest, cluster: o.cluster })));
      const trees = configTrees(ctx, ctx.ofKind('monitoring.coreos.com', 'AlertmanagerConfig'));
      const rules = manifests
        .filter((m) => m.kind === 'PrometheusRule')
        .flatMap((m) => m.spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert)));
      const receiversOf = (alert: string) => {
        const rule = rules.find((r: any) => r.alert === alert);
        return routeAlert({ ...rule.labels, alertname: alert, metric: 'user-service-error-ratio' }, trees, 'OnNamespace').map(
          (d) => d.receiver,
        );
      };
      expect(receiversOf('SwitchWatchFailed')).toEqual(['auto-rollback', 'pagerduty']);
      expect(receiversOf('SwitchGateFailed')).toEqual(['slack']);
      expect(receiversOf('EndpointDown')).toEqual(['pagerduty']);
      const route = findObject(manifests, 'AlertmanagerConfig', ALERT_ROUTING_NAME).spec.route.routes[0];
      expect(route).toEqual({
        receiver: 'auto-rollback',
        matchers: [{ name: 'alertname', matchType: '=', value: 'SwitchWatchFailed' }],
        groupBy: ['alertname', 'region', 'color'],
        repeatInterval: '1h',
        continue: true,
      });
    });

    test("Alertmanager may reach the Git server's trigger on 443", () => {
      const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'alertmanager');
      expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: GIT_SERVER } }], ports: [{ port: 443, protocol: 'TCP' }] });
    });
  });

  test("the whole synthesis with it on passes the policy rules and the platform's checks, and writes the CI file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'alp-auto-rollback-spec-'));
    try {
      writeFileSync(join(dir, 'spec.json'), JSON.stringify(specInput));
      const output = synthesize(platformApp, {
        specFile: join(dir, 'spec.json'),
        release: committedRelease(),
        exceptionsFile: join(REPO_ROOT, 'policy-exceptions.yaml'),
      });
      expect(output.files.get(AUTO_ROLLBACK_CI_FILE)).toBe(files.get(AUTO_ROLLBACK_CI_FILE));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the CI file is one GitLab job, run only by the trigger, one at a time, with exactly this script', () => {
    const text = files.get(AUTO_ROLLBACK_CI_FILE)!;
    expect(text.split('\n')[1]).toBe(`#   include: [{ local: ${spec.gitops.path}/${AUTO_ROLLBACK_CI_FILE} }]`);
    const ci = yaml.load(text) as any;
    expect(Object.keys(ci)).toEqual(['auto-rollback']);
    const job = ci['auto-rollback'];
    expect({ ...job, script: undefined }).toEqual({
      stage: 'deploy',
      image: 'node:22-bookworm',
      rules: [{ if: '$CI_PIPELINE_SOURCE == "trigger"' }],
      resource_group: 'auto-rollback',
      variables: { ALERT_NAME: 'SwitchWatchFailed', GIT_STRATEGY: 'clone', GIT_DEPTH: '0' },
      script: undefined,
    });
    const script: string[] = job.script;
    expect(script.slice(0, 6)).toEqual([
      'npm ci --no-audit --no-fund',
      'git config user.name "${AUTO_ROLLBACK_GIT_NAME:-auto-rollback}"',
      'git config user.email "${AUTO_ROLLBACK_GIT_EMAIL:-auto-rollback@localhost}"',
      'PUSH_URL="${AUTO_ROLLBACK_PUSH_URL:-https://oauth2:${AUTO_ROLLBACK_PUSH_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git}"',
      'if [ "$(git rev-parse --is-shallow-repository)" = true ]; then git fetch --quiet --unshallow origin; fi',
      'TARGETS="$(mktemp)"',
    ]);
    expect(script[6]).toMatch(/^node -e '.*' "\$TRIGGER_PAYLOAD" "\$ALERT_NAME" > "\$TARGETS"$/);
    const loop = script[7].split('\n').map((l) => l.trim());
    expect(loop).toContain(
      'LIVE="$(node -p \'require("js-yaml").load(require("fs").readFileSync(0, "utf8")).regions[process.argv[1]].activeColor\' "$REGION" < \'release.yaml\')"',
    );
    expect(loop).toContain('if [ -n "$LAST" ] && [ "$(git log -1 --format=%ae "$LAST")" = "$(git config user.email)" ]; then');
    expect(loop).toContain(`if ! ${ROLLBACK_COMMAND} --region "$REGION" --expect-live "$COLOR"; then`);
    expect(loop).toContain(`git add -A -- 'release.yaml' '${spec.gitops.path}'`);
    expect(loop).toContain(
      'git commit --quiet -m "Roll back $REGION from $COLOR: $ALERT_NAME fired (automatic)" -m "Pipeline: ${CI_PIPELINE_URL:-local}"',
    );
    expect(loop).toContain('if git push --quiet "$PUSH_URL" "HEAD:refs/heads/$CI_COMMIT_REF_NAME"; then');
    expect(script).toHaveLength(8);
  });

  describe('the job, run as GitLab runs it', () => {
    const job = (yaml.load(files.get(AUTO_ROLLBACK_CI_FILE)!) as any)['auto-rollback'];
    let dir: string;
    let work: string;
    let origin: string;

    const git = (cwd: string, ...args: string[]) => {
      const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const originRelease = () => yaml.load(git(origin, 'show', 'main:release.yaml')) as any;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'alp-auto-rollback-'));
      origin = join(dir, 'origin.git');
      const seed = join(dir, 'seed');
      git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
      mkdirSync(join(seed, 'dist'), { recursive: true });
      git(seed, 'init', '--quiet', '--initial-branch=main');
      git(seed, 'config', 'user.name', 'seed');
      git(seed, 'config', 'user.email', 'seed@localhost');
      writeFileSync(
        join(seed, 'release.yaml'),
        yaml.dump({ regions: { primary: { activeColor: 'green' }, dr: { activeColor: 'green' } } }),
      );
      writeFileSync(join(seed, 'dist', 'routes.txt'), 'primary green\ndr green\n');
      writeFileSync(join(seed, '.gitignore'), 'node_modules\n');
      git(seed, 'add', '-A');
      git(seed, 'commit', '--quiet', '-m', 'switch to green');
      git(seed, 'push', '--quiet', origin, 'main');
      work = join(dir, 'work');
      git(dir, 'clone', '--quiet', origin, work);
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
      // Stand-ins: `npm ci` does nothing; `npx alp rollback` flips the region as alp rollback does.
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'npm'), '#!/bin/sh\nexit 0\n');
      writeFileSync(
        join(bin, 'npx'),
        [
          '#!/bin/sh',
          '[ "$1 $2 $3 $5" = "alp rollback --region --expect-live" ] || { echo "unexpected: $*" >&2; exit 64; }',
          'echo "$4 $6" >> "$FAKE_CALLS"',
          'if [ -f "$FAKE_RACE" ]; then rm "$FAKE_RACE"; git -C "$FAKE_OTHER" pull --quiet && echo x >> "$FAKE_OTHER/other.txt" && git -C "$FAKE_OTHER" add -A && git -C "$FAKE_OTHER" -c user.name=o -c user.email=o@localhost commit --quiet -m other && git -C "$FAKE_OTHER" push --quiet; fi',
          `exec node -e '${FLIP}' "$4" "$6"`,
        ].join('\n'),
      );
      chmodSync(join(bin, 'npm'), 0o755);
      chmodSync(join(bin, 'npx'), 0o755);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function runJob(alerts: any[], env: Record<string, string> = {}) {
      const payload = join(dir, 'payload.json');
      writeFileSync(payload, JSON.stringify(alertmanagerPayload(alerts)));
      const calls = join(dir, 'calls.txt');
      writeFileSync(calls, '');
      const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', (job.script as string[]).join('\n')], {
        cwd: work,
        encoding: 'utf8',
        env: {
          PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
          HOME: dir,
          ...job.variables,
          TRIGGER_PAYLOAD: payload,
          CI_COMMIT_REF_NAME: 'main',
          CI_PIPELINE_URL: 'https://git.example.com/p/-/pipelines/7',
          AUTO_ROLLBACK_PUSH_URL: origin,
          FAKE_CALLS: calls,
          ...env,
        },
      });
      return { status: r.status, out: `${r.stdout}${r.stderr}`, calls: readFileSync(calls, 'utf8') };
    }

    test('rolls back the firing alerts region, from the colour its label names, and pushes one commit; ignores resolved and other alerts', () => {
      const result = runJob([
        alert('firing', 'SwitchWatchFailed', { region: 'primary', color: 'green', metric: 'user-service-error-ratio' }),
        alert('firing', 'SwitchWatchFailed', { region: 'primary', color: 'green', metric: 'user-service-latency-p99' }),
        alert('resolved', 'SwitchWatchFailed', { region: 'dr', color: 'green', metric: 'smoke-api-gateway' }),
        alert('firing', 'SwitchGateFailed', { region: 'dr', metric: 'user-service-ready' }),
      ]);
      expect(result.status).toBe(0);
      expect(result.calls).toBe('primary green\n');
      expect(originRelease().regions).toEqual({ primary: { activeColor: 'blue' }, dr: { activeColor: 'green' } });
      expect(git(origin, 'log', '-1', '--format=%s%n%b', 'main')).toBe(
        'Roll back primary from green: SwitchWatchFailed fired (automatic)\nPipeline: https://git.example.com/p/-/pipelines/7',
      );
      expect(git(origin, 'show', '--name-only', '--format=', 'main').split('\n')).toEqual(['dist/routes.txt', 'release.yaml']);
    });

    test('a repeated notification is a no-op: the colour is no longer live, so nothing is run or pushed', () => {
      const firing = [alert('firing', 'SwitchWatchFailed', { region: 'primary', color: 'green', metric: 'user-service-error-ratio' })];
      expect(runJob(firing).status).toBe(0);
      const head = git(origin, 'rev-parse', 'main');
      const again = runJob(firing);
      expect(again.status).toBe(0);
      expect(again.calls).toBe('');
      expect(again.out).toContain('auto-rollback: green no longer serves primary (blue does): already rolled back, nothing to do');
      expect(git(origin, 'rev-parse', 'main')).toBe(head);
    });

    test('never undoes its own rollback: a page for the colour it made live is left to a person', () => {
      expect(runJob([alert('firing', 'SwitchWatchFailed', { region: 'primary', color: 'green', metric: 'm' })]).status).toBe(0);
      const head = git(origin, 'rev-parse', 'main');
      const flip = runJob([alert('firing', 'SwitchWatchFailed', { region: 'primary', color: 'blue', metric: 'user-service-ready' })]);
      expect(flip.status).toBe(0);
      expect(flip.calls).toBe('');
      expect(flip.out).toContain(
        `auto-rollback: blue was made live in primary by an automatic rollback (${head.slice(0, 7)}); it is not undone automatically: a person decides (see the page)`,
      );
      expect(git(origin, 'rev-parse', 'main')).toBe(head);
      // The other region's colour was set by a person: its page is acted on.
      const dr = runJob([alert('firing', 'SwitchWatchFailed', { region: 'dr', color: 'green', metric: 'm' })]);
      expect([dr.status, dr.calls]).toEqual([0, 'dr green\n']);
    });

    test('a push rejected because the branch moved is retried from the new tip, keeping the other commit', () => {
      const other = join(dir, 'other');
      git(dir, 'clone', '--quiet', origin, other);
      const race = join(dir, 'race');
      writeFileSync(race, '');
      const result = runJob([alert('firing', 'SwitchWatchFailed', { region: 'dr', color: 'green', metric: 'smoke-api-gateway' })], {
        FAKE_RACE: race,
        FAKE_OTHER: other,
      });
      expect(result.status).toBe(0);
      expect(result.out).toContain('auto-rollback: the push was rejected (the branch moved); trying again from its new tip');
      expect(result.calls).toBe('dr green\ndr green\n');
      expect(git(origin, 'log', '--format=%s', 'main').split('\n')).toEqual([
        'Roll back dr from green: SwitchWatchFailed fired (automatic)',
        'other',
        'switch to green',
      ]);
      expect(originRelease().regions.dr).toEqual({ activeColor: 'blue' });
    });

    test('fails loudly when every push is rejected, and on labels that are not a region and a colour', () => {
      writeFileSync(join(origin, 'hooks', 'pre-receive'), '#!/bin/sh\necho "protected branch" >&2\nexit 1\n');
      chmodSync(join(origin, 'hooks', 'pre-receive'), 0o755);
      const rejected = runJob([alert('firing', 'SwitchWatchFailed', { region: 'primary', color: 'green', metric: 'm' })]);
      expect(rejected.status).toBe(1);
      expect(rejected.out).toContain("auto-rollback: the push was rejected 3 times; roll back by hand, see the alert's runbook");
      const evil = runJob([alert('firing', 'SwitchWatchFailed', { region: 'primary; rm -rf /', color: 'green', metric: 'm' })]);
      expect(evil.status).toBe(1);
      expect(evil.out).toContain('auto-rollback: a firing SwitchWatchFailed alert without a valid region and colour');
      expect(evil.calls).toBe('');
    });
  });
});

/** The stand-in for `alp rollback --region <r> --expect-live <c>`: refuses when <c> is not live, else flips the region. */
const FLIP = [
  'const fs = require("fs"), yaml = require("js-yaml");',
  'const [region, expected] = process.argv.slice(1);',
  'const release = yaml.load(fs.readFileSync("release.yaml", "utf8"));',
  'const live = release.regions[region].activeColor;',
  'if (live !== expected) { console.error("refused: " + expected + " is not live in " + region); process.exit(1); }',
  'release.regions[region].activeColor = live === "blue" ? "green" : "blue";',
  'fs.writeFileSync("release.yaml", yaml.dump(release));',
  'fs.writeFileSync("dist/routes.txt", Object.entries(release.regions).map(([r, v]) => r + " " + v.activeColor + "\\n").join(""));',
].join(' ');

function alert(status: string, alertname: string, labels: Record<string, string>): any {
  return {
    status,
    labels: { alertname, severity: alertname === 'SwitchWatchFailed' ? 'critical' : 'warning', namespace: 'alp-monitoring', ...labels },
    annotations: { summary: 's' },
    startsAt: '2026-12-07T22:00:00Z',
    endsAt: status === 'resolved' ? '2026-12-07T22:10:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: Math.random().toString(16).slice(2, 18),
  };
}

/** Alertmanager's webhook payload (version 4), as GitLab stores it in the TRIGGER_PAYLOAD file (plus its own keys). */
function alertmanagerPayload(alerts: any[]): any {
  return {
    version: '4',
    groupKey: '{}/{alertname="SwitchWatchFailed"}:{alertname="SwitchWatchFailed"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'alp-monitoring/alp-alert-routing/auto-rollback',
    groupLabels: { alertname: 'SwitchWatchFailed' },
    commonLabels: { alertname: 'SwitchWatchFailed' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
    id: '123',
    ref: 'main',
    variables: {},
  };
}
