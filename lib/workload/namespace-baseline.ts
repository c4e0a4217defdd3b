import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cpuMillis, formatCpu, formatMemory, memoryKiB } from '../core';
import { AMBIENT, dataplaneNamespaceLabels, NamespaceMeshProps } from './mesh-dataplane';
import { ContainerResources, kubeResources } from './resources';

/** Hard limits of a namespace's ResourceQuota. */
export interface NamespaceQuota extends ContainerResources {
  /** The most pods the namespace may hold. */
  readonly pods: number;
}

/** The quota of a namespace that does not say otherwise. */
export const DEFAULT_NAMESPACE_QUOTA: NamespaceQuota = {
  requests: { cpu: '4', memory: '8Gi' },
  limits: { cpu: '8', memory: '16Gi' },
  pods: 50,
};

/** What a container gets when it declares no requests or limits itself. */
export const DEFAULT_CONTAINER_RESOURCES: ContainerResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/** The Pod Security Standards version the namespace labels pin (the cluster's minor version). */
export const PSS_VERSION = 'v1.28';

export interface NamespaceBaselineProps {
  /** Namespace name. */
  readonly name: string;
  /** Labels of every object. @default - none */
  readonly labels?: Record<string, string>;
  /**
   * ResourceQuota hard limits.
   * @default DEFAULT_NAMESPACE_QUOTA
   */
  readonly quota?: NamespaceQuota;
  /**
   * LimitRange defaults for containers that declare no resources.
   * @default DEFAULT_CONTAINER_RESOURCES
   */
  readonly containerDefaults?: ContainerResources;
  /**
   * The namespace's place in the Istio mesh's dataplane: its label when enrolled, and the
   * NetworkPolicy that lets the dataplane's tunnels (the HBONE port) through default-deny.
   * @default - outside the mesh: no label, no mesh rule
   */
  readonly mesh?: NamespaceMeshProps;
}

/**
 * A namespace with its baseline: Pod Security Standards "restricted" enforced (and audited and
 * warned), a ResourceQuota, a LimitRange, and a default-deny NetworkPolicy for ingress and
 * egress with one exception, DNS to the cluster DNS pods. With `mesh`, the namespace's
 * dataplane label and the mesh's own paths (see `AMBIENT`). Object names start with the
 * namespace's name, so that one folder can hold the baselines of several namespaces.
 */
export class NamespaceBaseline extends Construct {
  public readonly name: string;
  public readonly namespace: ApiObject;

  constructor(scope: Construct, id: string, props: NamespaceBaselineProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: {
          ...props.labels,
          ...(props.mesh && (props.mesh.enrolled ?? true) ? dataplaneNamespaceLabels(props.mesh.dataplane) : {}),
          ...podSecurityLabels('restricted', 'restricted'),
        },
      },
    });
    this.createQuota(props.quota ?? DEFAULT_NAMESPACE_QUOTA, props.labels);
    this.createLimitRange(props.containerDefaults ?? DEFAULT_CONTAINER_RESOURCES, props.labels);
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: this.metadata('default-deny', props.labels),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: this.metadata('allow-dns', props.labels),
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [clusterDnsEgress()] },
    });
    if (props.mesh) new MeshDataplaneRules(this, 'MeshDataplane', { namespace: props.name, labels: props.labels, ...props.mesh });
  }

  /** `<namespace>-<suffix>`, in the namespace. */
  private metadata(suffix: string, labels: Record<string, string> | undefined): k8s.ObjectMeta {
    return { name: `${this.name}-${suffix}`, namespace: this.name, labels };
  }

  private createQuota(quota: NamespaceQuota, labels: Record<string, string> | undefined): void {
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: this.metadata('quota', labels),
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(quota.requests.cpu),
          'requests.memory': k8s.Quantity.fromString(quota.requests.memory),
          'limits.cpu': k8s.Quantity.fromString(quota.limits.cpu),
          'limits.memory': k8s.Quantity.fromString(quota.limits.memory),
          pods: k8s.Quantity.fromNumber(quota.pods),
        },
      },
    });
  }

  private createLimitRange(defaults: ContainerResources, labels: Record<string, string> | undefined): void {
    const { requests, limits } = kubeResources(defaults);
    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: this.metadata('limits', labels),
      spec: { limits: [{ type: 'Container', defaultRequest: requests, default: limits }] },
    });
  }
}

