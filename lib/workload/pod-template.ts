import { k8s } from 'cdk8s-plus-28';
import { LABEL_COMPONENT, LABEL_VERSION, parseImage, PropProblem, versionLabel } from '../core';
import { integerProblem, problemsOf } from '../core/validation';
import { ContainerResources, kubeResources } from './resources';
import { DEFAULT_RUN_AS_USER, MIN_RUN_AS_USER, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security-context';

/**
 * The one place that writes a workload's pod: Pod Security Standards "restricted" contexts, no
 * service account token unless asked for, no service links, a pinned pull policy, and the
 * volumes, environment, probes and spreading that every workload construct shares.
 */

/** The labels of a workload: those of all its objects, and those of its pods and their owner. */
export interface WorkloadLabels {
  /** The extra labels, the selector and the component: every object of the workload. */
  readonly labels: Record<string, string>;
  /** `labels` and the image's version: only the pods and their owner, so that a release changes nothing else. */
  readonly versionedLabels: Record<string, string>;
}

/** The labels of a workload selected by `selector`, of `component`, that runs the pinned `image`. */
export function workloadLabels(
  selector: Record<string, string>,
  component: string,
  image: string,
  extraLabels?: Record<string, string>,
): WorkloadLabels {
  const labels = { ...extraLabels, ...selector, [LABEL_COMPONENT]: component };
  return { labels, versionedLabels: { ...labels, [LABEL_VERSION]: versionLabel(parseImage(image)!) } };
}

/** A Secret mounted read-only as files, one file per key. */
export interface SecretMount {
  /** Directory name under the workload's secret mount root, and the volume's name suffix. */
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

/** Where secret files are mounted unless a workload says otherwise: `<root>/<mount name>/<key>`. */
export const DEFAULT_SECRET_MOUNT_ROOT = '/var/run/secrets/app';

/** A volume of the pod together with its mount in the container. */
export interface PodVolume {
  readonly mount: k8s.VolumeMount;
  /** The pod's volume; undefined when the workload provides it otherwise (a StatefulSet's claim). */
  readonly volume?: k8s.Volume;
}

/** The writable `/tmp` (the root filesystem is read-only). */
export function tmpVolume(sizeLimit = '64Mi'): PodVolume {
  return emptyDirVolume('tmp', '/tmp', sizeLimit);
}

/** A scratch directory that lives as long as the pod; `medium: 'Memory'` keeps it off the disk. */
export function emptyDirVolume(name: string, mountPath: string, sizeLimit: string, medium?: string): PodVolume {
  return { mount: { name, mountPath }, volume: { name, emptyDir: { medium, sizeLimit: k8s.Quantity.fromString(sizeLimit) } } };
}

/** A Secret mounted read-only; `keys` limits the files to those keys. */
export function secretVolume(name: string, secretName: string, mountPath: string, keys?: readonly string[]): PodVolume {
  return {
    mount: { name, mountPath, readOnly: true },
    // 0440: readable by the pod's group (fsGroup), never world-readable.
    volume: { name, secret: { secretName, defaultMode: 0o440, items: keys?.map((key) => ({ key, path: key })) } },
  };
}

/** A SecretMount: `secret-<name>` at `<root>/<name>`. */
export function secretMountVolume(mount: SecretMount, root: string = DEFAULT_SECRET_MOUNT_ROOT): PodVolume {
  return secretVolume(`secret-${mount.name}`, mount.secretName, `${root}/${mount.name}`);
}

/** A ConfigMap mounted read-only, its files world-readable (0444: they hold no secrets). */
export function configMapVolume(name: string, configMapName: string, mountPath: string): PodVolume {
  return { mount: { name, mountPath, readOnly: true }, volume: { name, configMap: { name: configMapName, defaultMode: 0o444 } } };
}

/** A directory of the node, mounted read-only; `type: Directory` refuses to create it. */
export function hostDirectoryVolume(name: string, path: string): PodVolume {
  return { mount: { name, mountPath: path, readOnly: true }, volume: { name, hostPath: { path, type: 'Directory' } } };
}

/** The mount of a volume the pod gets elsewhere, e.g. from a StatefulSet's volumeClaimTemplates. */
export function claimVolume(name: string, mountPath: string): PodVolume {
  return { mount: { name, mountPath } };
}

/** Items sorted by their `name` (a stable order for mounts and variables). */
export function sortByName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Plain, secret and other (e.g. field) variables together, sorted by name; undefined when there are none. */
export function containerEnv(
  env?: Record<string, string>,
  secretEnv?: readonly SecretEnvVar[],
  others: readonly k8s.EnvVar[] = [],
): k8s.EnvVar[] | undefined {
  const vars: k8s.EnvVar[] = [
    ...Object.entries(env ?? {}).map(([name, value]) => ({ name, value })),
    ...(secretEnv ?? []).map((v) => ({ name: v.name, valueFrom: { secretKeyRef: { name: v.secretName, key: v.key } } })),
    ...others,
  ];
  return vars.length === 0 ? undefined : sortByName(vars);
}

/** A TCP port of the container. */
export function tcpPort(name: string, containerPort: number): k8s.ContainerPort {
  return { name, containerPort, protocol: 'TCP' };
}

/** The probes of a container. */
export interface ContainerProbes {
  readonly readinessProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
}

/** A probe: its handler (`httpGet`, `exec`, ...) checked every `periodSeconds`. */
export function probe(handler: k8s.Probe, periodSeconds: number, failureThreshold: number, timeoutSeconds = 2): k8s.Probe {
  return { ...handler, periodSeconds, failureThreshold, timeoutSeconds };
}

/**
 * HTTP GET probes on the named port: readiness and liveness every 10 s (3 failures), and a
 * startup probe on the liveness path that allows 150 s to start.
 */
export function httpProbes(port: string, livenessPath: string, readinessPath = livenessPath): ContainerProbes {
  const get = (path: string): k8s.Probe => ({ httpGet: { path, port: k8s.IntOrString.fromString(port) } });
  return {
    readinessProbe: probe(get(readinessPath), 10, 3),
    livenessProbe: probe(get(livenessPath), 10, 3),
    startupProbe: probe(get(livenessPath), 5, 30),
  };
}

/**
 * Pods spread evenly over zones, as a hard constraint (a zone outage must not take every pod).
 * `perRollout` spreads each rollout's pods on their own, not old and new together (Deployments
 * only: it keys on `pod-template-hash`).
 */
export function zoneSpread(selector: Record<string, string>, perRollout = false): k8s.TopologySpreadConstraint {
  return spread('topology.kubernetes.io/zone', 'DoNotSchedule', selector, perRollout);
}

/** Zones as a hard constraint (see zoneSpread), hosts as a soft one (a small cluster can still schedule). */
export function zoneAndHostSpread(selector: Record<string, string>, perRollout: boolean): k8s.TopologySpreadConstraint[] {
  return [zoneSpread(selector, perRollout), spread('kubernetes.io/hostname', 'ScheduleAnyway', selector, perRollout)];
}

function spread(
  topologyKey: string,
  whenUnsatisfiable: string,
  selector: Record<string, string>,
  perRollout: boolean,
): k8s.TopologySpreadConstraint {
  return {
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable,
    labelSelector: { matchLabels: selector },
    matchLabelKeys: perRollout ? ['pod-template-hash'] : undefined,
  };
}

/** A rolling update that never goes below the desired count: it surges (25 %) instead. */
export function surgeRollout(): k8s.DeploymentStrategy {
  return {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') },
  };
}

/** A TCP port of a Service, sent to the container port of the same name unless `targetPort` names another. */
export function servicePort(name: string, port: number, targetPort = name): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(targetPort), protocol: 'TCP' };
}

