import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformApp, platformSpec } from '../../charts';
import { RenderedObject, writeTree } from '../../lib';
import { readTree } from '../../lib/output/files';
import { sharedSynthesis } from '../helpers/gitops-repo';
import { runHelm } from '../helpers/helm';
import { clone, clusterPerColorSpec, REPO_ROOT } from '../helpers/manifests';
import { PlatformAppDefinition, regionalMinReplicas, synthesize, validatePlatform } from '../../platform';

const DIST = join(__dirname, '..', '..', 'dist');
const chartDir = (region: string) => join(DIST, 'helm', `alp-${region}`);
const release = yaml.load(readFileSync(join(__dirname, '..', '..', 'release.yaml'), 'utf8')) as any;
const NEW_IMAGE = 'registry.alp.example.com/alp/api-gateway:2.15.0@sha256:1111111111111111111111111111111111111111111111111111111111111111';

type Objects = Map<string, any>;
const keyOf = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `helm template` of a region's chart with `--set` values; the parsed objects by kind/namespace/name. */
function template(region: string, ...set: string[]): Objects {
  return templateChart(chartDir(region), ...set);
}

/** The stdout of each `helm template` run so far, by its arguments: a chart's folder is never changed once rendered. */
const rendered = new Map<string, string>();

function templateChart(dir: string, ...set: string[]): Objects {
  const args = ['template', 'alp', dir, ...set.flatMap((s) => ['--set', s])];
  let stdout = rendered.get(JSON.stringify(args));
  if (stdout === undefined) {
    const result = runHelm(args);
    if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
    stdout = result.stdout;
    rendered.set(JSON.stringify(args), stdout);
  }
  const objects: Objects = new Map();
  for (const document of yaml.loadAll(stdout)) if (document) objects.set(keyOf(document), document);
  return objects;
}

/** A synthesis' manifests of one cluster (each region is one cluster unless there is a cluster per colour). */
function synthesized(objects: readonly RenderedObject[], cluster: string): Objects {
  return new Map(
    objects.filter((o) => o.cluster === cluster && o.path.startsWith('manifests/')).map((o) => [keyOf(o.manifest), o.manifest]),
  );
}

/** The committed dist/manifests/<region>/, parsed. */
function committed(region: string): Objects {
  const documents = [...readTree(join(DIST, 'manifests', region)).values()].map((text) => yaml.load(text));
  return new Map(documents.map((document) => [keyOf(document), document]));
}

/** The keys of objects that differ between two renders (added, removed or changed). */
function changed(a: Objects, b: Objects): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))).sort();
}

const withRelease = (change: (r: any) => void, definition: PlatformAppDefinition = platformApp) => {
  const copy = structuredClone(release);
  change(copy);
  return synthesize(definition, { release: copy }).objects;
};

