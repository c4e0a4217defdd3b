import { Color, RenderedObject } from '../lib';
import { formatBytes, formatCores } from '../lib/core/quantity';
import {
  addAmounts,
  CapacityScan,
  NO_RESOURCES,
  ResourceAmount,
  scaleAmount,
  WorkloadCapacity,
  workloadCapacities,
  scaleUpSeconds,
} from '../lib/policy/capacity';
import { ClusterPlacement, clusterPlacements, PlatformModel, SharedComponent } from '../platform';

/** A rendered object's Kubernetes JSON (untyped: any kind of object). */
type Manifest = RenderedObject['manifest'];

/** The shared components, in the report's order. */
const SHARED: readonly SharedComponent[] = ['data', 'monitoring', 'edge', 'logging', 'platform'];

/** Pods and requests at rest and at maximum. */
interface Sizes {
  readonly restPods: number;
  readonly rest: ResourceAmount;
  readonly maxPods: number;
  readonly max: ResourceAmount;
}

const NO_SIZES: Sizes = { restPods: 0, rest: NO_RESOURCES, maxPods: 0, max: NO_RESOURCES };

const addSizes = (a: Sizes, b: Sizes): Sizes => ({
  restPods: a.restPods + b.restPods,
  rest: addAmounts(a.rest, b.rest),
  maxPods: a.maxPods + b.maxPods,
  max: addAmounts(a.max, b.max),
});

function sizesOf(workloads: readonly WorkloadCapacity[]): Sizes {
  return workloads.reduce(
    (sum, w) =>
      addSizes(sum, {
        restPods: w.minReplicas,
        rest: scaleAmount(w.pod, w.minReplicas),
        maxPods: w.maxReplicas,
        max: scaleAmount(w.pod, w.maxReplicas),
      }),
    NO_SIZES,
  );
}

/** One set (a colour or a shared component) of one cluster, scanned. */
interface SetScan {
  readonly placement: ClusterPlacement;
  /** The colour, for a colour set. */
  readonly color?: Color;
  /** The shared component, for a shared set. */
  readonly shared?: SharedComponent;
  /** Whether the set is the colour live in its region. */
  readonly live: boolean;
  readonly label: string;
  readonly scan: CapacityScan;
  readonly sizes: Sizes;
  /** Every HPA of the set, by the name of the Deployment it scales. */
  readonly hpas: Map<string, Manifest>;
}

const amount = (a: ResourceAmount) => `${formatCores(a.cpuMillis)}, ${formatBytes(a.memoryBytes)}`;
const sizeCells = (s: Sizes) =>
  `${s.restPods} | ${formatCores(s.rest.cpuMillis)} | ${formatBytes(s.rest.memoryBytes)} | ${s.maxPods} | ${formatCores(s.max.cpuMillis)} | ${formatBytes(s.max.memoryBytes)}`;
const SIZE_HEADER = 'Pods at rest | CPU at rest | Memory at rest | Pods at maximum | CPU at maximum | Memory at maximum';
const SIZE_ALIGN = '---:|---:|---:|---:|---:|---:';

/** Every set of every cluster, colours first, with its workloads scanned from the synthesized manifests. */
function scanSets(objects: readonly RenderedObject[], model: PlatformModel): SetScan[] {
  const floor = model.spec.delivery.standby.mode === 'floor';
  return clusterPlacements(model.spec).flatMap((placement) => {
    const live = model.release.regions[placement.region.name].activeColor;
    const sets = [
      ...placement.colors.map((color) => ({
        color,
        component: color as string,
        // Without the floor both colours are the same size: the report names neither live, so a switch leaves it unchanged.
        label: !floor ? color : color === live ? `${color} (live)` : `${color} (idle, at the floor)`,
      })),
      ...SHARED.map((shared) => ({ shared, component: placement.componentOf(shared), label: shared })),
    ];
    return sets.map((set) => {
      const manifests = objects
        .filter((o) => o.cluster === placement.cluster.name && o.component === set.component && o.path.startsWith('manifests/'))
        .map((o) => o.manifest);
      const scan = workloadCapacities(manifests);
      const hpas = new Map(manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => [m.spec.scaleTargetRef.name, m]));
      return {
        placement,
        color: 'color' in set ? set.color : undefined,
        shared: 'shared' in set ? set.shared : undefined,
        live: 'color' in set && set.color === live,
        label: set.label,
        scan,
        sizes: sizesOf(scan.workloads),
        hpas,
      };
    });
  });
}

