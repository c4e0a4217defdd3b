/**
 * Pod Security Standards, every control of the official table (policy version v1.28, the version
 * the platform's namespaces enforce), as one rule per control.
 *
 * Restricted includes baseline. A field that breaks a baseline control is reported by that
 * control only (an added SYS_ADMIN is PSS-BASELINE-CAPABILITIES, not also PSS-RESTRICTED-CAPABILITIES).
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { isPlainObject } from '../../core';
import { PolicyRule, violation } from '../findings';
import { PodTemplate, PolicyContext } from './_context';
import { asArray } from './_selectors';

const PSS_URI = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

/** Capabilities that baseline allows to add (besides none). */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Sysctls that baseline allows in policy version v1.28 (the `tcp_keepalive_*`/`tcp_fin_timeout` ones came in v1.29). */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
];

/** Volume sources that restricted allows. */
export const RESTRICTED_VOLUME_SOURCES: readonly string[] = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const CONFINED_SECCOMP = ['RuntimeDefault', 'Localhost'];
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/** One control that a pod breaks. */
export interface PodSecurityViolation {
  /** The rule id of the control, e.g. `PSS-BASELINE-PRIVILEGED`. */
  readonly control: string;
  /** Whether `path` is inside the pod's `spec` or its `metadata` (annotations). */
  readonly scope: 'spec' | 'metadata';
  /** Field path relative to the pod spec or metadata, e.g. `containers[0].securityContext.privileged`. */
  readonly path: string;
  readonly value: unknown;
  /** Completes `'<path>' (<value>) …`, e.g. `must be false`. */
  readonly rule: string;
  readonly fix: string;
  /** The container concerned. @default - the pod as a whole */
  readonly container?: string;
  /** The volume concerned. @default - none */
  readonly volume?: string;
}

/**
 * Every Pod Security Standards control (baseline and restricted) that a pod breaks, pod-level
 * fields first, then each container (init, regular, ephemeral) in order.
 *
 * @param spec the pod spec
 * @param annotations the pod's annotations (for the AppArmor annotations) @default {}
 */
export function podSecurityViolations(spec: any, annotations: Readonly<Record<string, string>> = {}): PodSecurityViolation[] {
  const out: PodSecurityViolation[] = [];
  const pod = isPlainObject(spec) ? spec : {};
  const podContext = isPlainObject(pod.securityContext) ? pod.securityContext : {};
  const windows = pod.os?.name === 'windows';
  const add: AddViolation = (v) => out.push({ scope: 'spec', ...v });

  hostNamespaceViolations(pod, add);
  volumeViolations(pod.volumes, add);
  podSecurityContextViolations(podContext, windows, add);
  appArmorAnnotationViolations(annotations, add);
  for (const [field, containers] of [
    ['initContainers', pod.initContainers],
    ['containers', pod.containers],
    ['ephemeralContainers', pod.ephemeralContainers],
  ] as const) {
    asArray(containers).forEach((container: any, i: number) => containerViolations(container, `${field}[${i}]`, podContext, windows, add));
  }
  return out;
}

/** Reports a violation; its scope is `spec` unless given. */
type AddViolation = (v: Omit<PodSecurityViolation, 'scope'> & { scope?: PodSecurityViolation['scope'] }) => void;

function hostNamespaceViolations(pod: any, add: AddViolation): void {
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[field] !== undefined && pod[field] !== false) {
      add({
        control: HOST_NAMESPACES.id,
        path: field,
        value: pod[field],
        rule: 'must be false or unset',
        fix: "sharing the node's namespaces exposes its network, processes or IPC to the pod",
      });
    }
  }
}

