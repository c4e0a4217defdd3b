/**
 * Workload hygiene: resources, probes, images pinned by digest, a read-only root filesystem, no
 * shared process namespace, replicas, disruption budgets, spreading and priority. Host namespaces, paths and ports are Pod Security Standards baseline controls
 * (PSS-BASELINE-HOST-NAMESPACES, -HOST-PATH, -HOST-PORTS).
 */
import { isPlainObject, parseImage, unpinnedReason } from '../../core';
import { ManifestObject, PolicyRule, RuleInfo, statement, violation } from '../findings';
import { ALL_CONTAINER_FIELDS, containersOf, PodTemplate, PolicyContext } from './_context';
import { inputRule, perContainerRule, perPodRule, Report } from './_rule';
import { asArray, labelSelectorMatches } from './_selectors';

const RESOURCE_FIELDS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;
const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'] as const;
const SPREAD_KEYS = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'];
const SYSTEM_PRIORITY_CLASSES = ['system-cluster-critical', 'system-node-critical'];

/** The containers of a pod spec that run for the pod's lifetime or before it: init and regular. */
const INIT_AND_REGULAR_CONTAINERS = ['initContainers', 'containers'];

/** A rule that judges the image of every container (ephemeral ones too); `path` is that of its `image` field. */
function perImageRule(info: RuleInfo, judge: (image: unknown, path: string, report: Report) => void): PolicyRule {
  return perContainerRule(info, ALL_CONTAINER_FIELDS, (container, path, report) => judge(container?.image, `${path}.image`, report));
}

export const WORKLOAD_RESOURCES = perContainerRule(
  {
    id: 'WORKLOAD-RESOURCES',
    severity: 'error',
    title: 'Containers set CPU and memory requests and limits',
    rationale: 'Without requests the scheduler overcommits nodes; without limits one container can starve its neighbours.',
    source: 'NSA/CISA Kubernetes Hardening Guide, "Resource policies"',
    fix: "Set 'resources.requests' and 'resources.limits' for cpu and memory on every container and init container.",
  },
  INIT_AND_REGULAR_CONTAINERS,
  (container, path, report) => {
    const resources = isPlainObject(container?.resources) ? container.resources : {};
    const missing = RESOURCE_FIELDS.filter((field) => {
      const [group, name] = field.split('.');
      const value = resources[group]?.[name];
      return value === undefined || value === null || value === '';
    });
    if (missing.length > 0) {
      report(
        violation(`${path}.resources`, container?.resources, `must set ${RESOURCE_FIELDS.join(', ')}`, `missing ${missing.join(', ')}`),
      );
    }
  },
);

export const WORKLOAD_PROBES = perPodRule(
  {
    id: 'WORKLOAD-PROBES',
    severity: 'error',
    title: 'Long-running containers have readiness, liveness and startup probes',
    rationale: 'Without probes, traffic reaches pods that are not ready, hung pods are never restarted, and slow starts are killed.',
    source: 'Platform rule (production deployment guide: health checks for every service)',
    fix: "Add 'readinessProbe', 'livenessProbe' and 'startupProbe' to every container of a Deployment, StatefulSet or DaemonSet.",
  },
  (pod, report) => {
    if (!pod.longRunning) return;
    for (const { container, path } of containersOf(pod, ['containers'])) {
      for (const probe of PROBES) {
        if (!isPlainObject(container?.[probe])) report(violation(`${path}.${probe}`, container?.[probe], 'must be set'));
      }
    }
  },
);

export const WORKLOAD_IMAGE_PINNED = perImageRule(
  {
    id: 'WORKLOAD-IMAGE-PINNED',
    severity: 'error',
    title: 'Images are pinned',
    rationale: "An image without a tag, or tagged 'latest', can change under the same manifest: what runs is no longer what was reviewed.",
    source: 'NSA/CISA Kubernetes Hardening Guide, "Container image scanning"; platform rule',
    fix: 'Reference the image by digest (@sha256:…), or at least by a version tag.',
  },
  (image, path, report) => {
    const reason = typeof image === 'string' ? unpinnedReason(image) : 'must be an image reference';
    if (reason) report(violation(path, image, reason));
  },
);

export const WORKLOAD_IMAGE_DIGEST = perImageRule(
  {
    id: 'WORKLOAD-IMAGE-DIGEST',
    severity: 'error',
    title: 'Images are referenced by digest',
    rationale:
      'A tag can be moved to another image, by its publisher or by whoever takes over the registry; only a digest names exactly the image that was reviewed and scanned.',
    source: 'NSA/CISA Kubernetes Hardening Guide, "Container image scanning"; SLSA; platform rule',
    fix: "Append the image's digest: <repository>:<tag>@sha256:<digest>; until it is known, record a dated exception in policy-exceptions.yaml.",
  },
  (image, path, report) => {
    if (typeof image !== 'string' || unpinnedReason(image)) return; // WORKLOAD-IMAGE-PINNED reports those
    if (!parseImage(image)?.digest) {
      report(violation(path, image, 'must be pinned by a digest (@sha256:…)', "tags are mutable; append the image's digest"));
    }
  },
);

