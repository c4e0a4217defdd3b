import { platformApp, platformSpec } from '../../charts';
import { cpuMillis, formatBytes, formatCores, memoryKiB } from '../../lib/core/quantity';
import { podRequests, scaleUpSeconds, workloadCapacities } from '../../lib/policy/capacity';
import { regionalMinReplicas, synthesize, validatePlatform } from '../../platform';
import { clone, committedRelease } from '../helpers/manifests';

/** The cells of the report's table row that starts with `first` (the cells after the leading `|`). */
function row(report: string, ...first: string[]): string[] {
  // Spaces collapsed: an empty cell is `| |`.
  const prefix = `| ${first.join(' | ')} |`.replace(/ +/g, ' ');
  const line = report
    .split('\n')
    .map((l) => l.trim().replace(/ +/g, ' '))
    .find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no row ${prefix}`);
  return line
    .slice(1, -1)
    .split('|')
    .map((c) => c.trim())
    .slice(first.length);
}

interface Size {
  pods: number;
  cpu: number;
  memoryKiB: number;
}
const add = (a: Size, b: Size): Size => ({ pods: a.pods + b.pods, cpu: a.cpu + b.cpu, memoryKiB: a.memoryKiB + b.memoryKiB });
const ZERO: Size = { pods: 0, cpu: 0, memoryKiB: 0 };
const cells = (rest: Size, max: Size) => [
  String(rest.pods),
  formatCores(rest.cpu),
  formatBytes(rest.memoryKiB * 1024),
  String(max.pods),
  formatCores(max.cpu),
  formatBytes(max.memoryKiB * 1024),
];
/** The report's cells (pods, CPU, memory) back as a Size, for sums of rows the spec does not give. */
const parsed = (pods: string, cpu: string, memory: string): Size => {
  const [cores] = cpu.split(' ');
  const [value, unit] = memory.split(' ');
  const kib = { KiB: 1, MiB: 1024, GiB: 1024 * 1024, TiB: 1024 ** 3 }[unit]!;
  return { pods: Number(pods), cpu: Math.round(Number(cores) * 1000), memoryKiB: Number(value) * kib };
};

/** One colour's services in a region, from the spec: at rest (each at `minOf`) and at maximum. */
function colourSize(spec: any, region: any, minOf: (regionalMin: number, fixed: boolean) => number): { rest: Size; max: Size } {
  let rest = ZERO;
  let max = ZERO;
  for (const s of spec.services) {
    const fixed = s.autoscaling === undefined;
    const regional = regionalMinReplicas(fixed ? s.replicas : s.autoscaling.minReplicas, region);
    const [cpu, memory] = [cpuMillis(s.resources.requests.cpu), memoryKiB(s.resources.requests.memory)];
    const atRest = minOf(regional, fixed);
    const atMax = fixed ? regional : s.autoscaling.maxReplicas;
    rest = add(rest, { pods: atRest, cpu: cpu * atRest, memoryKiB: memory * atRest });
    max = add(max, { pods: atMax, cpu: cpu * atMax, memoryKiB: memory * atMax });
  }
  return { rest, max };
}

describe('reports/capacity.md', () => {
  const release = committedRelease();
  const output = synthesize(platformApp, { release });
  const report = output.files.get('reports/capacity.md')!;
  const spec = validatePlatform(platformSpec, release).spec;

  test.each(spec.regions.map((r) => [r.name, r] as const))(
    "each colour's services in %s: requests × HPA minReplicas at rest, × maxReplicas at maximum",
    (name, region) => {
      const { rest, max } = colourSize(spec, region, (min) => min);
      // Without the floor neither colour is named live: a switch leaves the report unchanged.
      expect(row(report, name, `alp-${name}`, 'blue')).toEqual(cells(rest, max));
      expect(row(report, name, `alp-${name}`, 'green')).toEqual(cells(rest, max));
    },
  );

  test.each(spec.regions.map((r) => [r.name] as const))(
    'the data stores in %s: the spec’s instances and replicas × their requests',
    (name) => {
      const { postgres, redis } = spec.data;
      const pod = (r: { cpu: string; memory: string }) => `${formatCores(cpuMillis(r.cpu))}, ${formatBytes(memoryKiB(r.memory) * 1024)}`;
      expect(row(report, name, `alp-${name}`, 'data', 'Cluster/postgres')).toEqual([
        pod(postgres.resources.requests),
        `${postgres.instances} (instances)`,
      ]);
      expect(row(report, name, `alp-${name}`, 'data', 'StatefulSet/redis')).toEqual([
        pod(redis.resources.requests),
        `${redis.replicas} (replicas)`,
      ]);
    },
  );

  test('without the floor a switch leaves the report as it is (a switch stays a routing-only commit)', () => {
    const switched = clone(release);
    for (const region of Object.values<any>(switched.regions)) region.activeColor = region.activeColor === 'blue' ? 'green' : 'blue';
    expect(synthesize(platformApp, { release: switched }).files.get('reports/capacity.md')).toBe(report);
  });

  test('each region total is its sets, and the overall total the regions', () => {
    let overallRest = ZERO;
    let overallMax = ZERO;
    for (const region of spec.regions) {
      const sets = ['blue', 'green', 'data', 'monitoring'].map((set) => row(report, region.name, `alp-${region.name}`, set));
      const rest = sets.reduce((sum, c) => add(sum, parsed(c[0], c[1], c[2])), ZERO);
      const max = sets.reduce((sum, c) => add(sum, parsed(c[3], c[4], c[5])), ZERO);
      expect(row(report, region.name, '', '**total**')).toEqual(cells(rest, max));
      expect(row(report, region.name)).toEqual(cells(rest, max));
      overallRest = add(overallRest, rest);
      overallMax = add(overallMax, max);
    }
    expect(row(report, '**all regions**')).toEqual(cells(overallRest, overallMax));
  });

  test('says what it leaves out: DaemonSets per node, CronJobs, the Gateways’ own pods', () => {
    expect(row(report, 'primary', 'alp-primary', 'logging', 'DaemonSet/fluent-bit')).toEqual(['0.05 cores, 64 MiB']);
    expect(report).toContain('CronJob/restore-drill (data)');
    expect(report).toContain("the Gateways' own Deployments are made by the controller of GatewayClass `istio`");
    expect(report).toContain('The idle colour of each region runs at full size (`delivery.standby.mode: full`)');
  });

  test('with the idle colour at a floor: its HPAs at the floor, the saving and the rollback window stated', () => {
    const floored: any = clone(platformSpec);
    floored.delivery = { standby: { mode: 'floor', floorReplicas: 2, soakMinutes: 20 } };
    const text = synthesize({ ...platformApp, defaultSpec: floored }, { release }).files.get('reports/capacity.md')!;
    const parsedSpec = validatePlatform(floored, release).spec;
    let saved = ZERO;
    for (const region of parsedSpec.regions) {
      const full = colourSize(parsedSpec, region, (min) => min);
      const atFloor = colourSize(parsedSpec, region, (min, fixed) => (fixed ? min : Math.min(2, min)));
      expect(row(text, region.name, `alp-${region.name}`, 'green (idle, at the floor)')).toEqual(cells(atFloor.rest, atFloor.max));
      expect(row(text, region.name, `alp-${region.name}`, 'blue (live)')).toEqual(cells(full.rest, full.max));
      saved = add(saved, {
        pods: full.rest.pods - atFloor.rest.pods,
        cpu: full.rest.cpu - atFloor.rest.cpu,
        memoryKiB: full.rest.memoryKiB - atFloor.rest.memoryKiB,
      });
    }
    expect(text).toContain(
      `**Saving at rest: ${saved.pods} pods, ${formatCores(saved.cpu)}, ${formatBytes(saved.memoryKiB * 1024)} requested**`,
    );
    expect(text).toContain('**Rollback window at full capacity: 20 minutes.**');
    expect(text).toContain('then falls to the floor (at most 10 % of its pods per 60 s)');
    // api-gateway from its floor: the larger of +100 % and +4 pods a minute, 2 → 6 → 12 → 20.
    expect(row(text, 'primary', 'green', 'api-gateway')).toEqual(['2', '3 (60 s)', '20 (180 s)']);
  });
});

describe('requested capacity of manifests (lib/policy/capacity)', () => {
  const container = (cpu: string, memory: string, extra: object = {}) => ({ resources: { requests: { cpu, memory } }, ...extra });

  test('a pod requests its containers and sidecars, or its largest init container (plus earlier sidecars) where that is more', () => {
    const pod = {
      initContainers: [container('100m', '1Gi'), container('50m', '64Mi', { restartPolicy: 'Always' }), container('2', '128Mi')],
      containers: [container('0.5', '256M'), container('250m', '0.5Gi')],
      overhead: { cpu: '10m', memory: '1Ki' },
    };
    // CPU: the init container's 2 + the sidecar's 0.05 beats 0.5 + 0.25 + 0.05; memory: 1Gi beats 256M + 0.5Gi + 64Mi.
    expect(podRequests(pod)).toEqual({ cpuMillis: 2050 + 10, memoryBytes: 2 ** 30 + 1024 });
  });

  test('Deployments at their HPA bounds or replicas, CNPG instances, DaemonSets per node, CronJobs left out', () => {
    const deployment = (name: string, replicas?: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'shop' },
      spec: { replicas, template: { spec: { containers: [container('1', '1Gi')] } } },
    });
    const scan = workloadCapacities([
      deployment('api'),
      deployment('worker', 3),
      {
        kind: 'HorizontalPodAutoscaler',
        metadata: { namespace: 'shop' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 9 },
      },
      {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name: 'pg' },
        spec: { instances: 3, resources: { requests: { cpu: '1.5', memory: '2G' } } },
      },
      { kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { template: { spec: { containers: [container('20m', '32Mi')] } } } },
      { kind: 'CronJob', metadata: { name: 'purge' } },
    ]);
    expect(scan.workloads.map((w) => [w.name, w.minReplicas, w.maxReplicas, w.source, w.pod.cpuMillis, w.pod.memoryBytes])).toEqual([
      ['api', 2, 9, 'HPA 2–9', 1000, 2 ** 30],
      ['worker', 3, 3, 'replicas', 1000, 2 ** 30],
      ['pg', 3, 3, 'instances', 1500, 2e9],
    ]);
    expect(scan.perNode.map((w) => w.name)).toEqual(['agent']);
    expect(scan.notCounted).toEqual(['CronJob/purge']);
  });

  test("an HPA's least time to grow follows its scale-up policies, and Kubernetes' default without them", () => {
    const hpa = (selectPolicy: string) => ({
      spec: {
        behavior: {
          scaleUp: {
            selectPolicy,
            policies: [
              { type: 'Percent', value: 100, periodSeconds: 60 },
              { type: 'Pods', value: 4, periodSeconds: 60 },
            ],
          },
        },
      },
    });
    expect(scaleUpSeconds(hpa('Max'), 2, 20)).toBe(180); // 2 → 6 → 12 → 24
    expect(scaleUpSeconds(hpa('Min'), 2, 20)).toBe(300); // 2 → 4 → 8 → 12 → 16 → 20
    expect(scaleUpSeconds(hpa('Disabled'), 2, 3)).toBe(Infinity);
    expect(scaleUpSeconds({ spec: {} }, 2, 20)).toBe(45); // 15 s steps: 2 → 6 → 12 → 24
    expect(scaleUpSeconds(hpa('Max'), 5, 5)).toBe(0);
  });
});
