import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AutoscalingOptions, DisruptionBudget, DisruptionBudgetOptions, HorizontalAutoscaler } from '../autoscaling';
import {
  Color, LABEL_COMPONENT, LABEL_VERSION, PropProblem, parseImage, selectorLabels, throwIfProblems, unpinnedReason, versionLabel,
} from '../core';
import { PRIORITY_STANDARD } from './priority-classes';
import { ContainerResources, containerResourceProblems, kubeResources } from './resources';
import { DEFAULT_RUN_AS_USER, MIN_RUN_AS_USER, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security-context';

/** A Secret mounted read-only as files, one file per key. */
export interface SecretMount {
  /** Directory name under `/var/run/secrets/alp/`, and the volume's name suffix. */
  readonly name: string;
  /** The Secret (created by an ExternalSecret) to mount. */
  readonly secretName: string;
}

/** An environment variable read from one key of a Secret. */
export interface SecretEnvVar {
  readonly name: string;
  readonly secretName: string;
  readonly key: string;
}

/** Where secret files are mounted: `<SECRET_MOUNT_ROOT>/<mount name>/<key>`. */
export const SECRET_MOUNT_ROOT = '/var/run/secrets/alp';

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
  readonly secretMounts?: SecretMount[];
  /**
   * Environment variables read from Secrets, for software that cannot read files.
   * @default - none
   */
  readonly secretEnv?: SecretEnvVar[];
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
export class HardenedService extends Construct {
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
    const uid = props.runAsUser ?? DEFAULT_RUN_AS_USER;
    throwIfProblems(this, serviceProblems(props, uid));

    this.name = props.name;
    this.color = props.color;
    this.port = props.port;
    this.metricsPort = props.metricsPort;
    this.selector = selectorLabels({ name: props.name, color: props.color });
    this.minReplicas = props.autoscaling?.minReplicas ?? props.replicas ?? 2;
    this.maxReplicas = props.autoscaling?.maxReplicas ?? this.minReplicas;

    const labels = { ...this.selector, [LABEL_COMPONENT]: props.tier ?? 'backend' };
    // Only the Deployment and its pods carry the version: a release then changes nothing else.
    const versionedLabels = { ...labels, [LABEL_VERSION]: versionLabel(parseImage(props.image)!) };
    const automount = props.automountServiceAccountToken ?? false;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: props.name, labels },
      automountServiceAccountToken: automount,
    });

    const ports = [{ name: 'http', containerPort: props.port, protocol: 'TCP' }];
    if (props.metricsPort !== undefined) ports.push({ name: 'metrics', containerPort: props.metricsPort, protocol: 'TCP' });
    const probe = (path: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 2,
    });
    const livenessPath = props.livenessPath ?? '/livez';
    const secretMounts = [...(props.secretMounts ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: props.name, labels: versionedLabels },
      spec: {
        replicas: props.autoscaling ? undefined : this.minReplicas,
        revisionHistoryLimit: props.revisionHistoryLimit ?? 5,
        selector: { matchLabels: this.selector },
        strategy: {
          type: 'RollingUpdate',
          // Never below the desired count during a rollout; surge instead.
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') },
        },
        template: {
          metadata: { labels: versionedLabels },
          spec: {
            serviceAccountName: props.name,
            automountServiceAccountToken: automount,
            enableServiceLinks: false,
            priorityClassName: props.priorityClassName ?? PRIORITY_STANDARD,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
            securityContext: restrictedPodSecurityContext(uid),
            topologySpreadConstraints: [
              // Zones are a hard constraint (a zone outage must not take every pod);
              // hosts a soft one, so that a small cluster can still schedule.
              spread('topology.kubernetes.io/zone', 'DoNotSchedule', this.selector),
              spread('kubernetes.io/hostname', 'ScheduleAnyway', this.selector),
            ],
            containers: [{
              name: props.name,
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              ports,
              env: containerEnv(props.env, props.secretEnv),
              resources: kubeResources(props.resources),
              securityContext: restrictedContainerSecurityContext(),
              readinessProbe: probe(props.readinessPath ?? '/readyz', 10, 3),
              livenessProbe: probe(livenessPath, 10, 3),
              startupProbe: probe(livenessPath, 5, 30),
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                ...secretMounts.map((m) => ({ name: `secret-${m.name}`, mountPath: `${SECRET_MOUNT_ROOT}/${m.name}`, readOnly: true })),
              ],
            }],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(props.tmpSizeLimit ?? '64Mi') } },
              // 0440: readable by the pod's group (fsGroup), never world-readable.
              ...secretMounts.map((m) => ({ name: `secret-${m.name}`, secret: { secretName: m.secretName, defaultMode: 0o440 } })),
            ],
          },
        },
      },
    });

    const servicePorts = [{ name: 'http', port: props.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }];
    if (props.metricsPort !== undefined) {
      servicePorts.push({ name: 'metrics', port: props.metricsPort, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' });
    }
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: props.name, labels },
      spec: { type: 'ClusterIP', selector: this.selector, ports: servicePorts },
    });

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
}