export const WORKLOAD_READONLY_ROOT_FILESYSTEM = perPodRule(
  {
    id: 'WORKLOAD-READONLY-ROOT-FILESYSTEM',
    severity: 'error',
    title: 'Containers have a read-only root filesystem',
    rationale:
      'A writable root filesystem lets an intruder replace binaries and libraries, and drop tools that outlive the request that planted them.',
    source: 'NSA/CISA Kubernetes Hardening Guide, "Immutable container file systems"; CIS Kubernetes Benchmark 5.7.3 (security context)',
    fix: "Set 'securityContext.readOnlyRootFilesystem: true' on every container; mount an emptyDir where it must write (e.g. /tmp).",
  },
  (pod, report) => {
    // Windows has no read-only root filesystem: the API server refuses the field for Windows pods.
    if (pod.spec.os?.name === 'windows') return;
    for (const { container, path } of containersOf(pod, ALL_CONTAINER_FIELDS)) {
      const value = container?.securityContext?.readOnlyRootFilesystem;
      if (value !== true) {
        report(
          violation(
            `${path}.securityContext.readOnlyRootFilesystem`,
            value,
            'must be true',
            'mount an emptyDir where the container writes (e.g. /tmp)',
          ),
        );
      }
    }
  },
);

export const WORKLOAD_NO_SHARED_PROCESS_NAMESPACE = perPodRule(
  {
    id: 'WORKLOAD-NO-SHARED-PROCESS-NAMESPACE',
    severity: 'error',
    title: "Containers do not share the pod's process namespace",
    rationale:
      "With a shared process namespace every container sees and signals the others' processes and reads their files, environment and tokens through /proc.",
    source: 'Kubernetes documentation, "Share Process Namespace between Containers in a Pod" (security considerations); platform rule',
    fix: "Remove 'shareProcessNamespace' or set it to false; debug with an ephemeral container targeting one container instead.",
  },
  (pod, report) => {
    const value = pod.spec.shareProcessNamespace;
    if (value === undefined || value === false) return;
    report(
      violation(
        `${pod.specPath}.shareProcessNamespace`,
        value,
        'must be false or unset',
        "every container would see the others' processes, environment and files through /proc",
      ),
    );
  },
);

export const WORKLOAD_REPLICAS = perPodRule(
  {
    id: 'WORKLOAD-REPLICAS',
    severity: 'error',
    title: 'Services run at least 2 replicas',
    rationale: 'A single replica makes every rollout, node drain or crash an outage.',
    source: 'Platform rule (99.9 % availability target)',
    fix: "Set 'spec.replicas' to 2 or more, or 'minReplicas' of its HorizontalPodAutoscaler to 2 or more.",
  },
  (pod, report, ctx) => {
    if (!ctx.isService(pod) || ctx.minReplicas(pod)!.count >= 2) return;
    const hpa = ctx.autoscalerOf(pod);
    const rule = `must be at least 2, since ${serviceNames(ctx, pod)} sends traffic to ${hpa ? pod.object.label : 'it'}`;
    if (hpa) {
      // The autoscaler decides the replica count: the finding is its.
      report(violation('spec.minReplicas', hpa.manifest.spec?.minReplicas, rule), hpa);
    } else {
      const replicas = pod.object.manifest.spec?.replicas;
      report(violation('spec.replicas', replicas, rule, 'set it, or add a HorizontalPodAutoscaler with minReplicas of 2 or more'));
    }
  },
);

function serviceNames(ctx: PolicyContext, pod: PodTemplate): string {
  return ctx
    .servicesSelecting(pod)
    .map((s) => s.label)
    .join(', ');
}

/** `spec.selector` of a PodDisruptionBudget. */
const pdbSelector = (pdb: ManifestObject) => pdb.manifest.spec?.selector;

/**
 * How many of `replicas` pods a PDB lets be evicted at once, computed like the disruption
 * controller (percentages round up; a value it cannot read allows none), and the field that decides.
 */
function allowedDisruptions(pdb: any, replicas: number): { field: string; value: unknown; allowed: number } {
  const spec = pdb.spec ?? {};
  const scaled = (value: unknown): number | undefined => {
    if (typeof value === 'number') return value;
    const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
    if (percent) return Math.ceil((Number(percent[1]) * replicas) / 100);
    if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
    return undefined;
  };
  if (spec.maxUnavailable !== undefined) {
    return { field: 'spec.maxUnavailable', value: spec.maxUnavailable, allowed: scaled(spec.maxUnavailable) ?? 0 };
  }
  if (spec.minAvailable !== undefined) {
    const min = scaled(spec.minAvailable);
    return { field: 'spec.minAvailable', value: spec.minAvailable, allowed: min === undefined ? 0 : replicas - min };
  }
  // Neither set: the API server defaults minAvailable to 1.
  return { field: 'spec.minAvailable', value: undefined, allowed: replicas - 1 };
}