function volumeViolations(volumes: unknown, add: AddViolation): void {
  asArray(volumes).forEach((volume: any, i: number) => {
    const source = isPlainObject(volume)
      ? Object.keys(volume).find((k) => k !== 'name' && volume[k] !== undefined && volume[k] !== null)
      : undefined;
    const name = typeof volume?.name === 'string' ? volume.name : undefined;
    if (source === 'hostPath') {
      add({
        control: HOST_PATH.id,
        path: `volumes[${i}].hostPath`,
        value: volume.hostPath,
        rule: 'must not be used',
        fix: 'use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead',
        volume: name,
      });
    } else if (!source || !RESTRICTED_VOLUME_SOURCES.includes(source)) {
      add({
        control: VOLUME_TYPES.id,
        path: source ? `volumes[${i}].${source}` : `volumes[${i}]`,
        value: source ? volume[source] : volume,
        rule: `must be one of the volume types ${RESTRICTED_VOLUME_SOURCES.join(', ')}`,
        fix: 'mount storage through a PersistentVolumeClaim',
        volume: name ?? source,
      });
    }
  });
}

/** The controls on the pod's `securityContext`. */
function podSecurityContextViolations(podContext: any, windows: boolean, add: AddViolation): void {
  asArray(podContext.sysctls).forEach((sysctl: any, i: number) => {
    if (!SAFE_SYSCTLS.includes(sysctl?.name)) {
      add({
        control: SYSCTLS.id,
        path: `securityContext.sysctls[${i}].name`,
        value: sysctl?.name,
        rule: `must be one of the safe sysctls ${SAFE_SYSCTLS.join(', ')}`,
        fix: 'other sysctls affect the whole node',
      });
    }
  });
  seLinux(podContext.seLinuxOptions, 'securityContext.seLinuxOptions', undefined, add);
  if (podContext.runAsUser === 0) {
    add({
      control: RUN_AS_USER.id,
      path: 'securityContext.runAsUser',
      value: 0,
      rule: 'must not be 0',
      fix: 'run as a non-root UID (the platform uses 10001)',
    });
  }
  if (podContext.runAsNonRoot === false) {
    add({ control: RUN_AS_NON_ROOT.id, path: 'securityContext.runAsNonRoot', value: false, rule: 'must be true', fix: 'set it to true' });
  }
  if (podContext.windowsOptions?.hostProcess !== undefined && podContext.windowsOptions.hostProcess !== false) {
    add({
      control: HOST_PROCESS.id,
      path: 'securityContext.windowsOptions.hostProcess',
      value: podContext.windowsOptions.hostProcess,
      rule: 'must be false or unset',
      fix: 'HostProcess containers have full access to the Windows node',
    });
  }
  const podSeccomp = podContext.seccompProfile?.type;
  if (podSeccomp === 'Unconfined') {
    add({
      control: BASELINE_SECCOMP.id,
      path: 'securityContext.seccompProfile.type',
      value: podSeccomp,
      rule: 'must not be Unconfined',
      fix: 'use RuntimeDefault',
    });
  } else if (podSeccomp !== undefined && !CONFINED_SECCOMP.includes(podSeccomp) && !windows) {
    add({
      control: RESTRICTED_SECCOMP.id,
      path: 'securityContext.seccompProfile.type',
      value: podSeccomp,
      rule: 'must be RuntimeDefault or Localhost',
      fix: 'use RuntimeDefault',
    });
  }
  appArmorProfile(podContext.appArmorProfile, 'securityContext.appArmorProfile.type', undefined, add);
}

/** The AppArmor profiles set by the (pre-v1.30) pod annotations. */
function appArmorAnnotationViolations(annotations: Readonly<Record<string, string>>, add: AddViolation): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      add({
        control: APPARMOR.id,
        scope: 'metadata',
        path: `annotations[${JSON.stringify(key)}]`,
        value,
        rule: 'must be runtime/default or localhost/<profile>',
        fix: 'remove it, or use runtime/default',
        container: key.slice(APPARMOR_ANNOTATION.length),
      });
    }
  }
}

