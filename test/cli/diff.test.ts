import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformApp, platformSpec } from '../../charts';
import { lineCount } from '../../lib/output/field-diff';
import { clone, clusterPerColorSpec, REPO_ROOT } from '../helpers/manifests';
import { alpInProcess, GitOpsRepo, sharedSynthesis } from '../helpers/gitops-repo';
import { PlatformAppDefinition, switchTrafficCommand, synthToDirectory } from '../../platform';
import { readTree } from '../../lib/output/files';

const NEW_GATEWAY = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'e'.repeat(64)}`;
const OLD_GATEWAY =
  'registry.alp.example.com/alp/api-gateway:2.14.1@sha256:72845c1f1d98424a65c4c1c3788c8ffaa88e48961d95ad6ca94c58fd29c5021a';
const QUIZ_IMAGE = `registry.alp.example.com/alp/quiz-service:1.0.0@sha256:${'a'.repeat(64)}`;

/** The lines of a chart's values.yaml in a synthesized tree (it lists every service, so its length follows the spec). */
function valuesLines(dist: string, chart: string): number {
  return lineCount(readFileSync(join(dist, 'helm', chart, 'values.yaml'), 'utf8'));
}

/** The new service's objects a reviewer must not miss for RBAC in a region: its ServiceAccounts. */
function quizRbacLines(region: string): string[] {
  return ['blue', 'green'].map(
    (c) => `    + manifests/${region}/${c}/serviceaccount-quiz-service.yaml: ServiceAccount alp-${c}/quiz-service`,
  );
}

/** The new service's objects a reviewer must not miss for the network in a region. */
function quizNetworkLines(region: string): string[] {
  return [
    `    + manifests/${region}/blue/authorizationpolicy-quiz-service.yaml: AuthorizationPolicy alp-blue/quiz-service`,
    `    ~ manifests/${region}/blue/networkpolicy-api-gateway.yaml: NetworkPolicy alp-blue/api-gateway`,
    `    + manifests/${region}/blue/networkpolicy-quiz-service.yaml: NetworkPolicy alp-blue/quiz-service`,
    `    ~ manifests/${region}/data/authorizationpolicy-postgres-pooler-rw.yaml: AuthorizationPolicy alp-data/postgres-pooler-rw`,
    `    ~ manifests/${region}/data/networkpolicy-postgres-pooler-rw.yaml: NetworkPolicy alp-data/postgres-pooler-rw`,
    `    + manifests/${region}/green/authorizationpolicy-quiz-service.yaml: AuthorizationPolicy alp-green/quiz-service`,
    `    ~ manifests/${region}/green/networkpolicy-api-gateway.yaml: NetworkPolicy alp-green/api-gateway`,
    `    + manifests/${region}/green/networkpolicy-quiz-service.yaml: NetworkPolicy alp-green/quiz-service`,
    `    ~ manifests/${region}/monitoring/authorizationpolicy-otel-collector.yaml: AuthorizationPolicy alp-monitoring/otel-collector`,
    `    ~ manifests/${region}/monitoring/networkpolicy-otel-collector.yaml: NetworkPolicy alp-monitoring/otel-collector`,
    `    ~ manifests/${region}/monitoring/networkpolicy-prometheus.yaml: NetworkPolicy alp-monitoring/prometheus`,
  ];
}

/** The new service's objects a reviewer must not miss for the data layer in a region. */
function quizDataLines(region: string): string[] {
  return [
    `    ~ manifests/${region}/data/authorizationpolicy-postgres-pooler-rw.yaml: AuthorizationPolicy alp-data/postgres-pooler-rw`,
    `    ~ manifests/${region}/data/networkpolicy-postgres-pooler-rw.yaml: NetworkPolicy alp-data/postgres-pooler-rw`,
  ];
}

/** The new service's changed objects in a colour of a region, with their flags. */
function quizColourObjects(region: string, c: string): string[] {
  return [
    `+ manifests/${region}/${c}/authorizationpolicy-quiz-service.yaml: AuthorizationPolicy alp-${c}/quiz-service [network]`,
    `+ manifests/${region}/${c}/deployment-quiz-service.yaml: Deployment alp-${c}/quiz-service`,
    `+ manifests/${region}/${c}/externalsecret-quiz-service-postgres.yaml: ExternalSecret alp-${c}/quiz-service-postgres`,
    `+ manifests/${region}/${c}/horizontalpodautoscaler-quiz-service.yaml: HorizontalPodAutoscaler alp-${c}/quiz-service`,
    `~ manifests/${region}/${c}/networkpolicy-api-gateway.yaml: NetworkPolicy alp-${c}/api-gateway [network]`,
    `+ manifests/${region}/${c}/networkpolicy-quiz-service.yaml: NetworkPolicy alp-${c}/quiz-service [network]`,
    `+ manifests/${region}/${c}/poddisruptionbudget-quiz-service.yaml: PodDisruptionBudget alp-${c}/quiz-service`,
    `+ manifests/${region}/${c}/service-quiz-service.yaml: Service alp-${c}/quiz-service`,
    `+ manifests/${region}/${c}/serviceaccount-quiz-service.yaml: ServiceAccount alp-${c}/quiz-service [RBAC]`,
    `+ manifests/${region}/${c}/servicemonitor-quiz-service.yaml: ServiceMonitor alp-${c}/quiz-service`,
  ];
}

/** The new service's changed objects in a region, in the order the diff lists them. */
function quizRegionObjects(region: string): string[] {
  return [
    ...quizColourObjects(region, 'blue'),
    `~ manifests/${region}/data/authorizationpolicy-postgres-pooler-rw.yaml: AuthorizationPolicy alp-data/postgres-pooler-rw [network, data]`,
    `~ manifests/${region}/data/networkpolicy-postgres-pooler-rw.yaml: NetworkPolicy alp-data/postgres-pooler-rw [network, data]`,
    // The switch analyses gain the service's metrics (not their colour: nothing flagged).
    `~ manifests/${region}/edge/analysisrun-switch-gate.yaml: AnalysisRun alp-edge/switch-gate`,
    `~ manifests/${region}/edge/analysisrun-switch-watch.yaml: AnalysisRun alp-edge/switch-watch`,
    ...quizColourObjects(region, 'green'),
    `~ manifests/${region}/monitoring/authorizationpolicy-otel-collector.yaml: AuthorizationPolicy alp-monitoring/otel-collector [network]`,
    `+ manifests/${region}/monitoring/configmap-grafana-dashboard-quiz-service.yaml: ConfigMap alp-monitoring/grafana-dashboard-quiz-service`,
    `~ manifests/${region}/monitoring/networkpolicy-otel-collector.yaml: NetworkPolicy alp-monitoring/otel-collector [network]`,
    `~ manifests/${region}/monitoring/networkpolicy-prometheus.yaml: NetworkPolicy alp-monitoring/prometheus [network]`,
    `+ manifests/${region}/monitoring/prometheusrule-quiz-service-rules.yaml: PrometheusRule alp-monitoring/quiz-service-rules`,
    `~ manifests/${region}/platform/resourcequota-alp-blue-quota.yaml: ResourceQuota alp-blue/alp-blue-quota`,
    `~ manifests/${region}/platform/resourcequota-alp-green-quota.yaml: ResourceQuota alp-green/alp-green-quota`,
  ];
}

describe('alp diff |', () => {
  let scratch: string;
  let outdir: string;
  let committedRelease: any;

  beforeAll(() => {
    // release.yaml and dist/ synthesized from it: a copy (without git) of the run's one synthesis
    scratch = sharedSynthesis().copy(false).dir;
    outdir = join(scratch, 'dist');
    committedRelease = yaml.load(readFileSync(join(scratch, 'release.yaml'), 'utf8'));
    expect(readFileSync(join(scratch, 'release.yaml'), 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'release.yaml'), 'utf8'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs `alp diff <args>` through the CLI's entry point: exit code, stdout, stderr. */
  const alpDiff = (args: string[], definition: PlatformAppDefinition = platformApp) => alpInProcess(['diff', ...args], definition);

  /** A release file in the scratch directory: the committed release, changed by `change`. */
  function releaseWith(name: string, change: (release: any) => void): string {
    const release = clone(committedRelease);
    change(release);
    const file = join(scratch, name);
    writeFileSync(file, yaml.dump(release));
    return file;
  }

  test('exits 0 and says so when dist/ equals a fresh synthesis', () => {
    expect(alpDiff(['--release', join(scratch, 'release.yaml'), '--outdir', outdir])).toEqual({
      code: 0,
      stdout: `alp diff: ${outdir}/ matches a fresh synthesis (${readTree(outdir).size} files)\n`,
      stderr: '',
    });
  });

  test("a switch: exactly the live and preview routes, the switch analyses' colour and the switch alerts' live colour of each region, the first two flagged as the active colour", () => {
    const release = releaseWith('switch.yaml', (r) => {
      r.regions.primary.activeColor = 'green';
      r.regions.dr.activeColor = 'green';
    });
    const analyses = (region: string) =>
      ['gate', 'watch'].flatMap((run) => [
        `~ manifests/${region}/edge/analysisrun-switch-${run}.yaml: AnalysisRun alp-edge/switch-${run} [active colour]`,
        '    spec.args[color].value: blue -> green',
        '    spec.args[namespace].value: alp-blue -> alp-green',
      ]);
    expect(alpDiff(['--release', release, '--outdir', outdir])).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        `alp diff: ${outdir}/ differs from a fresh synthesis: objects 0 added, 0 removed, 10 changed; other files 0 added, 0 removed, 2 changed`,
        '',
        'must not miss:',
        '  active colour: 8 objects and the release state',
        '    helm/alp-dr/values.yaml: activeColor: blue -> green',
        '    helm/alp-primary/values.yaml: activeColor: blue -> green',
        '    ~ manifests/dr/edge/analysisrun-switch-gate.yaml: AnalysisRun alp-edge/switch-gate',
        '    ~ manifests/dr/edge/analysisrun-switch-watch.yaml: AnalysisRun alp-edge/switch-watch',
        '    ~ manifests/dr/edge/httproute-api-gateway-preview.yaml: HTTPRoute alp-edge/api-gateway-preview',
        '    ~ manifests/dr/edge/httproute-api-gateway.yaml: HTTPRoute alp-edge/api-gateway',
        '    ~ manifests/primary/edge/analysisrun-switch-gate.yaml: AnalysisRun alp-edge/switch-gate',
        '    ~ manifests/primary/edge/analysisrun-switch-watch.yaml: AnalysisRun alp-edge/switch-watch',
        '    ~ manifests/primary/edge/httproute-api-gateway-preview.yaml: HTTPRoute alp-edge/api-gateway-preview',
        '    ~ manifests/primary/edge/httproute-api-gateway.yaml: HTTPRoute alp-edge/api-gateway',
        '',
        'by region and component:',
        '  dr/edge           5 changed',
        '  helm/alp-dr       1 changed file',
        '  helm/alp-primary  1 changed file',
        '  primary/edge      5 changed',
        '',
        'changes:',
        ...analyses('dr'),
        '~ manifests/dr/edge/httproute-api-gateway-preview.yaml: HTTPRoute alp-edge/api-gateway-preview [active colour]',
        '    spec.rules[0].backendRefs[api-gateway].namespace: alp-green -> alp-blue',
        '~ manifests/dr/edge/httproute-api-gateway.yaml: HTTPRoute alp-edge/api-gateway [active colour]',
        '    spec.rules[0].backendRefs[api-gateway].namespace: alp-blue -> alp-green',
        '~ manifests/dr/edge/prometheusrule-switch-rules.yaml: PrometheusRule alp-edge/switch-rules',
        '    spec.groups[switch.rules].rules[0].labels.color: blue -> green',
        ...analyses('primary'),
        '~ manifests/primary/edge/httproute-api-gateway-preview.yaml: HTTPRoute alp-edge/api-gateway-preview [active colour]',
        '    spec.rules[0].backendRefs[api-gateway].namespace: alp-green -> alp-blue',
        '~ manifests/primary/edge/httproute-api-gateway.yaml: HTTPRoute alp-edge/api-gateway [active colour]',
        '    spec.rules[0].backendRefs[api-gateway].namespace: alp-blue -> alp-green',
        '~ manifests/primary/edge/prometheusrule-switch-rules.yaml: PrometheusRule alp-edge/switch-rules',
        '    spec.groups[switch.rules].rules[0].labels.color: blue -> green',
        `~ helm/alp-dr/values.yaml: ${valuesLines(outdir, 'alp-dr')} -> ${valuesLines(outdir, 'alp-dr')} lines (+1 -1)`,
        '    activeColor: blue -> green',
        `~ helm/alp-primary/values.yaml: ${valuesLines(outdir, 'alp-primary')} -> ${valuesLines(outdir, 'alp-primary')} lines (+1 -1)`,
        '    activeColor: blue -> green',
        '',
      ].join('\n'),
    });
  });

  test("a stage: exactly the standby colour's Deployments, with the image and version fields, nothing flagged", () => {
    const release = releaseWith('stage.yaml', (r) => {
      r.colors.green.images['api-gateway'] = NEW_GATEWAY;
    });
    const deployment = (region: string) => [
      `~ manifests/${region}/green/deployment-api-gateway.yaml: Deployment alp-green/api-gateway`,
      '    metadata.labels["app.kubernetes.io/version"]: 2.14.1 -> 2.15.0',
      '    spec.template.metadata.labels["app.kubernetes.io/version"]: 2.14.1 -> 2.15.0',
      `    spec.template.spec.containers[api-gateway].env[OTEL_RESOURCE_ATTRIBUTES].value: "alp.color=green,cloud.region=${region},service.namespace=alp,service.version=2.14.1"`
        + ` -> "alp.color=green,cloud.region=${region},service.namespace=alp,service.version=2.15.0"`,
      `    spec.template.spec.containers[api-gateway].image: ${OLD_GATEWAY} -> ${NEW_GATEWAY}`,
    ];
    expect(alpDiff(['--release', release, '--outdir', outdir])).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        `alp diff: ${outdir}/ differs from a fresh synthesis: objects 0 added, 0 removed, 2 changed; other files 0 added, 0 removed, 2 changed`,
        '',
        'by region and component:',
        '  dr/green          1 changed',
        '  helm/alp-dr       1 changed file',
        '  helm/alp-primary  1 changed file',
        '  primary/green     1 changed',
        '',
        'changes:',
        ...deployment('dr'),
        ...deployment('primary'),
        ...['dr', 'primary'].flatMap((region) => [
          `~ helm/alp-${region}/values.yaml: ${valuesLines(outdir, `alp-${region}`)} -> ${valuesLines(outdir, `alp-${region}`)} lines (+1 -1)`,
          `    colors.green.images.api-gateway: ${OLD_GATEWAY} -> ${NEW_GATEWAY}`,
        ]),
        '',
        // What the standby colour runs beyond the live one, whatever this diff changes.
        'staged on green in primary, dr (live -> staged; a switch makes it live):',
        `  api-gateway: image: ${OLD_GATEWAY} -> ${NEW_GATEWAY}`,
        '',
      ].join('\n'),
    });
  });

  /** GIVEN a spec with a new internal service that uses PostgreSQL and is called by the api-gateway, and a release with its image. */
  function givenQuizService(): { specFile: string; release: string } {
    const spec: any = clone(platformSpec);
    spec.services.push({
      name: 'quiz-service',
      description: 'Quizzes',
      imageRepository: 'registry.alp.example.com/alp/quiz-service',
      port: 8080,
      metricsPort: 9090,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
      dependsOn: { postgres: true },
      secrets: [{ name: 'postgres', vaultKey: 'alp/quiz-service/postgres', keys: ['password', 'username'] }],
    });
    spec.services[0].dependsOn.services.push('quiz-service');
    const specFile = join(scratch, 'platform.yaml');
    writeFileSync(specFile, yaml.dump(spec));
    const release = releaseWith('new-service.yaml', (r) => {
      r.colors.blue.images['quiz-service'] = QUIZ_IMAGE;
      r.colors.green.images['quiz-service'] = QUIZ_IMAGE;
    });
    return { specFile, release };
  }

  /**
   * THEN the fields of the changed data-layer policies and of the gateway's egress: the new paths
   * into the data layer, and only them.
   */
  function expectQuizPathsIntoDataLayer(changes: string) {
    const fieldsOf = (path: string) => {
      const lines = changes.split('\n');
      const at = lines.findIndex((line) => line.startsWith(`~ ${path}:`));
      const end = lines.findIndex((line, i) => i > at && !line.startsWith('    '));
      return lines.slice(at + 1, end);
    };
    // The new entries' indices follow from the lists before the change, each sorted by name: the
    // pooler's principals (blue then green per name), its ingress (the data jobs, then the blue
    // callers, then the green ones) and the gateway's egress to services.
    const before = (path: string): any => yaml.load(readFileSync(join(outdir, path), 'utf8'));
    const sortedBefore = (names: string[]) => names.filter((name) => name < 'quiz-service').length;
    const principals: string[] = before('manifests/primary/data/authorizationpolicy-postgres-pooler-rw.yaml').spec.rules[0].from[0].source
      .principals;
    const principal = sortedBefore(principals.map((p) => p.split('/sa/')[1]));
    expect(fieldsOf('manifests/primary/data/authorizationpolicy-postgres-pooler-rw.yaml')).toEqual([
      `    + spec.rules[0].from[0].source.principals[${principal}]: cluster.local/ns/alp-blue/sa/quiz-service`,
      `    + spec.rules[0].from[0].source.principals[${principal + 1}]: cluster.local/ns/alp-green/sa/quiz-service`,
    ]);
    const ingress: any[] = before('manifests/primary/data/networkpolicy-postgres-pooler-rw.yaml').spec.ingress;
    const callersIn = (c: string) =>
      ingress
        .filter((r) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === `alp-${c}`)
        .map((r) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name']);
    const jobs = ingress.filter((r) => !r.from[0].namespaceSelector).length;
    const poolerIngress = (index: number, c: string) => [
      `    + spec.ingress[${index}].from[0].namespaceSelector: {"matchLabels":{"kubernetes.io/metadata.name":"alp-${c}"}}`,
      `    + spec.ingress[${index}].from[0].podSelector: {"matchLabels":{"alp-deploy.io/color":"${c}","app.kubernetes.io/instance":"quiz-service-${c}","app.kubernetes.io/name":"quiz-service"}}`,
      `    + spec.ingress[${index}].ports: [{"port":5432,"protocol":"TCP"}]`,
    ];
    expect(fieldsOf('manifests/primary/data/networkpolicy-postgres-pooler-rw.yaml')).toEqual([
      ...poolerIngress(jobs + sortedBefore(callersIn('blue')), 'blue'),
      ...poolerIngress(jobs + callersIn('blue').length + 1 + sortedBefore(callersIn('green')), 'green'),
    ]);
    const gatewayEgress: any[] = before('manifests/primary/blue/networkpolicy-api-gateway.yaml').spec.egress;
    const egress = sortedBefore(
      gatewayEgress
        .filter((r) => r.to[0].podSelector && !r.to[0].namespaceSelector)
        .map((r) => r.to[0].podSelector.matchLabels['app.kubernetes.io/name']),
    );
    expect(fieldsOf('manifests/primary/blue/networkpolicy-api-gateway.yaml')).toEqual([
      `    + spec.egress[${egress}].ports: [{"port":8080,"protocol":"TCP"}]`,
      `    + spec.egress[${egress}].to: [{"podSelector":{"matchLabels":{"alp-deploy.io/color":"blue","app.kubernetes.io/instance":"quiz-service-blue","app.kubernetes.io/name":"quiz-service"}}}]`,
    ]);
  }

  test('a new service: its objects in both colours and regions and its paths into the data layer, flagged RBAC, network and data', () => {
    // GIVEN a spec with a new internal service that uses PostgreSQL and is called by the api-gateway
    const { specFile, release } = givenQuizService();

    // WHEN
    const result = alpDiff(['--spec', specFile, '--release', release, '--outdir', outdir]);

    // THEN the summary: what a reviewer must not miss, and the counts per region and component
    expect(result.code).toBe(1);
    const [summary, changes] = result.stdout.split('\nchanges:\n');
    expect(summary.split('\n')).toEqual([
      `alp diff: ${outdir}/ differs from a fresh synthesis: objects 40 added, 0 removed, 22 changed; other files 40 added, 0 removed, 31 changed`,
      '',
      'must not miss:',
      '  RBAC: 4 objects',
      ...quizRbacLines('dr'),
      ...quizRbacLines('primary'),
      '  network: 22 objects',
      ...quizNetworkLines('dr'),
      ...quizNetworkLines('primary'),
      '  data: 4 objects',
      ...quizDataLines('dr'),
      ...quizDataLines('primary'),
      '',
      'by region and component:',
      '  dr/blue             9 added, 1 changed',
      '  dr/data             2 changed',
      '  dr/edge             2 changed',
      '  dr/green            9 added, 1 changed',
      '  dr/monitoring       2 added, 3 changed',
      '  dr/platform         2 changed',
      '  helm/alp-dr         20 added files, 14 changed files',
      '  helm/alp-primary    20 added files, 14 changed files',
      '  primary/blue        9 added, 1 changed',
      '  primary/data        2 changed',
      '  primary/edge        2 changed',
      '  primary/green       9 added, 1 changed',
      '  primary/monitoring  2 added, 3 changed',
      '  primary/platform    2 changed',
      '  reports             3 changed files',
      '',
    ]);

    // THEN each changed object and file, once
    expect(changes.split('\n').filter((line) => line !== '' && !line.startsWith('    '))).toEqual([
      ...quizRegionObjects('dr'),
      ...quizRegionObjects('primary'),
      // Per colour, the chart's README gains 3 rows (its image, its minReplicas and maxReplicas) and values.yaml 4 lines
      // (`colors.<c>.images.<s>`, `colors.<c>.autoscaling.<s>:` with its two bounds).
      ...['dr', 'primary'].flatMap((region) => [
        expect.stringMatching(new RegExp(`^~ helm/alp-${region}/README\\.md: \\d+ -> \\d+ lines \\(\\+6 -0\\)$`)),
        expect.stringMatching(new RegExp(`^\\+ helm/alp-${region}/templates/: 20 files, \\d+ lines$`)),
        '~ helm/alp-' + region + '/templates/: 11 files, +158 -10 lines',
        expect.stringMatching(new RegExp(`^~ helm/alp-${region}/values\\.schema\\.json: \\d+ -> \\d+ lines`)),
        expect.stringMatching(new RegExp(`^~ helm/alp-${region}/values\\.yaml: \\d+ -> \\d+ lines \\(\\+8 -0\\)$`)),
      ]),
      // The new service adds a row of pods to the capacity report and changes its sums.
      expect.stringMatching(/^~ reports\/capacity\.md: \d+ -> \d+ lines \(\+\d+ -\d+\)$/),
      expect.stringMatching(/^~ reports\/policy\.md: \d+ -> \d+ lines \(\+1 -1\)$/),
      expect.stringMatching(/^~ reports\/reachability\.md: \d+ -> \d+ lines \(\+\d+ -\d+\)$/),
    ]);

    // THEN the fields: the new paths into the data layer, and only them
    expectQuizPathsIntoDataLayer(changes);
  });

  test("a switch with one cluster per colour: the Gateways' weighted-DNS annotations and the switch analyses' cluster, flagged as the active colour", () => {
    // GIVEN dist/ of the seed's topology, blue live
    const specFile = join(scratch, 'cluster-per-color.yaml');
    writeFileSync(specFile, yaml.dump(clusterPerColorSpec()));
    const perColor = join(scratch, 'per-color');
    synthToDirectory(platformApp, perColor, { specFile, releaseFile: join(scratch, 'release.yaml') });
    // WHEN dr switches to green
    const release = releaseWith('switch-dr.yaml', (r) => {
      r.regions.dr.activeColor = 'green';
    });
    const result = alpDiff(['--spec', specFile, '--release', release, '--outdir', perColor]);
    // THEN
    const gateway = (colour: string, name: string, from: string, to: string) => [
      `~ manifests/dr/${colour}-edge/gateway-${name}.yaml: Gateway alp-edge/${name} [active colour]`,
      `    metadata.annotations["external-dns.alpha.kubernetes.io/aws-weight"]: "${from}" -> "${to}"`,
    ];
    // The switch analyses leave the blue cluster's edge for the green one's.
    const analyses = (sign: string, colour: string) =>
      ['gate', 'watch'].map(
        (run) => `${sign} manifests/dr/${colour}-edge/analysisrun-switch-${run}.yaml: AnalysisRun alp-edge/switch-${run}`,
      );
    expect(result).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        `alp diff: ${perColor}/ differs from a fresh synthesis: objects 2 added, 2 removed, 6 changed; other files 0 added, 0 removed, 2 changed`,
        '',
        'must not miss:',
        '  active colour: 8 objects and the release state',
        '    helm/alp-dr-blue/values.yaml: activeColor: blue -> green',
        '    helm/alp-dr-green/values.yaml: activeColor: blue -> green',
        ...analyses('-', 'blue').map((line) => `    ${line}`),
        '    ~ manifests/dr/blue-edge/gateway-alp-gateway-preview.yaml: Gateway alp-edge/alp-gateway-preview',
        '    ~ manifests/dr/blue-edge/gateway-alp-gateway.yaml: Gateway alp-edge/alp-gateway',
        ...analyses('+', 'green').map((line) => `    ${line}`),
        '    ~ manifests/dr/green-edge/gateway-alp-gateway-preview.yaml: Gateway alp-edge/alp-gateway-preview',
        '    ~ manifests/dr/green-edge/gateway-alp-gateway.yaml: Gateway alp-edge/alp-gateway',
        '',
        'by region and component:',
        '  dr/blue-edge       2 removed, 3 changed',
        '  dr/green-edge      2 added, 3 changed',
        '  helm/alp-dr-blue   1 changed file',
        '  helm/alp-dr-green  1 changed file',
        '',
        'changes:',
        ...analyses('-', 'blue').map((line) => `${line} [active colour]`),
        ...gateway('blue', 'alp-gateway-preview', '0', '100'),
        ...gateway('blue', 'alp-gateway', '100', '0'),
        '~ manifests/dr/blue-edge/prometheusrule-switch-rules.yaml: PrometheusRule alp-edge/switch-rules',
        '    spec.groups[switch.rules].rules[0].labels.color: blue -> green',
        ...analyses('+', 'green').map((line) => `${line} [active colour]`),
        ...gateway('green', 'alp-gateway-preview', '100', '0'),
        ...gateway('green', 'alp-gateway', '0', '100'),
        '~ manifests/dr/green-edge/prometheusrule-switch-rules.yaml: PrometheusRule alp-edge/switch-rules',
        '    spec.groups[switch.rules].rules[0].labels.color: blue -> green',
        ...['blue', 'green'].flatMap((colour) => {
          const lines = valuesLines(perColor, `alp-dr-${colour}`);
          return [`~ helm/alp-dr-${colour}/values.yaml: ${lines} -> ${lines} lines (+1 -1)`, '    activeColor: blue -> green'];
        }),
        '',
      ].join('\n'),
    });
  });

  test('fails with exit 2 when it cannot compare: no output directory, invalid inputs, bad options', () => {
    const missing = join(scratch, 'nowhere');
    expect(alpDiff(['--outdir', missing])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: alp diff: ${missing}/ does not exist; run 'alp synth' first, or compare with a commit (--base)\n`,
    });
    const release = releaseWith('bad.yaml', (r) => {
      delete r.colors.green.images['learning-engine'];
    });
    expect(alpDiff(['--release', release, '--outdir', outdir])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: invalid platform input (1 problem); nothing was written\n  - ${release}: 'colors.green.images[learning-engine]' (missing) is required: every service needs an image in both colours\n`,
    });
    expect(alpDiff(['--bsae', 'HEAD'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: alp diff: Unknown option '--bsae'; run 'alp help' for the options\n",
    });
  });
});

describe('alp diff --base |', () => {
  let repo: string;

  beforeAll(() => {
    // GIVEN a repository whose last commit holds release.yaml and dist/ (blue live: a copy of the
    // run's one synthesis), and a working tree in which traffic was switched to green in dr, not yet committed
    repo = GitOpsRepo.template().dir;
    const silence = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const skipped = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      switchTrafficCommand(
        ['--to', 'green', '--region', 'dr', '--release', join(repo, 'release.yaml'), '--outdir', join(repo, 'dist')],
        platformApp,
      );
    } finally {
      silence.mockRestore();
      skipped.mockRestore();
    }
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const alpDiff = (args: string[]) =>
    alpInProcess(['diff', '--release', join(repo, 'release.yaml'), '--outdir', join(repo, 'dist'), ...args]);

  test("compares with dist/ as committed, and shows the release state's change of active colour", () => {
    const dist = join(repo, 'dist');
    expect(alpDiff(['--base', 'HEAD'])).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        `alp diff: ${dist}/ at HEAD differs from a fresh synthesis: objects 0 added, 0 removed, 5 changed; other files 0 added, 0 removed, 1 changed`,
        '',
        'must not miss:',
        '  active colour: 4 objects and the release state',
        `    ${join(repo, 'release.yaml')}: regions.dr.activeColor: blue -> green`,
        '    helm/alp-dr/values.yaml: activeColor: blue -> green',
        '    ~ manifests/dr/edge/analysisrun-switch-gate.yaml: AnalysisRun alp-edge/switch-gate',
        '    ~ manifests/dr/edge/analysisrun-switch-watch.yaml: AnalysisRun alp-edge/switch-watch',
        '    ~ manifests/dr/edge/httproute-api-gateway-preview.yaml: HTTPRoute alp-edge/api-gateway-preview',
        '    ~ manifests/dr/edge/httproute-api-gateway.yaml: HTTPRoute alp-edge/api-gateway',
        '',
        'by region and component:',
        '  dr/edge      5 changed',
        '  helm/alp-dr  1 changed file',
        '',
        'changes:',
        ...['gate', 'watch'].flatMap((run) => [
          `~ manifests/dr/edge/analysisrun-switch-${run}.yaml: AnalysisRun alp-edge/switch-${run} [active colour]`,
          '    spec.args[color].value: blue -> green',
          '    spec.args[namespace].value: alp-blue -> alp-green',
        ]),
        '~ manifests/dr/edge/httproute-api-gateway-preview.yaml: HTTPRoute alp-edge/api-gateway-preview [active colour]',
        '    spec.rules[0].backendRefs[api-gateway].namespace: alp-green -> alp-blue',
        '~ manifests/dr/edge/httproute-api-gateway.yaml: HTTPRoute alp-edge/api-gateway [active colour]',
        '    spec.rules[0].backendRefs[api-gateway].namespace: alp-blue -> alp-green',
        '~ manifests/dr/edge/prometheusrule-switch-rules.yaml: PrometheusRule alp-edge/switch-rules',
        '    spec.groups[switch.rules].rules[0].labels.color: blue -> green',
        `~ helm/alp-dr/values.yaml: ${valuesLines(dist, 'alp-dr')} -> ${valuesLines(dist, 'alp-dr')} lines (+1 -1)`,
        '    activeColor: blue -> green',
        '',
      ].join('\n'),
    });
  });

  test("without --base, compares with the working tree's dist/, which the switch brought up to date", () => {
    expect(alpDiff([])).toMatchObject({ code: 0, stdout: expect.stringMatching(/ matches a fresh synthesis \(\d+ files\)\n$/) });
  });

  test('fails with exit 2 on an unknown revision', () => {
    expect(alpDiff(['--base', 'no-such-branch'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: alp diff: '--base' ("no-such-branch") must name a commit of ${realpathSync(repo)}; see 'git log'\n`,
    });
  });
});