/**
 * `reports/capacity.md`: the CPU and memory the platform's workloads request, per region,
 * cluster and set (each colour, each shared component), at rest and at maximum, with totals:
 * the numbers of the monthly cost review. Computed from the synthesized objects.
 */
export function capacityReport(objects: readonly RenderedObject[], model: PlatformModel): string {
  const sets = scanSets(objects, model);
  const regions = [...new Set(sets.map((s) => s.placement.region.name))];
  const regionSizes = (region: string) =>
    sets.filter((s) => s.placement.region.name === region).reduce((sum, s) => addSizes(sum, s.sizes), NO_SIZES);
  const total = regions.reduce((sum, r) => addSizes(sum, regionSizes(r)), NO_SIZES);
  return [
    '# Capacity: requested CPU and memory',
    '',
    "What the platform's workloads request from the scheduler (CPU and memory **requests**, not limits), computed from the objects of this synth, for the monthly cost review.",
    'A pod requests what its containers and sidecars request, or what its largest init container does where that is more (as the scheduler counts).',
    "**At rest** every workload runs its fewest pods: its HorizontalPodAutoscaler's `minReplicas` (the colours' services, as rendered), else its fixed count (`replicas`, a CloudNativePG `instances`).",
    "**At maximum** the HPAs run `maxReplicas`. Counted: the colour sets' services and the shared components' Deployments, StatefulSets and CloudNativePG Clusters and Poolers.",
    '',
    '## Totals',
    '',
    `| Region | ${SIZE_HEADER} |`,
    `|---|${SIZE_ALIGN}|`,
    ...regions.map((r) => `| ${r} | ${sizeCells(regionSizes(r))} |`),
    `| **all regions** | ${sizeCells(total)} |`,
    '',
    ...perNodeLines(sets),
    '## Per region, cluster and set',
    '',
    `| Region | Cluster | Set | ${SIZE_HEADER} |`,
    `|---|---|---|${SIZE_ALIGN}|`,
    ...regions.flatMap((r) => [
      ...sets
        .filter((s) => s.placement.region.name === r && s.scan.workloads.length > 0)
        .map((s) => `| ${r} | ${s.placement.cluster.name} | ${s.label} | ${sizeCells(s.sizes)} |`),
      `| ${r} | | **total** | ${sizeCells(regionSizes(r))} |`,
    ]),
    '',
    ...serviceLines(
      sets,
      model.spec.services.map((s) => s.name),
    ),
    ...sharedLines(sets),
    ...notCountedLines(sets, model.spec.edge.gatewayClassName),
    ...standbyLines(sets, model, regions),
  ]
    .join('\n')
    .replace(/\n*$/, '\n');
}

/** The DaemonSets, per node: not in the totals, which do not know the node count. */
function perNodeLines(sets: readonly SetScan[]): string[] {
  const rows = sets.flatMap((s) =>
    s.scan.perNode.map(
      (w) => `| ${s.placement.region.name} | ${s.placement.cluster.name} | ${s.label} | ${w.kind}/${w.name} | ${amount(w.pod)} |`,
    ),
  );
  if (rows.length === 0) return [];
  return [
    'On top of the totals, per node of each cluster (DaemonSets run one pod on every node; the totals do not know the node count):',
    '',
    '| Region | Cluster | Set | Workload | Requests per node |',
    '|---|---|---|---|---:|',
    ...rows,
    '',
  ];
}