/** The controls on one container (init, regular or ephemeral) at `at`, e.g. `containers[0]`. */
function containerViolations(container: any, at: string, podContext: any, windows: boolean, add: AddViolation): void {
  const name = typeof container?.name === 'string' ? container.name : at;
  const c = isPlainObject(container?.securityContext) ? container.securityContext : {};
  const sc = `${at}.securityContext`;
  const addC: AddContainerViolation = (v) => add({ ...v, container: name });

  privilegeViolations(c, sc, windows, addC);
  runAsViolations(c, sc, podContext, addC);
  containerSeccompViolations(c, sc, podContext, windows, addC);
  capabilityViolations(c.capabilities, sc, windows, addC);
  if (c.procMount !== undefined && c.procMount !== 'Default') {
    addC({
      control: PROC_MOUNT.id,
      path: `${sc}.procMount`,
      value: c.procMount,
      rule: 'must be Default or unset',
      fix: 'an unmasked /proc exposes host information',
    });
  }
  seLinux(c.seLinuxOptions, `${sc}.seLinuxOptions`, name, add);
  if (c.windowsOptions?.hostProcess !== undefined && c.windowsOptions.hostProcess !== false) {
    addC({
      control: HOST_PROCESS.id,
      path: `${sc}.windowsOptions.hostProcess`,
      value: c.windowsOptions.hostProcess,
      rule: 'must be false or unset',
      fix: 'HostProcess containers have full access to the Windows node',
    });
  }
  appArmorProfile(c.appArmorProfile, `${sc}.appArmorProfile.type`, name, add);
  hostPortViolations(container, at, addC);
}

/** Privileged mode and privilege escalation of a container (`c` its securityContext, at `sc`). */
function privilegeViolations(c: any, sc: string, windows: boolean, addC: AddContainerViolation): void {
  if (c.privileged !== undefined && c.privileged !== false) {
    addC({
      control: PRIVILEGED.id,
      path: `${sc}.privileged`,
      value: c.privileged,
      rule: 'must be false',
      fix: 'a privileged container has all capabilities and access to host devices; add only the capability it needs',
    });
  }
  if (!windows && c.allowPrivilegeEscalation !== false) {
    addC({
      control: PRIVILEGE_ESCALATION.id,
      path: `${sc}.allowPrivilegeEscalation`,
      value: c.allowPrivilegeEscalation,
      rule: 'must be false',
      fix: 'set it to false',
    });
  }
}

/** A container's user: non-root, here or at pod level, and never UID 0. */
function runAsViolations(c: any, sc: string, podContext: any, addC: AddContainerViolation): void {
  if (c.runAsNonRoot === false) {
    addC({
      control: RUN_AS_NON_ROOT.id,
      path: `${sc}.runAsNonRoot`,
      value: false,
      rule: 'must be true',
      fix: 'run the image as a non-root user',
    });
  } else if (c.runAsNonRoot !== true && podContext.runAsNonRoot !== true) {
    addC({
      control: RUN_AS_NON_ROOT.id,
      path: `${sc}.runAsNonRoot`,
      value: c.runAsNonRoot,
      rule: "must be true, here or in the pod's 'securityContext.runAsNonRoot'",
      fix: 'set it to true at pod level',
    });
  }
  if (c.runAsUser === 0) {
    addC({
      control: RUN_AS_USER.id,
      path: `${sc}.runAsUser`,
      value: 0,
      rule: 'must not be 0',
      fix: 'run as a non-root UID (the platform uses 10001)',
    });
  }
}