/**
 * The Pod Security Standards labels of a namespace: the `enforce`d level, and the level that is
 * `audit`ed and `warn`ed about (the same, or a stricter one that keeps an exception visible).
 */
export function podSecurityLabels(enforce: string, auditAndWarn: string): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': enforce,
    'pod-security.kubernetes.io/enforce-version': PSS_VERSION,
    'pod-security.kubernetes.io/audit': auditAndWarn,
    'pod-security.kubernetes.io/audit-version': PSS_VERSION,
    'pod-security.kubernetes.io/warn': auditAndWarn,
    'pod-security.kubernetes.io/warn-version': PSS_VERSION,
  };
}

/** The egress rule to the cluster DNS pods (UDP and TCP 53), the one exception of a default-deny. */
export function clusterDnsEgress(): k8s.NetworkPolicyEgressRule {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}

interface MeshDataplaneRulesProps extends NamespaceMeshProps {
  readonly namespace: string;
  readonly labels?: Record<string, string>;
}

/**
 * The NetworkPolicy the ambient dataplane needs under default-deny. Every pod of the namespace
 * may open tunnels (TCP 15008) to pods of enrolled namespaces; an enrolled namespace's pods
 * also accept them from enrolled namespaces and from the given proxy namespaces. Which caller
 * may use a tunnel to which port is the AuthorizationPolicies' decision (by principal and port),
 * enforced by the receiving ztunnel. Kubelet probes, which the dataplane rewrites to come from
 * `AMBIENT.probeSourceCidr`, are admitted from that address (on any port: each probe names its
 * own), which a default-deny would otherwise block on CNIs that enforce it for host traffic.
 */
class MeshDataplaneRules extends Construct {
  constructor(scope: Construct, id: string, props: MeshDataplaneRulesProps) {
    super(scope, id);
    const enrolledNamespaces = { namespaceSelector: { matchLabels: dataplaneNamespaceLabels(props.dataplane) } };
    const hbone = [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(AMBIENT.hbonePort) }];
    const enrolled = props.enrolled ?? true;
    const proxies = [...new Set(props.proxyNamespaces ?? [])].sort().map((namespace) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    }));
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: `${props.namespace}-allow-mesh-dataplane`, namespace: props.namespace, labels: props.labels },
      spec: {
        podSelector: {},
        policyTypes: enrolled ? ['Ingress', 'Egress'] : ['Egress'],
        ingress: enrolled
          ? [
              { from: [enrolledNamespaces, ...proxies], ports: hbone },
              // Kubelet probes, on whatever port each probe names, from the one link-local address
              // the dataplane gives them (Istio's documented rule for default-deny namespaces).
              { from: [{ ipBlock: { cidr: AMBIENT.probeSourceCidr } }] },
            ]
          : undefined,
        egress: [{ to: [enrolledNamespaces], ports: hbone }],
      },
    });
  }
}

/** What a workload may use at most: its resources and its largest replica count. */
export interface WorkloadFootprint {
  readonly resources: ContainerResources;
  readonly maxReplicas: number;
}

/**
 * A quota that fits the given workloads at their largest scale plus a rolling update's surge
 * (25 %, rounded up, as HardenedService rolls out), so that the quota never blocks a rollout
 * or a scale-up the autoscaler is allowed to make.
 */
export function quotaFor(workloads: readonly WorkloadFootprint[]): NamespaceQuota {
  let pods = 0;
  const total = { requestsCpu: 0, requestsMemory: 0, limitsCpu: 0, limitsMemory: 0 };
  for (const workload of workloads) {
    const count = workload.maxReplicas + Math.ceil(workload.maxReplicas * 0.25);
    pods += count;
    total.requestsCpu += count * cpuMillis(workload.resources.requests.cpu);
    total.requestsMemory += count * memoryKiB(workload.resources.requests.memory);
    total.limitsCpu += count * cpuMillis(workload.resources.limits.cpu);
    total.limitsMemory += count * memoryKiB(workload.resources.limits.memory);
  }
  return {
    requests: { cpu: formatCpu(total.requestsCpu), memory: formatMemory(total.requestsMemory) },
    limits: { cpu: formatCpu(total.limitsCpu), memory: formatMemory(total.limitsMemory) },
    pods,
  };
}