/** Each service of the colour sets: its pod's requests and its pods per region and colour. */
function serviceLines(sets: readonly SetScan[], specOrder: readonly string[]): string[] {
  const colorSets = sets.filter((s) => s.color);
  const rendered = new Set(colorSets.flatMap((s) => s.scan.workloads.map((w) => w.name)));
  const names = [...specOrder.filter((n) => rendered.has(n)), ...[...rendered].filter((n) => !specOrder.includes(n))];
  const columns = colorSets.map((s) => `${s.placement.region.name} ${s.label}`);
  const rows = names.map((name) => {
    const found = colorSets.map((s) => s.scan.workloads.find((w) => w.name === name));
    const pod = found.find((w) => w)!.pod;
    const cells = found.map((w) =>
      w ? (w.minReplicas === w.maxReplicas ? `${w.minReplicas}` : `${w.minReplicas}–${w.maxReplicas}`) : '–',
    );
    return `| ${name} | ${formatCores(pod.cpuMillis)} | ${formatBytes(pod.memoryBytes)} | ${cells.join(' | ')} |`;
  });
  return [
    "## The colour sets' services",
    '',
    'Requests per pod, and pods at rest–at maximum in each region and colour.',
    '',
    `| Service | CPU per pod | Memory per pod | ${columns.join(' | ')} |`,
    `|---|---:|---:|${columns.map(() => '---:').join('|')}|`,
    ...rows,
    '',
  ];
}

/** The shared components' workloads, each with its pod's requests and its pods. */
function sharedLines(sets: readonly SetScan[]): string[] {
  const rows = sets
    .filter((s) => s.shared)
    .flatMap((s) =>
      s.scan.workloads.map(
        (w) =>
          `| ${s.placement.region.name} | ${s.placement.cluster.name} | ${s.label} | ${w.kind}/${w.name} | ${amount(w.pod)} | ${w.minReplicas} (${w.source}) |`,
      ),
    );
  return [
    '## Shared components',
    '',
    '| Region | Cluster | Set | Workload | Requests per pod | Pods |',
    '|---|---|---|---|---:|---:|',
    ...rows,
    '',
  ];
}

/** What the totals leave out: short-lived pods, and sets whose pods no rendered object describes. */
function notCountedLines(sets: readonly SetScan[], gatewayClass: string): string[] {
  const jobs = [...new Set(sets.flatMap((s) => s.scan.notCounted.map((w) => `${w} (${s.label})`)))].sort();
  const empty = [...new Set(sets.filter((s) => s.scan.workloads.length === 0 && s.scan.perNode.length === 0).map((s) => s.label))];
  return [
    '## Not counted',
    '',
    ...(jobs.length > 0 ? [`- Pods that run for a while and end (in every cluster): ${jobs.join(', ')}.`] : []),
    ...(empty.includes('edge')
      ? [
          `- edge: the Gateways' own Deployments are made by the controller of GatewayClass \`${gatewayClass}\` from the Gateways; their requests are the controller's defaults, not in the rendered objects.`,
        ]
      : []),
    ...(empty.filter((e) => e !== 'edge').length > 0 ? [`- ${empty.filter((e) => e !== 'edge').join(', ')}: no pods.`] : []),
    '- Limits, storage (PersistentVolumes), and the cluster add-ons the platform expects (cluster-prerequisites.md).',
    '',
  ];
}