/** The workload's one container; the template adds the restricted context and the mounts. */
export interface RestrictedContainerOptions {
  readonly name: string;
  /** Pinned image (the constructs check it). */
  readonly image: string;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /** @default - the image's default arguments */
  readonly args?: string[];
  /** @default - none */
  readonly ports?: k8s.ContainerPort[];
  /** @default - none */
  readonly env?: k8s.EnvVar[];
  readonly resources: ContainerResources;
  /** @default - no probes */
  readonly probes?: ContainerProbes;
}

export interface RestrictedPodTemplateOptions {
  /** Labels of the pods. */
  readonly labels: Record<string, string>;
  /** @default - none */
  readonly annotations?: Record<string, string>;
  readonly serviceAccountName: string;
  /**
   * Mount a service account token: only for pods that call the Kubernetes API.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  readonly priorityClassName: string;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * UID, GID and fsGroup. 0 only for a workload with a recorded policy exception (LogShipper's
   * `runAsRoot`): then pod and container say `runAsNonRoot: false`.
   * @default DEFAULT_RUN_AS_USER (10001)
   */
  readonly runAsUser?: number;
  /** Extra groups of the process, e.g. one that may read the node's log files. @default - none */
  readonly supplementalGroups?: number[];
  /** @default - the workload's default (Always) */
  readonly restartPolicy?: string;
  /** @default - none */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly container: RestrictedContainerOptions;
  /** Volumes and their mounts, in this order. @default - none */
  readonly volumes?: readonly PodVolume[];
}