/** Plain and secret variables together, sorted by name. */
function containerEnv(env: Record<string, string> | undefined, secretEnv: SecretEnvVar[] | undefined): k8s.EnvVar[] | undefined {
  const vars: k8s.EnvVar[] = [
    ...Object.entries(env ?? {}).map(([name, value]) => ({ name, value })),
    ...(secretEnv ?? []).map((v) => ({ name: v.name, valueFrom: { secretKeyRef: { name: v.secretName, key: v.key } } })),
  ];
  vars.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return vars.length === 0 ? undefined : vars;
}

function spread(topologyKey: string, whenUnsatisfiable: string, selector: Record<string, string>): k8s.TopologySpreadConstraint {
  return {
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable,
    labelSelector: { matchLabels: selector },
    // Spread each rollout's pods on their own, not old and new together.
    matchLabelKeys: ['pod-template-hash'],
  };
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function serviceProblems(props: HardenedServiceProps, uid: number): PropProblem[] {
  const problems: PropProblem[] = [];
  if (!DNS_LABEL.test(props.name) || props.name.length > 63) {
    problems.push({ prop: 'name', value: props.name, rule: 'must be a DNS label of at most 63 characters (lowercase letters, digits, "-")' });
  }
  const unpinned = unpinnedReason(props.image);
  if (unpinned) problems.push({ prop: 'image', value: props.image, rule: unpinned, fix: 'pin the image so that every synth deploys the same code' });
  const isPort = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!isPort(props.port)) problems.push({ prop: 'port', value: props.port, rule: 'must be an integer from 1 to 65535' });
  if (props.metricsPort !== undefined) {
    if (!isPort(props.metricsPort)) problems.push({ prop: 'metricsPort', value: props.metricsPort, rule: 'must be an integer from 1 to 65535' });
    else if (props.metricsPort === props.port) problems.push({ prop: 'metricsPort', value: props.metricsPort, rule: `must differ from 'port' (${props.port})` });
  }
  problems.push(...containerResourceProblems(props.resources));
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    problems.push({ prop: 'replicas', value: props.replicas, rule: "must not be set together with 'autoscaling'", fix: 'the HorizontalPodAutoscaler owns the replica count; remove replicas' });
  } else if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 1)) {
    problems.push({ prop: 'replicas', value: props.replicas, rule: 'must be an integer of at least 1' });
  }
  if (!Number.isInteger(uid) || uid < MIN_RUN_AS_USER) {
    problems.push({ prop: 'runAsUser', value: uid, rule: `must be an integer of at least ${MIN_RUN_AS_USER}`, fix: 'a low UID can collide with a user of the node' });
  }
  for (const prop of ['readinessPath', 'livenessPath'] as const) {
    const path = props[prop];
    if (path !== undefined && !path.startsWith('/')) problems.push({ prop, value: path, rule: 'must be an absolute path starting with "/"' });
  }
  for (const variable of props.secretEnv ?? []) {
    if (props.env && variable.name in props.env) {
      problems.push({ prop: 'secretEnv', value: variable.name, rule: "must not repeat a name of 'env'" });
    }
  }
  for (const mount of props.secretMounts ?? []) {
    if (!DNS_LABEL.test(mount.name)) problems.push({ prop: 'secretMounts', value: mount.name, rule: 'must have a DNS label as name' });
  }
  const grace = props.terminationGracePeriodSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) {
    problems.push({ prop: 'terminationGracePeriodSeconds', value: grace, rule: 'must be a whole number of seconds, at least 0' });
  }
  return problems;
}