describe('the Helm charts, checked with the real helm', () => {
  let defaults: Record<string, Objects>;
  beforeAll(() => {
    defaults = { primary: template('primary'), dr: template('dr') };
  });

  test.each(['primary', 'dr'])('helm lint --strict passes for alp-%s', (region) => {
    const result = runHelm(['lint', '--strict', chartDir(region)]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test.each(['primary', 'dr'])('with default values, alp-%s renders exactly the objects of dist/manifests/<region>/', (region) => {
    const manifests = committed(region);
    expect([...defaults[region].keys()].sort()).toEqual([...manifests.keys()].sort());
    for (const [key, object] of manifests) expect([key, defaults[region].get(key)]).toEqual([key, object]);
  });

  test("--set activeColor=green changes only the routes, the switch analyses and the switch alerts' live colour, exactly as a traffic switch does", () => {
    const green = template('primary', 'activeColor=green');
    expect(changed(defaults.primary, green)).toEqual([
      'AnalysisRun/alp-edge/switch-gate',
      'AnalysisRun/alp-edge/switch-watch',
      'HTTPRoute/alp-edge/api-gateway',
      'HTTPRoute/alp-edge/api-gateway-preview',
      'PrometheusRule/alp-edge/switch-rules',
    ]);
    expect(green.get('AnalysisRun/alp-edge/switch-gate').spec.args).toEqual([
      { name: 'color', value: 'green' },
      { name: 'namespace', value: 'alp-green' },
    ]);
    expect(green.get('HTTPRoute/alp-edge/api-gateway').spec.rules[0].backendRefs[0].namespace).toBe('alp-green');
    expect(green.get('HTTPRoute/alp-edge/api-gateway-preview').spec.rules[0].backendRefs[0].namespace).toBe('alp-blue');
    const switched = synthesized(
      withRelease((r) => (r.regions.primary.activeColor = 'green')),
      'alp-primary',
    );
    expect(changed(green, switched)).toEqual([]);
  });

  test("a colour's image renders as `alp stage` would put it: the Deployment's image and version label", () => {
    const staged = template('primary', `colors.green.images.api-gateway=${NEW_IMAGE}`);
    expect(changed(defaults.primary, staged)).toEqual(['Deployment/alp-green/api-gateway']);
    const deployment = staged.get('Deployment/alp-green/api-gateway');
    expect(deployment.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe('2.15.0');
    const viaStage = synthesized(
      withRelease((r) => (r.colors.green.images['api-gateway'] = NEW_IMAGE)),
      'alp-primary',
    );
    expect(changed(staged, viaStage)).toEqual([]);
  });

  test("a colour's autoscaling bounds set that colour's HPA, not the other's", () => {
    const scaled = template(
      'dr',
      'colors.blue.autoscaling.api-gateway.minReplicas=4',
      'colors.blue.autoscaling.api-gateway.maxReplicas=30',
    );
    expect(changed(defaults.dr, scaled)).toEqual(['HorizontalPodAutoscaler/alp-blue/api-gateway']);
    expect(scaled.get('HorizontalPodAutoscaler/alp-blue/api-gateway').spec).toMatchObject({ minReplicas: 4, maxReplicas: 30 });
    // The DR region's default is its warm-standby minimum: 50 % of the primary's 3, never below 2.
    expect(defaults.dr.get('HorizontalPodAutoscaler/alp-green/api-gateway').spec.minReplicas).toBe(2);
  });

  test('monitoring.enabled=false leaves out the monitoring objects and the PostgreSQL PodMonitor, nothing else', () => {
    const off = template('primary', 'monitoring.enabled=false');
    const removed = [...defaults.primary.keys()].filter((k) => !off.has(k));
    const kinds = new Set(removed.map((k) => k.split('/')[0]));
    expect([...kinds].sort()).toEqual(['AlertmanagerConfig', 'ConfigMap', 'Probe', 'PrometheusRule', 'ServiceMonitor']);
    expect(
      removed.filter((k) => k.startsWith('ConfigMap/')).every((k) => defaults.primary.get(k).metadata.labels.grafana_dashboard === '1'),
    ).toBe(true);
    expect(changed(new Map([...defaults.primary].filter(([k]) => off.has(k))), off)).toEqual(['Cluster/alp-data/postgres']);
    expect(off.get('Cluster/alp-data/postgres').spec.monitoring.enablePodMonitor).toBe(false);
  });

  test('mesh.enabled=false leaves out exactly the Istio objects', () => {
    const off = template('primary', 'mesh.enabled=false');
    const removed = [...defaults.primary.keys()].filter((k) => !off.has(k));
    const istioObjects = [...defaults.primary].filter(([, m]) => m.apiVersion.startsWith('security.istio.io/')).map(([k]) => k);
    expect(istioObjects.length).toBeGreaterThan(0);
    expect(removed.sort()).toEqual(istioObjects.sort());
    expect(changed(new Map([...defaults.primary].filter(([k]) => off.has(k))), off)).toEqual([]);
  });

  test('extraLabels go on every object and change nothing else', () => {
    const labelled = template('primary', 'extraLabels.team=learning', 'extraLabels.cost-center=edu-42');
    expect([...labelled.keys()].sort()).toEqual([...defaults.primary.keys()].sort());
    for (const [key, object] of labelled) {
      expect([key, object.metadata.labels.team, object.metadata.labels['cost-center']]).toEqual([key, 'learning', 'edu-42']);
      const { team: _team, 'cost-center': _costCenter, ...labels } = object.metadata.labels;
      expect({ ...object, metadata: { ...object.metadata, labels } }).toEqual(defaults.primary.get(key));
    }
  });

  test.each([
    ['an unknown colour', 'activeColor=purple', '- activeColor: activeColor must be one of the following: "blue", "green"'],
    ['an unknown value', 'replicaCount=3', '- (root): Additional property replicaCount is not allowed'],
    [
      'a label alp-deploy sets itself',
      'extraLabels.app\\.kubernetes\\.io/name=x',
      '- extraLabels: Property name of "app.kubernetes.io/name" does not match',
    ],
  ])('helm refuses %s with the schema error', (_, set, message) => {
    const result = runHelm(['template', 'alp-primary', chartDir('primary'), '--set', set]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("values don't meet the specifications of the schema(s) in the following chart(s):\nalp-primary:\n");
    expect(result.stderr).toContain(message);
  });

  test.each(['primary', 'dr'])("alp-%s's rendered output, piped into 'alp verify -', passes with zero errors", (region) => {
    // WHEN: helm template <chart> | alp verify - --format json (the repository's exceptions apply)
    const rendered = runHelm(['template', `alp-${region}`, chartDir(region)]);
    const verified = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'alp.js'), 'verify', '-', '--format', 'json'], {
      cwd: REPO_ROOT,
      input: rendered.stdout,
      encoding: 'utf8',
    });
    // THEN
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    const report = JSON.parse(verified.stdout);
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(report.counts.objects).toBe(defaults[region].size);
  });
});

/** The chart of each cluster of a synthesis, written to a temporary folder; `dispose` removes it. */
function freshCharts(definition: PlatformAppDefinition, releaseState: unknown = release) {
  const dir = mkdtempSync(join(tmpdir(), 'alp-helm-fresh-'));
  const output = synthesize(definition, { release: releaseState });
  writeTree(dir, new Map([...output.files].filter(([path]) => path.startsWith('helm/'))));
  return { dir, objects: output.objects, files: output.files, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The platform with analytics-service at a fixed replica count (no HPA) instead of autoscaling. */
function fixedReplicaSpec(replicas: number): any {
  const spec: any = clone(platformSpec);
  const analytics = spec.services.find((s: any) => s.name === 'analytics-service');
  delete analytics.autoscaling;
  analytics.replicas = replicas;
  return spec;
}

describe('the Helm charts of a fresh synthesis, checked with the real helm', () => {
  // The run's one synthesis of the platform (sharedSynthesis(): read, never changed)
  let charts: { dir: string; files: Map<string, string> };
  const primary = () => join(charts.dir, 'helm', 'alp-primary');
  beforeAll(() => {
    const { outdir } = sharedSynthesis();
    charts = { dir: outdir, files: readTree(outdir) };
  });

  test.each([
    [
      'minReplicas above maxReplicas',
      'colors.green.autoscaling.user-service.minReplicas=12',
      'colors.green.autoscaling.user-service.minReplicas (12) must not exceed colors.green.autoscaling.user-service.maxReplicas (10); lower minReplicas or raise maxReplicas',
    ],
    [
      "maxReplicas above the platform's limit",
      'colors.blue.autoscaling.user-service.maxReplicas=501',
      '- colors.blue.autoscaling.user-service.maxReplicas: Must be less than or equal to 500',
    ],
    [
      'minReplicas below 2',
      'colors.green.autoscaling.user-service.minReplicas=1',
      '- colors.green.autoscaling.user-service.minReplicas: Must be greater than or equal to 2',
    ],
    [
      'an image pinned by a tag alone',
      'colors.green.images.api-gateway=registry.alp.example.com/alp/api-gateway:2.15.0',
      "- colors.green.images.api-gateway: Does not match pattern '^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$'",
    ],
    [
      'an image tagged latest',
      'colors.blue.images.api-gateway=registry.alp.example.com/alp/api-gateway:latest',
      '- colors.blue.images.api-gateway: Does not match pattern',
    ],
    [
      'an image with neither tag nor digest',
      'colors.green.images.user-service=registry.alp.example.com/alp/user-service',
      '- colors.green.images.user-service: Does not match pattern',
    ],
  ])('helm refuses %s, naming the value and the rule', (_, set, message) => {
    const result = runHelm(['template', 'alp-primary', primary(), '--set', set]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  test("an image pinned by digest alone is accepted; its version label is the digest's start", () => {
    const image = `registry.alp.example.com/alp/api-gateway@sha256:${'ab'.repeat(32)}`;
    const rendered = templateChart(primary(), `colors.green.images.api-gateway=${image}`);
    expect(rendered.get('Deployment/alp-green/api-gateway').spec.template.spec.containers[0].image).toBe(image);
    expect(rendered.get('Deployment/alp-green/api-gateway').metadata.labels['app.kubernetes.io/version']).toBe('sha256-abababababab');
  });

  test('the values schema does not grow with the replica counts', () => {
    const spec: any = clone(platformSpec);
    spec.services[0].autoscaling.maxReplicas = 500;
    const big = synthesize({ ...platformApp, defaultSpec: spec }, { release }).files;
    const schema = 'helm/alp-primary/values.schema.json';
    expect(big.get(schema)).toBe(charts.files.get(schema));
    expect(big.get(schema)!.length).toBeLessThan(8000);
  });
});

describe('the Helm charts with a service at a fixed replica count', () => {
  const definition: PlatformAppDefinition = { ...platformApp, defaultSpec: fixedReplicaSpec(3) };
  let charts: ReturnType<typeof freshCharts>;
  const chart = (cluster: string) => join(charts.dir, 'helm', cluster);
  beforeAll(() => {
    charts = freshCharts(definition);
  });
  afterAll(() => charts.dispose());

  test.each(['alp-primary', 'alp-dr'])('helm lint --strict passes for %s', (cluster) => {
    const result = runHelm(['lint', '--strict', chart(cluster)]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test.each([
    ['alp-primary', 3],
    ['alp-dr', 2],
  ])('%s renders exactly its manifests: the Deployments at %d replicas, no HPA', (cluster, replicas) => {
    const rendered = templateChart(chart(cluster));
    expect(changed(rendered, synthesized(charts.objects, cluster))).toEqual([]);
    for (const color of ['blue', 'green']) {
      expect(rendered.get(`Deployment/alp-${color}/analytics-service`).spec.replicas).toBe(replicas);
      expect(rendered.has(`HorizontalPodAutoscaler/alp-${color}/analytics-service`)).toBe(false);
    }
    const values = yaml.load(charts.files.get(`helm/${cluster}/values.yaml`)!) as any;
    for (const color of ['blue', 'green']) {
      expect(values.colors[color].replicas).toEqual({ 'analytics-service': replicas });
      expect(Object.keys(values.colors[color].autoscaling)).not.toContain('analytics-service');
    }
  });

  test("colors.<colour>.replicas.<service> sets that colour's Deployment and nothing else", () => {
    const defaults = templateChart(chart('alp-primary'));
    const scaled = templateChart(chart('alp-primary'), 'colors.green.replicas.analytics-service=5');
    expect(changed(defaults, scaled)).toEqual(['Deployment/alp-green/analytics-service']);
    expect(scaled.get('Deployment/alp-green/analytics-service').spec.replicas).toBe(5);
  });

  test.each([
    [
      'below 2',
      'colors.green.replicas.analytics-service=1',
      '- colors.green.replicas.analytics-service: Must be greater than or equal to 2',
    ],
    [
      "above the platform's limit",
      'colors.blue.replicas.analytics-service=501',
      '- colors.blue.replicas.analytics-service: Must be less than or equal to 500',
    ],
    [
      'for a service with an HPA',
      'colors.green.replicas.user-service=3',
      '- colors.green.replicas: Additional property user-service is not allowed',
    ],
  ])('helm refuses a replica count %s', (_, set, message) => {
    const result = runHelm(['template', 'alp-primary', chart('alp-primary'), '--set', set]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  });
});

describe('the Helm charts with one cluster per colour', () => {
  const definition: PlatformAppDefinition = { ...platformApp, defaultSpec: clusterPerColorSpec() };
  const dir = mkdtempSync(join(tmpdir(), 'alp-helm-clusters-'));
  let objects: RenderedObject[];
  beforeAll(() => {
    const output = synthesize(definition, { release });
    objects = output.objects;
    writeTree(dir, new Map([...output.files].filter(([path]) => path.startsWith('helm/'))));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("one chart per cluster, each rendering exactly its cluster's manifests", () => {
    expect(readdirSync(join(dir, 'helm')).sort()).toEqual(['alp-dr-blue', 'alp-dr-green', 'alp-primary-blue', 'alp-primary-green']);
    for (const cluster of readdirSync(join(dir, 'helm'))) {
      expect(changed(templateChart(join(dir, 'helm', cluster)), synthesized(objects, cluster))).toEqual([]);
    }
  });

  test("--set activeColor=green moves the weighted DNS of both colour clusters' Gateways and the switch analyses to the live colour's cluster, as a switch does", () => {
    const switched = withRelease((r) => (r.regions.primary.activeColor = 'green'), definition);
    for (const cluster of ['alp-primary-blue', 'alp-primary-green']) {
      const blue = templateChart(join(dir, 'helm', cluster));
      const green = templateChart(join(dir, 'helm', cluster), 'activeColor=green');
      expect(changed(blue, green)).toEqual([
        'AnalysisRun/alp-edge/switch-gate',
        'AnalysisRun/alp-edge/switch-watch',
        'Gateway/alp-edge/alp-gateway',
        'Gateway/alp-edge/alp-gateway-preview',
        'PrometheusRule/alp-edge/switch-rules',
      ]);
      // The analyses run in the cluster whose colour is live: blue's with blue live, green's with green live.
      const live = cluster === 'alp-primary-green' ? green : blue;
      const standby = cluster === 'alp-primary-green' ? blue : green;
      expect(live.has('AnalysisRun/alp-edge/switch-gate')).toBe(true);
      expect(standby.has('AnalysisRun/alp-edge/switch-gate')).toBe(false);
      expect(changed(green, synthesized(switched, cluster))).toEqual([]);
    }
  });
});

describe('the Helm charts of a release that stages other replica bounds on green, checked with the real helm', () => {
  // GIVEN green staging user-service's HPA bounds (other ones in the DR region) and the replicas of a fixed-count analytics-service
  const staged = structuredClone(release);
  staged.colors.green.config = {
    'user-service': { autoscaling: { minReplicas: 4, maxReplicas: 12 } },
    'analytics-service': { replicas: 5 },
  };
  staged.regions.dr.colors = { green: { config: { 'user-service': { autoscaling: { minReplicas: 6, maxReplicas: 14 } } } } };
  const floor = { standby: { mode: 'floor', floorReplicas: 2, soakMinutes: 20 } };

  describe.each([
    ['both colours at full size', fixedReplicaSpec(3)],
    ['the idle colour at a floor', { ...fixedReplicaSpec(3), delivery: floor }],
  ])('with %s', (_, spec) => {
    const definition: PlatformAppDefinition = { ...platformApp, defaultSpec: spec };
    const model = validatePlatform(spec, staged);
    let charts: ReturnType<typeof freshCharts>;
    beforeAll(() => {
      charts = freshCharts(definition, staged);
    });
    afterAll(() => charts.dispose());

    test.each(['primary', 'dr'])("alp-%s's values hold each colour's own bounds, as the colour runs them when live", (region) => {
      const regionSpec = model.spec.regions.find((r) => r.name === region)!;
      const user = model.spec.services.find((s) => s.name === 'user-service')!.autoscaling!;
      const greenUser = region === 'dr' ? { minReplicas: 6, maxReplicas: 14 } : { minReplicas: 4, maxReplicas: 12 };
      const values = yaml.load(charts.files.get(`helm/alp-${region}/values.yaml`)!) as any;
      expect(values.colors.blue.autoscaling['user-service']).toEqual({
        minReplicas: regionalMinReplicas(user.minReplicas, regionSpec),
        maxReplicas: user.maxReplicas,
      });
      expect(values.colors.green.autoscaling['user-service']).toEqual({
        minReplicas: regionalMinReplicas(greenUser.minReplicas, regionSpec),
        maxReplicas: greenUser.maxReplicas,
      });
      expect(values.colors.blue.replicas['analytics-service']).toBe(regionalMinReplicas(3, regionSpec));
      expect(values.colors.green.replicas['analytics-service']).toBe(regionalMinReplicas(5, regionSpec));
    });

    test.each(['primary', 'dr'])(
      'alp-%s renders exactly its manifests with the default values, and with the other colour live the switch commit',
      (region) => {
        const cluster = `alp-${region}`;
        const dir = join(charts.dir, 'helm', cluster);
        expect([runHelm(['lint', '--strict', dir]).status]).toEqual([0]);
        expect(changed(templateChart(dir), synthesized(charts.objects, cluster))).toEqual([]);
        const switchedRelease = structuredClone(staged);
        switchedRelease.regions[region].activeColor = 'green';
        const switched = synthesize(definition, { release: switchedRelease }).objects;
        const green = templateChart(dir, 'activeColor=green');
        expect(changed(green, synthesized(switched, cluster))).toEqual([]);
        // green live runs its own staged bounds, not blue's
        expect(green.get('HorizontalPodAutoscaler/alp-green/user-service').spec.maxReplicas).toBe(region === 'dr' ? 14 : 12);
        expect(green.get('Deployment/alp-green/analytics-service').spec.replicas).toBe(
          regionalMinReplicas(
            5,
            model.spec.regions.find((r) => r.name === region)!,
          ),
        );
      },
    );

    test.each([
      ['green', 13, 12],
      ['blue', 11, 10],
    ])("helm refuses %s's minReplicas %d above that colour's maxReplicas %d, naming the colour's key path", (color, min, max) => {
      const result = runHelm([
        'template',
        'alp-primary',
        join(charts.dir, 'helm', 'alp-primary'),
        '--set',
        `colors.${color}.autoscaling.user-service.minReplicas=${min}`,
      ]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        `colors.${color}.autoscaling.user-service.minReplicas (${min}) must not exceed colors.${color}.autoscaling.user-service.maxReplicas (${max}); lower minReplicas or raise maxReplicas`,
      );
    });
  });
});