/** A pod template hardened to Pod Security Standards "restricted", with one container. */
export function restrictedPodTemplate(options: RestrictedPodTemplateOptions): k8s.PodTemplateSpec {
  const uid = options.runAsUser ?? DEFAULT_RUN_AS_USER;
  const volumes = options.volumes ?? [];
  const container = options.container;
  return {
    metadata: { labels: options.labels, annotations: options.annotations },
    spec: {
      restartPolicy: options.restartPolicy,
      serviceAccountName: options.serviceAccountName,
      automountServiceAccountToken: options.automountServiceAccountToken ?? false,
      enableServiceLinks: false,
      priorityClassName: options.priorityClassName,
      terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? 30,
      securityContext: restrictedPodSecurityContext(uid, options.supplementalGroups),
      topologySpreadConstraints: options.topologySpreadConstraints,
      containers: [
        {
          name: container.name,
          image: container.image,
          imagePullPolicy: 'IfNotPresent',
          command: container.command,
          args: container.args,
          ports: container.ports,
          env: container.env,
          resources: kubeResources(container.resources),
          securityContext: restrictedContainerSecurityContext(uid !== 0),
          ...container.probes,
          volumeMounts: volumes.map((v) => v.mount),
        },
      ],
      volumes: volumes.flatMap((v) => (v.volume ? [v.volume] : [])),
    },
  };
}

/** Why `root` may not hold a workload's secret files: it must be an absolute directory other than `/` and `/tmp`. */
export function secretMountRootProblems(root: string | undefined): PropProblem[] {
  if (root === undefined || (/^\/[^\0]*[^/]$/.test(root) && root !== '/tmp')) return [];
  return [{ prop: 'secretMountRoot', value: root, rule: 'must be an absolute directory other than / and /tmp, without a trailing "/"' }];
}

/** Why `uid` may not run a workload (see MIN_RUN_AS_USER). */
export function runAsUserProblems(uid: number): PropProblem[] {
  return problemsOf(
    integerProblem('runAsUser', uid, MIN_RUN_AS_USER, undefined, undefined, 'a low UID can collide with a user of the node'),
  );
}

/** A secret variable whose name a plain one already has. */
export function secretEnvProblems(env: Record<string, string> | undefined, secretEnv: readonly SecretEnvVar[] | undefined): PropProblem[] {
  return (secretEnv ?? [])
    .filter((variable) => env !== undefined && variable.name in env)
    .map((variable) => ({ prop: 'secretEnv', value: variable.name, rule: "must not repeat a name of 'env'" }));
}
