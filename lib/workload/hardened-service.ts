import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AutoscalingOptions, DisruptionBudget, DisruptionBudgetOptions, HorizontalAutoscaler } from '../autoscaling';
import { Color, PropProblem, selectorLabels, throwIfProblems, unpinnedReason } from '../core';
import { Connections, workloadConnections } from './connections';
import { IApiResource, IGrantable, READ_VERBS, writeGrant } from './grants';
import { PRIORITY_STANDARD } from './priority-classes';
import * as pod from './pod-template';
import { ContainerResources, containerResourceProblems } from './resources';
import { DEFAULT_RUN_AS_USER } from './security-context';
import { DNS_1035_LABEL as DNS_LABEL, integerProblem, isPort, portProblem, positiveIntegerProblem, problemsOf } from '../core/validation';

// Defined with the pod template; exported here too, where they have always been.
export type { SecretEnvVar, SecretMount } from './pod-template';

export interface HardenedServiceProps {
  /** Name of the Deployment, Service, ServiceAccount, PDB and HPA (a DNS label). */
  readonly name: string;
  /** Pinned image reference: a digest, or a tag other than `latest`. */
  readonly image: string;
  /** The container's HTTP port, exposed by the Service as `http`. */
  readonly port: number;
  /**
   * The port that serves Prometheus metrics, exposed by the Service as `metrics`.
   * @default - no metrics port
   */
  readonly metricsPort?: number;
  /** CPU and memory requests and limits of the container. */
  readonly resources: ContainerResources;
  /**
   * A fixed replica count. Not allowed together with `autoscaling`, which owns the count.
   * @default 2 when `autoscaling` is not set
   */
  readonly replicas?: number;
  /**
   * Horizontal autoscaling; when set, the Deployment omits `spec.replicas`.
   * @default - no HorizontalPodAutoscaler; `replicas` pods
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * The PodDisruptionBudget; it must leave at least one pod evictable.
   * @default - maxUnavailable 1
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /**
   * Blue/green colour: adds the colour label and makes it part of the selector.
   * @default - no colour
   */
  readonly color?: Color;
  /**
   * `app.kubernetes.io/component` label.
   * @default 'backend'
   */
  readonly tier?: string;
  /**
   * Readiness probe path (HTTP GET on `port`): a failing pod gets no traffic.
   * @default '/readyz'
   */
  readonly readinessPath?: string;
  /**
   * Liveness probe path (HTTP GET on `port`): a failing pod is restarted. The startup probe
   * uses it too, allowing 150 s to start.
   * @default '/livez'
   */
  readonly livenessPath?: string;
  /**
   * Mount a service account token: only for services that call the Kubernetes API.
   * Loosens the default; grant the API access itself with a Role.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * PriorityClass of the pods.
   * @default PRIORITY_STANDARD ('standard')
   */
  readonly priorityClassName?: string;
  /**
   * Seconds a pod gets to finish its requests after SIGTERM.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Old ReplicaSets kept for rollback.
   * @default 5
   */
  readonly revisionHistoryLimit?: number;
  /**
   * Plain (non-secret) environment variables, written sorted by name.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Secrets mounted read-only as files (the default way to read secrets: files do not leak
   * into crash dumps or child processes the way environment variables do).
   * @default - none
   */
  readonly secretMounts?: pod.SecretMount[];
  /**
   * The directory secret files are mounted under: `<secretMountRoot>/<mount name>/<key>`.
   * @default '/var/run/secrets/app'
   */
  readonly secretMountRoot?: string;
  /**
   * Environment variables read from Secrets, for software that cannot read files.
   * @default - none
   */
  readonly secretEnv?: pod.SecretEnvVar[];
  /**
   * UID, GID and fsGroup of the pod; at least 10000.
   * @default DEFAULT_RUN_AS_USER (10001)
   */
  readonly runAsUser?: number;
  /**
   * Size limit of the writable `/tmp` emptyDir (the root filesystem is read-only).
   * @default '64Mi'
   */
  readonly tmpSizeLimit?: string;
}

