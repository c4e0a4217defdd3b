/**
 * Requested capacity of rendered workloads: what the scheduler reserves for their pods, at the
 * fewest and the most replicas they run, and how fast an HPA can grow them. Read from plain
 * manifests (Kubernetes JSON), like verification, so it judges what is deployed, not what a
 * spec meant.
 */
import { quantityBytes, quantityMillis } from '../core/quantity';

/** CPU and memory, as integers. */
export interface ResourceAmount {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

export const NO_RESOURCES: ResourceAmount = { cpuMillis: 0, memoryBytes: 0 };

/** The sum of two amounts. */
export function addAmounts(a: ResourceAmount, b: ResourceAmount): ResourceAmount {
  return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes };
}

/** An amount `times` over. */
export function scaleAmount(a: ResourceAmount, times: number): ResourceAmount {
  return { cpuMillis: a.cpuMillis * times, memoryBytes: a.memoryBytes * times };
}

const maxAmount = (a: ResourceAmount, b: ResourceAmount): ResourceAmount => ({
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
});

/** A container's (or a CNPG Cluster's) `resources.requests` of CPU and memory; a missing one is 0. */
export function requestsOf(resources: { requests?: Record<string, string | number> } | undefined): ResourceAmount {
  const requests = resources?.requests ?? {};
  return {
    cpuMillis: requests.cpu === undefined ? 0 : quantityMillis(String(requests.cpu)),
    memoryBytes: requests.memory === undefined ? 0 : quantityBytes(String(requests.memory)),
  };
}

/**
 * What the scheduler reserves for one pod of a pod spec, as Kubernetes computes it: the larger of
 * (the app containers plus the sidecars, init containers with `restartPolicy: Always`) and each
 * other init container plus the sidecars started before it, per resource; plus `overhead`.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#resource-sharing-within-containers
 */
export function podRequests(podSpec: any): ResourceAmount {
  let sidecars = NO_RESOURCES;
  let initPeak = NO_RESOURCES;
  for (const init of podSpec?.initContainers ?? []) {
    const own = requestsOf(init.resources);
    if (init.restartPolicy === 'Always') sidecars = addAmounts(sidecars, own);
    else initPeak = maxAmount(initPeak, addAmounts(own, sidecars));
  }
  const running = (podSpec?.containers ?? []).reduce((sum: ResourceAmount, c: any) => addAmounts(sum, requestsOf(c.resources)), sidecars);
  const overhead = requestsOf({ requests: podSpec?.overhead });
  return addAmounts(maxAmount(running, initPeak), overhead);
}

/** One workload's pods: their requests and how many of them run. */
export interface WorkloadCapacity {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The requests of one pod. */
  readonly pod: ResourceAmount;
  /** Pods at rest: the HPA's minReplicas, else the fixed count. */
  readonly minReplicas: number;
  /** Pods at most: the HPA's maxReplicas, else the fixed count. */
  readonly maxReplicas: number;
  /** Where the count comes from, e.g. `HPA 3–20`, `replicas`, `instances`. */
  readonly source: string;
}

/** What `workloadCapacities` counts and what it leaves out. */
export interface CapacityScan {
  readonly workloads: WorkloadCapacity[];
  /** DaemonSets: one pod per node, counted per node. */
  readonly perNode: WorkloadCapacity[];
  /** Workloads whose pods run only for a while (CronJobs, Jobs), as `<kind>/<name>`. */
  readonly notCounted: string[];
}

const key = (namespace: string | undefined, kind: string, name: string) => `${namespace ?? ''}/${kind}/${name}`;

/**
 * The requested capacity of every long-running workload among `manifests`: Deployments and
 * StatefulSets (replicas, or their HPA's bounds), CloudNativePG Clusters (`instances` ×
 * `resources`) and Poolers (`instances` × the pod template), DaemonSets per node.
 */
export function workloadCapacities(manifests: readonly any[]): CapacityScan {
  const hpas = new Map<string, any>();
  for (const m of manifests) {
    if (m.kind !== 'HorizontalPodAutoscaler') continue;
    const target = m.spec?.scaleTargetRef ?? {};
    hpas.set(key(m.metadata?.namespace, target.kind, target.name), m);
  }
  const scan: CapacityScan = { workloads: [], perNode: [], notCounted: [] };
  for (const m of manifests) {
    const base = { kind: m.kind, namespace: m.metadata?.namespace, name: m.metadata?.name };
    const cnpg = String(m.apiVersion).startsWith('postgresql.cnpg.io/');
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet') {
      const hpa = hpas.get(key(base.namespace, m.kind, base.name));
      const pod = podRequests(m.spec?.template?.spec);
      if (hpa) {
        const [min, max] = [hpa.spec.minReplicas ?? 1, hpa.spec.maxReplicas];
        scan.workloads.push({ ...base, pod, minReplicas: min, maxReplicas: max, source: `HPA ${min}–${max}` });
      } else {
        const replicas = m.spec?.replicas ?? 1;
        scan.workloads.push({ ...base, pod, minReplicas: replicas, maxReplicas: replicas, source: 'replicas' });
      }
    } else if (cnpg && (m.kind === 'Cluster' || m.kind === 'Pooler')) {
      const pod = m.kind === 'Cluster' ? requestsOf(m.spec?.resources) : podRequests(m.spec?.template?.spec);
      const instances = m.spec?.instances ?? 1;
      scan.workloads.push({ ...base, pod, minReplicas: instances, maxReplicas: instances, source: 'instances' });
    } else if (m.kind === 'DaemonSet') {
      scan.perNode.push({ ...base, pod: podRequests(m.spec?.template?.spec), minReplicas: 1, maxReplicas: 1, source: 'per node' });
    } else if (m.kind === 'CronJob' || m.kind === 'Job') {
      scan.notCounted.push(`${m.kind}/${base.name}`);
    }
  }
  return scan;
}

/** The Kubernetes default scale-up when an HPA sets no behavior: 100 % or 4 pods per 15 s, whichever is more. */
const DEFAULT_SCALE_UP = {
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};

/**
 * Seconds an HPA (a manifest) needs at least to go from `from` to `to` replicas when every step
 * is as large as its scale-up policies allow (Percent rounds up, as the controller does). The
 * policies' longest period counts as each step's length; pod start-up and readiness come on top.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#scaling-policies
 */
export function scaleUpSeconds(hpa: any, from: number, to: number): number {
  const rules = hpa?.spec?.behavior?.scaleUp ?? DEFAULT_SCALE_UP;
  const policies: { type: string; value: number; periodSeconds: number }[] = rules.policies ?? DEFAULT_SCALE_UP.policies;
  if (rules.selectPolicy === 'Disabled' || policies.length === 0) return to > from ? Infinity : 0;
  const period = Math.max(...policies.map((p) => p.periodSeconds));
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let replicas = Math.max(from, 1);
  let seconds = 0;
  while (replicas < to) {
    const proposals = policies.map((p) => (p.type === 'Pods' ? replicas + p.value : Math.ceil(replicas * (1 + p.value / 100))));
    const next = pick(...proposals);
    if (next <= replicas) return Infinity;
    replicas = next;
    seconds += period;
  }
  return seconds;
}