/** A container's seccomp profile: never Unconfined, and confined here or at pod level (except on Windows). */
function containerSeccompViolations(c: any, sc: string, podContext: any, windows: boolean, addC: AddContainerViolation): void {
  const seccomp = c.seccompProfile?.type;
  const podSeccomp = podContext.seccompProfile?.type;
  if (seccomp === 'Unconfined') {
    addC({
      control: BASELINE_SECCOMP.id,
      path: `${sc}.seccompProfile.type`,
      value: seccomp,
      rule: 'must not be Unconfined',
      fix: 'use RuntimeDefault',
    });
  } else if (!windows && (seccomp !== undefined ? !CONFINED_SECCOMP.includes(seccomp) : !CONFINED_SECCOMP.includes(podSeccomp))) {
    addC({
      control: RESTRICTED_SECCOMP.id,
      path: `${sc}.seccompProfile.type`,
      value: seccomp,
      rule: "must be RuntimeDefault or Localhost, here or in the pod's 'securityContext.seccompProfile.type'",
      fix: 'set RuntimeDefault at pod level',
    });
  }
}

/** A container's ports: no host port. */
function hostPortViolations(container: any, at: string, addC: AddContainerViolation): void {
  asArray(container?.ports).forEach((port: any, j: number) => {
    if (port?.hostPort !== undefined && port.hostPort !== 0) {
      addC({
        control: HOST_PORTS.id,
        path: `${at}.ports[${j}].hostPort`,
        value: port.hostPort,
        rule: 'must be 0 or unset',
        fix: 'expose the port through a Service',
      });
    }
  });
}

/** Reports a violation of the container at hand. */
type AddContainerViolation = (v: Omit<PodSecurityViolation, 'scope' | 'container'>) => void;

/** The controls on a container's `securityContext.capabilities` (at `sc`, the securityContext's path). */
function capabilityViolations(capabilitiesField: unknown, sc: string, windows: boolean, addC: AddContainerViolation): void {
  const capabilities = isPlainObject(capabilitiesField) ? capabilitiesField : {};
  if (!windows && !asArray(capabilities.drop).includes('ALL')) {
    addC({
      control: RESTRICTED_CAPABILITIES.id,
      path: `${sc}.capabilities.drop`,
      value: capabilities.drop,
      rule: "must include 'ALL'",
      fix: 'drop ALL and add back only NET_BIND_SERVICE if the container binds a port below 1024',
    });
  }
  asArray(capabilities.add).forEach((capability: unknown, j: number) => {
    const path = `${sc}.capabilities.add[${j}]`;
    if (typeof capability !== 'string' || !BASELINE_CAPABILITIES.includes(capability)) {
      addC({
        control: BASELINE_CAPABILITIES_RULE.id,
        path,
        value: capability,
        rule: `must be one of ${BASELINE_CAPABILITIES.join(', ')}`,
        fix: 'remove it; this capability lets the container reach beyond its isolation',
      });
    } else if (!windows && capability !== 'NET_BIND_SERVICE') {
      addC({ control: RESTRICTED_CAPABILITIES.id, path, value: capability, rule: 'must be NET_BIND_SERVICE', fix: 'remove it' });
    }
  });
}

type Add = (v: Omit<PodSecurityViolation, 'scope'>) => void;

function seLinux(options: any, path: string, container: string | undefined, add: Add): void {
  if (!isPlainObject(options)) return;
  const base = container === undefined ? {} : { container };
  if (options.type !== undefined && !SELINUX_TYPES.includes(options.type)) {
    add({
      control: SELINUX.id,
      path: `${path}.type`,
      value: options.type,
      rule: 'must be container_t, container_init_t, container_kvm_t or unset',
      fix: 'remove it',
      ...base,
    });
  }
  for (const field of ['user', 'role']) {
    if (options[field] !== undefined && options[field] !== '') {
      add({ control: SELINUX.id, path: `${path}.${field}`, value: options[field], rule: 'must be unset', fix: 'remove it', ...base });
    }
  }
}

function appArmorProfile(profile: any, path: string, container: string | undefined, add: Add): void {
  const type = profile?.type;
  if (type !== undefined && !CONFINED_SECCOMP.includes(type)) {
    add({
      control: APPARMOR.id,
      path,
      value: type,
      rule: 'must be RuntimeDefault or Localhost',
      fix: 'remove it, or use RuntimeDefault',
      ...(container === undefined ? {} : { container }),
    });
  }
}