export const WORKLOAD_PDB = perPodRule(
  {
    id: 'WORKLOAD-PDB',
    severity: 'error',
    title: 'Services have one PodDisruptionBudget that allows a disruption',
    rationale:
      'Without a budget a node drain can stop every replica at once; a budget that allows no disruption blocks drains and cluster upgrades.',
    source: 'Platform rule (production deployment guide: zero-downtime maintenance)',
    fix: "Give each service exactly one PodDisruptionBudget with 'maxUnavailable: 1' (or a minAvailable below its minimum replicas).",
  },
  (pod, report, ctx) => {
    if (!pod.replicated) return;
    const min = ctx.minReplicas(pod)!;
    const budgets = ctx.selecting('policy', 'PodDisruptionBudget', pod, pdbSelector);
    if (budgets.length === 0) {
      if (ctx.isService(pod) && min.count >= 2) {
        report(statement(`has no PodDisruptionBudget selecting its pods; add one with 'maxUnavailable: 1' so that drains keep it serving`));
      }
    } else if (budgets.length > 1) {
      report(
        statement(
          `is selected by ${budgets.length} PodDisruptionBudgets (${budgets.map((b) => b.label).join(', ')}); the eviction API refuses to evict pods with more than one, which blocks drains: keep one`,
        ),
      );
    } else {
      const { field, value, allowed } = allowedDisruptions(budgets[0].manifest, min.count);
      if (allowed >= 1) return;
      // The budget is what blocks the drain: the finding is its.
      const rule = `must allow at least one of the ${min.count} pods of ${pod.object.label} (${min.source}) to be evicted`;
      report(violation(field, value, rule, "it blocks node drains; use 'maxUnavailable: 1'"), budgets[0]);
    }
  },
);

export const WORKLOAD_TOPOLOGY_SPREAD = perPodRule(
  {
    id: 'WORKLOAD-TOPOLOGY-SPREAD',
    severity: 'warning',
    title: 'Replicas spread over zones or nodes',
    rationale: 'Replicas that land on one node or in one zone fail together.',
    source: 'Platform rule (production deployment guide: multi-zone high availability)',
    fix: "Add 'topologySpreadConstraints' on topology.kubernetes.io/zone (and kubernetes.io/hostname) whose labelSelector matches the pod's labels.",
  },
  (pod, report, ctx) => {
    const min = ctx.minReplicas(pod);
    if (!min || min.count < 2) return;
    const constraints = pod.spec.topologySpreadConstraints;
    const spread = asArray(constraints).some(
      (c: any) => SPREAD_KEYS.includes(c?.topologyKey) && labelSelectorMatches(c?.labelSelector, pod.labels),
    );
    if (spread) return;
    report(
      violation(
        `${pod.specPath}.topologySpreadConstraints`,
        constraints,
        `should spread the pods over ${SPREAD_KEYS.join(' or ')} with a labelSelector that matches them`,
        `${min.count} replicas could share one node`,
      ),
    );
  },
);

export const WORKLOAD_PRIORITY_CLASS = inputRule(
  {
    id: 'WORKLOAD-PRIORITY-CLASS',
    severity: 'warning',
    title: 'Pods name an existing priority class',
    rationale: 'Without a priority class, critical pods are preempted like any batch job when the cluster is full.',
    source: 'Platform rule (production deployment guide: priority classes)',
    fix: "Set 'priorityClassName' to one of the cluster's PriorityClasses (e.g. those of PlatformPriorityClasses).",
  },
  (ctx, report) => {
    // A named class is judged only against PriorityClasses in the input: none there (one
    // Application's folder, a chart) means they are defined elsewhere, not that the name is wrong.
    const defined = new Set(ctx.ofKind('scheduling.k8s.io', 'PriorityClass').map((p) => p.name));
    for (const pod of ctx.pods) {
      const name = pod.spec.priorityClassName;
      const path = `${pod.specPath}.priorityClassName`;
      if (typeof name !== 'string' || name === '') {
        // The fix names no class: the verdict on the pod must not depend on which PriorityClasses came with it.
        report(pod.object, violation(path, name, 'should be set', "name one of the cluster's PriorityClasses"));
      } else if (defined.size > 0 && !defined.has(name) && !SYSTEM_PRIORITY_CLASSES.includes(name)) {
        const known = [...defined].sort().join(', ');
        report(pod.object, violation(path, name, `should be one of the PriorityClasses in the manifests: ${known}`));
      }
    }
  },
);

/** The workload hygiene rules. */
export const WORKLOAD_RULES: readonly PolicyRule[] = [
  WORKLOAD_RESOURCES,
  WORKLOAD_PROBES,
  WORKLOAD_IMAGE_PINNED,
  WORKLOAD_IMAGE_DIGEST,
  WORKLOAD_READONLY_ROOT_FILESYSTEM,
  WORKLOAD_NO_SHARED_PROCESS_NAMESPACE,
  WORKLOAD_REPLICAS,
  WORKLOAD_PDB,
  WORKLOAD_TOPOLOGY_SPREAD,
  WORKLOAD_PRIORITY_CLASS,
];