/**
 * A stateless HTTP service hardened to Pod Security Standards "restricted": Deployment,
 * Service, ServiceAccount, PodDisruptionBudget and (with `autoscaling`) an `autoscaling/v2`
 * HorizontalPodAutoscaler, all with explicit names and the recommended labels.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export class HardenedService extends Construct implements IGrantable {
  public readonly name: string;
  public readonly color?: Color;
  public readonly port: number;
  public readonly metricsPort?: number;
  /** The labels that select this service's pods (never the version). */
  public readonly selector: Record<string, string>;
  /** The fewest pods the service runs. */
  public readonly minReplicas: number;
  /** The most pods the service runs. */
  public readonly maxReplicas: number;
  public readonly deployment: ApiObject;
  public readonly service: ApiObject;
  public readonly serviceAccount: ApiObject;
  public readonly disruptionBudget: DisruptionBudget;
  public readonly autoscaler?: HorizontalAutoscaler;

  constructor(scope: Construct, id: string, props: HardenedServiceProps) {
    super(scope, id);
    throwIfProblems(this, serviceProblems(props, props.runAsUser ?? DEFAULT_RUN_AS_USER));

    this.name = props.name;
    this.color = props.color;
    this.port = props.port;
    this.metricsPort = props.metricsPort;
    this.selector = selectorLabels({ name: props.name, color: props.color });
    this.minReplicas = props.autoscaling?.minReplicas ?? props.replicas ?? 2;
    this.maxReplicas = props.autoscaling?.maxReplicas ?? this.minReplicas;

    const { labels, versionedLabels } = pod.workloadLabels(this.selector, props.tier ?? 'backend', props.image);
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: props.name, labels },
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });
    this.deployment = this.createDeployment(props, versionedLabels);
    this.service = this.createService(labels);
    this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', {
      ...props.disruptionBudget,
      name: props.name,
      labels,
      selector: this.selector,
      minReplicas: this.minReplicas,
    });
    if (props.autoscaling) {
      this.autoscaler = new HorizontalAutoscaler(this, 'Autoscaler', {
        ...props.autoscaling,
        target: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
        labels,
      });
    }
  }

  // Relationships: connections and grants, as methods on the constructs they join.

  private _connections?: Connections;

  /**
   * The service's network and mesh relationships: `a.connections.allowTo(b)` lets a's pods reach
   * b's (b's `port` unless one is given), with egress in a's NetworkPolicy, ingress in b's and
   * b's AuthorizationPolicy admitting a's service account, for each side the app owns. The
   * policies are named after the service and made at its first rule.
   */
  public get connections(): Connections {
    this._connections ??= workloadConnections(this, this.selector, [{ port: this.port }]);
    return this._connections;
  }

  /** Where the service's grants are written (IGrantable). */
  public get grantScope(): Construct {
    return this;
  }

  /** The service account its pods run as, which grants bind to (IGrantable). */
  public get serviceAccountName(): string {
    return this.name;
  }

  /**
   * Grants the service's account `verbs` on `resource`: a rule of the Role `<name>-api`, its
   * RoleBinding and the egress to the chart's `KubernetesApiServer`. Refused on the terms of
   * `ServiceApiAccess` (no wildcards, escalation, Secrets unless declared, …). The pods need the
   * token mounted (`automountServiceAccountToken`) to use it.
   */
  public grant(resource: IApiResource, ...verbs: string[]): this {
    writeGrant(this, resource, verbs);
    return this;
  }

  /** Grants get, list and watch on `resource` (see `grant`). */
  public grantRead(resource: IApiResource): this {
    return this.grant(resource, ...READ_VERBS);
  }

  /** The Deployment and its pods carry the version (`versionedLabels`); nothing else does. */
  private createDeployment(props: HardenedServiceProps, versionedLabels: Record<string, string>): ApiObject {
    return new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: props.name, labels: versionedLabels },
      spec: {
        replicas: props.autoscaling ? undefined : this.minReplicas,
        revisionHistoryLimit: props.revisionHistoryLimit ?? 5,
        selector: { matchLabels: this.selector },
        strategy: pod.surgeRollout(),
        template: this.podTemplate(props, versionedLabels),
      },
    });
  }

  private podTemplate(props: HardenedServiceProps, labels: Record<string, string>): k8s.PodTemplateSpec {
    const ports = [pod.tcpPort('http', props.port)];
    if (props.metricsPort !== undefined) ports.push(pod.tcpPort('metrics', props.metricsPort));
    return pod.restrictedPodTemplate({
      labels,
      serviceAccountName: props.name,
      automountServiceAccountToken: props.automountServiceAccountToken,
      priorityClassName: props.priorityClassName ?? PRIORITY_STANDARD,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
      runAsUser: props.runAsUser,
      topologySpreadConstraints: pod.zoneAndHostSpread(this.selector, true),
      container: {
        name: props.name,
        image: props.image,
        ports,
        env: pod.containerEnv(props.env, props.secretEnv),
        resources: props.resources,
        probes: pod.httpProbes('http', props.livenessPath ?? '/livez', props.readinessPath ?? '/readyz'),
      },
      volumes: [
        pod.tmpVolume(props.tmpSizeLimit),
        ...pod.sortByName(props.secretMounts ?? []).map((mount) => pod.secretMountVolume(mount, props.secretMountRoot)),
      ],
    });
  }

  private createService(labels: Record<string, string>): ApiObject {
    const ports = [pod.servicePort('http', this.port)];
    if (this.metricsPort !== undefined) ports.push(pod.servicePort('metrics', this.metricsPort));
    return new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels },
      spec: { type: 'ClusterIP', selector: this.selector, ports },
    });
  }
}