function control(id: string, level: 'baseline' | 'restricted', name: string, title: string, rationale: string, fix: string): PolicyRule {
  const rule: PolicyRule = {
    id,
    severity: 'error',
    title,
    rationale,
    source: `Pod Security Standards (${level}), control "${name}"`,
    fix,
    helpUri: `${PSS_URI}#${level}`,
    check: (context) => {
      const ctx = context as PolicyContext;
      for (const pod of ctx.pods) {
        for (const v of violationsOf(pod)) {
          if (v.control !== id) continue;
          const prefix = v.scope === 'spec' ? pod.specPath : pod.metadataPath;
          ctx.report(rule, pod.object, violation(prefix ? `${prefix}.${v.path}` : v.path, v.value, v.rule, v.fix));
        }
      }
    },
  };
  return rule;
}

const cache = new WeakMap<PodTemplate, PodSecurityViolation[]>();

/** The pod's violations, computed once per pod for all the PSS rules. */
function violationsOf(pod: PodTemplate): PodSecurityViolation[] {
  let found = cache.get(pod);
  if (!found) {
    found = podSecurityViolations(pod.spec, pod.annotations);
    cache.set(pod, found);
  }
  return found;
}

const HOST_PROCESS = control(
  'PSS-BASELINE-HOST-PROCESS',
  'baseline',
  'HostProcess',
  'No Windows HostProcess containers',
  'A HostProcess container runs with full access to the Windows node.',
  "Remove 'windowsOptions.hostProcess' or set it to false.",
);
const HOST_NAMESPACES = control(
  'PSS-BASELINE-HOST-NAMESPACES',
  'baseline',
  'Host Namespaces',
  "No sharing of the node's namespaces",
  "Sharing the node's network, PID or IPC namespace removes the pod's isolation from the node.",
  "Remove 'hostNetwork', 'hostPID' and 'hostIPC' or set them to false.",
);
const PRIVILEGED = control(
  'PSS-BASELINE-PRIVILEGED',
  'baseline',
  'Privileged Containers',
  'Containers are not privileged',
  'A privileged container has every capability and the host devices: it can take over the node.',
  "Remove 'securityContext.privileged' or set it to false; add only the capability the container needs.",
);
const BASELINE_CAPABILITIES_RULE = control(
  'PSS-BASELINE-CAPABILITIES',
  'baseline',
  'Capabilities',
  'Only default capabilities are added',
  'Capabilities beyond the container runtime defaults (SYS_ADMIN, NET_ADMIN, …) break container isolation.',
  "Remove the capability from 'securityContext.capabilities.add'.",
);
const HOST_PATH = control(
  'PSS-BASELINE-HOST-PATH',
  'baseline',
  'HostPath Volumes',
  'No hostPath volumes',
  "A hostPath volume gives the pod the node's files, including other pods' data and credentials.",
  'Use an emptyDir, a ConfigMap or Secret, or a PersistentVolumeClaim.',
);
const HOST_PORTS = control(
  'PSS-BASELINE-HOST-PORTS',
  'baseline',
  'Host Ports',
  'No host ports',
  "A host port binds the node's network interface, bypassing Services and NetworkPolicies.",
  "Remove 'hostPort' and expose the port through a Service.",
);
const APPARMOR = control(
  'PSS-BASELINE-APPARMOR',
  'baseline',
  'AppArmor',
  'AppArmor is not disabled',
  'Overriding the default AppArmor profile with unconfined removes a layer of isolation.',
  'Remove the override or use runtime/default (RuntimeDefault).',
);
const SELINUX = control(
  'PSS-BASELINE-SELINUX',
  'baseline',
  'SELinux',
  'No custom SELinux user, role or type',
  'A custom SELinux user, role or type can lift the confinement of the container.',
  "Remove 'seLinuxOptions' user and role; use a container type or none.",
);
const PROC_MOUNT = control(
  'PSS-BASELINE-PROC-MOUNT',
  'baseline',
  '/proc Mount Type',
  'The default /proc mount',
  'An unmasked /proc exposes kernel and host information.',
  "Remove 'securityContext.procMount' or set it to Default.",
);
const BASELINE_SECCOMP = control(
  'PSS-BASELINE-SECCOMP',
  'baseline',
  'Seccomp',
  'Seccomp is not disabled',
  'An Unconfined seccomp profile gives the container every system call of the host kernel.',
  "Set 'seccompProfile.type' to RuntimeDefault.",
);
const SYSCTLS = control(
  'PSS-BASELINE-SYSCTLS',
  'baseline',
  'Sysctls',
  'Only namespaced, safe sysctls',
  'Unsafe sysctls change kernel settings for every pod on the node.',
  'Remove the sysctl or run the workload on dedicated nodes outside this policy.',
);
const VOLUME_TYPES = control(
  'PSS-RESTRICTED-VOLUME-TYPES',
  'restricted',
  'Volume Types',
  'Only restricted volume types',
  "Other volume types mount node or network storage directly, outside the cluster's access control.",
  'Mount storage through a PersistentVolumeClaim (or configMap, secret, emptyDir, projected, downwardAPI, csi, ephemeral).',
);
const PRIVILEGE_ESCALATION = control(
  'PSS-RESTRICTED-PRIVILEGE-ESCALATION',
  'restricted',
  'Privilege Escalation',
  'No privilege escalation',
  'Without it, setuid binaries and file capabilities can give a process more privileges than its parent.',
  "Set 'securityContext.allowPrivilegeEscalation' to false in every container.",
);
const RUN_AS_NON_ROOT = control(
  'PSS-RESTRICTED-RUN-AS-NON-ROOT',
  'restricted',
  'Running as Non-root',
  'Containers must run as non-root',
  'Root in a container is root on the node after a container escape.',
  "Set 'securityContext.runAsNonRoot: true' at pod level.",
);
const RUN_AS_USER = control(
  'PSS-RESTRICTED-RUN-AS-USER',
  'restricted',
  'Running as Non-root user',
  'No UID 0',
  'UID 0 is root, whatever runAsNonRoot says.',
  "Set 'runAsUser' to a non-zero UID (the platform uses 10001) or leave it to the image.",
);
const RESTRICTED_SECCOMP = control(
  'PSS-RESTRICTED-SECCOMP',
  'restricted',
  'Seccomp',
  'A seccomp profile is set',
  'The RuntimeDefault profile blocks system calls that containers never need and exploits often do.',
  "Set 'securityContext.seccompProfile.type: RuntimeDefault' at pod level.",
);
const RESTRICTED_CAPABILITIES = control(
  'PSS-RESTRICTED-CAPABILITIES',
  'restricted',
  'Capabilities',
  'All capabilities dropped',
  'Every capability a container keeps widens what a compromised process can do.',
  "Set 'securityContext.capabilities.drop: [ALL]'; add back only NET_BIND_SERVICE.",
);

/** The Pod Security Standards rules, baseline then restricted, in the order of the official table. */
export const POD_SECURITY_RULES: readonly PolicyRule[] = [
  HOST_PROCESS,
  HOST_NAMESPACES,
  PRIVILEGED,
  BASELINE_CAPABILITIES_RULE,
  HOST_PATH,
  HOST_PORTS,
  APPARMOR,
  SELINUX,
  PROC_MOUNT,
  BASELINE_SECCOMP,
  SYSCTLS,
  VOLUME_TYPES,
  PRIVILEGE_ESCALATION,
  RUN_AS_NON_ROOT,
  RUN_AS_USER,
  RESTRICTED_SECCOMP,
  RESTRICTED_CAPABILITIES,
];

/** The pod spec of a workload manifest (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate), or undefined. */
export function podSpecOf(manifest: any): any {
  return new PolicyContext([{ manifest }]).pods[0]?.spec;
}