/** The idle colours' share at rest, and with `delivery.standby.mode: floor` the trade-off in numbers. */
function standbyLines(sets: readonly SetScan[], model: PlatformModel, regions: readonly string[]): string[] {
  const standby = model.spec.delivery.standby;
  const idle = sets.filter((s) => s.color && !s.live);
  const liveOf = (s: SetScan) => sets.find((l) => l.live && l.placement.region.name === s.placement.region.name)!;
  const idleRest = idle.reduce((sum, s) => addSizes(sum, s.sizes), NO_SIZES);
  if (standby.mode === 'full') {
    return [
      '## Standby',
      '',
      `The idle colour of each region runs at full size (\`delivery.standby.mode: full\`): ${idleRest.restPods} pods and ${amount(idleRest.rest)} of the totals at rest. See README.md, "Cheaper standby", for the floor.`,
      '',
    ];
  }
  const saving = idle.reduce(
    (sum, s) => ({
      pods: sum.pods + liveOf(s).sizes.restPods - s.sizes.restPods,
      rest: addAmounts(sum.rest, subtract(liveOf(s).sizes.rest, s.sizes.rest)),
    }),
    { pods: 0, rest: NO_RESOURCES },
  );
  return [
    '## Cheaper standby: the trade-off',
    '',
    `\`delivery.standby.mode: floor\`: each region's idle colour keeps its HPAs at \`minReplicas\` ${standby.floorReplicas} (or the service's own minimum, where lower) with a scale-down stabilization window of ${standby.soakMinutes} minutes; services with a fixed \`replicas\` keep it. Regions: ${regions.join(', ')}.`,
    '',
    `- **Rollback window at full capacity: ${standby.soakMinutes} minutes.** The HPA keeps the highest recommendation of its window, so after a switch the old colour keeps the size its live load called for, for ${standby.soakMinutes} minutes, then falls to the floor (${scaleDownPace(idle)}). The HPA controller keeps that history in memory: a restart of kube-controller-manager ends the window early.`,
    `- **A rollback after it** makes a colour live that runs at the floor: the rollback commit raises its \`minReplicas\` back (a pre-switch gate that waits for available replicas holds the traffic until they are), then its HPA grows it under load at most as fast as its scale-up policy allows, pod start-up on top:`,
    ...scaleUpLines(idle, liveOf),
    `- **Saving at rest: ${saving.pods} pods, ${amount(saving.rest)} requested** (the idle colours at the floor against at full size): ${amount(idleRest.rest)} instead of ${amount(addAmounts(idleRest.rest, saving.rest))}.`,
    '',
  ];
}

/** How fast the idle HPAs scale down, from their rendered policies: "at most 10 % of its pods per 60 s". */
function scaleDownPace(idle: readonly SetScan[]): string {
  const policies: { type: string; value: number; periodSeconds: number }[] =
    idle.flatMap((s) => [...s.hpas.values()])[0]?.spec.behavior?.scaleDown?.policies ?? [];
  const described = policies.map((p) => `${p.value}${p.type === 'Percent' ? ' % of its pods' : ' pods'} per ${p.periodSeconds} s`);
  return described.length > 0 ? `at most ${described.join(' or ')}` : 'as the default scale-down policy allows';
}

const subtract = (a: ResourceAmount, b: ResourceAmount): ResourceAmount => ({
  cpuMillis: a.cpuMillis - b.cpuMillis,
  memoryBytes: a.memoryBytes - b.memoryBytes,
});

/** Per idle HPA: its floor, the live colour's minimum and its maximum, and the least time to grow from the floor to each. */
function scaleUpLines(idle: readonly SetScan[], liveOf: (s: SetScan) => SetScan): string[] {
  const rows = idle.flatMap((s) =>
    [...s.hpas.values()].map((hpa) => {
      const service = hpa.spec.scaleTargetRef.name;
      const liveMin = liveOf(s).hpas.get(service)?.spec.minReplicas ?? hpa.spec.minReplicas;
      const [floor, max] = [hpa.spec.minReplicas, hpa.spec.maxReplicas];
      return `  | ${s.placement.region.name} | ${s.color} | ${service} | ${floor} | ${liveMin} (${scaleUpSeconds(hpa, floor, liveMin)} s) | ${max} (${scaleUpSeconds(hpa, floor, max)} s) |`;
    }),
  );
  return [
    '',
    '  | Region | Idle colour | Service | Floor | Live minimum (time from the floor) | Maximum (time from the floor) |',
    '  |---|---|---|---:|---:|---:|',
    ...rows,
    '',
  ];
}