function serviceProblems(props: HardenedServiceProps, uid: number): PropProblem[] {
  const problems: PropProblem[] = [];
  if (!DNS_LABEL.test(props.name) || props.name.length > 63) {
    problems.push({
      prop: 'name',
      value: props.name,
      rule: 'must be a DNS label of at most 63 characters (lowercase letters, digits, "-")',
    });
  }
  const unpinned = unpinnedReason(props.image);
  if (unpinned)
    problems.push({ prop: 'image', value: props.image, rule: unpinned, fix: 'pin the image so that every synth deploys the same code' });
  problems.push(...problemsOf(portProblem('port', props.port)));
  if (props.metricsPort !== undefined) {
    if (!isPort(props.metricsPort)) problems.push(...problemsOf(portProblem('metricsPort', props.metricsPort)));
    else if (props.metricsPort === props.port)
      problems.push({ prop: 'metricsPort', value: props.metricsPort, rule: `must differ from 'port' (${props.port})` });
  }
  problems.push(...containerResourceProblems(props.resources));
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    problems.push({
      prop: 'replicas',
      value: props.replicas,
      rule: "must not be set together with 'autoscaling'",
      fix: 'the HorizontalPodAutoscaler owns the replica count; remove replicas',
    });
  } else if (props.replicas !== undefined) {
    problems.push(...problemsOf(positiveIntegerProblem('replicas', props.replicas)));
  }
  problems.push(...pod.runAsUserProblems(uid), ...pod.secretMountRootProblems(props.secretMountRoot));
  for (const prop of ['readinessPath', 'livenessPath'] as const) {
    const path = props[prop];
    if (path !== undefined && !path.startsWith('/'))
      problems.push({ prop, value: path, rule: 'must be an absolute path starting with "/"' });
  }
  problems.push(...pod.secretEnvProblems(props.env, props.secretEnv));
  for (const mount of props.secretMounts ?? []) {
    if (!DNS_LABEL.test(mount.name)) problems.push({ prop: 'secretMounts', value: mount.name, rule: 'must have a DNS label as name' });
  }
  const grace = props.terminationGracePeriodSeconds;
  if (grace !== undefined) {
    const rule = 'must be a whole number of seconds, at least 0';
    problems.push(...problemsOf(integerProblem('terminationGracePeriodSeconds', grace, 0, undefined, rule)));
  }
  return problems;
}
