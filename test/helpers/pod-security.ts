/**
 * The controls of Pod Security Standards "restricted" (which include "baseline"), checked on
 * one pod spec. Returns one message per violated control.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];

export function restrictedViolations(pod: any): string[] {
  const problems: string[] = [];
  const podContext = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('host namespaces');
  for (const volume of pod.volumes ?? []) {
    const source = Object.keys(volume).find((k) => k !== 'name');
    if (!source || !ALLOWED_VOLUME_SOURCES.includes(source)) problems.push(`volume ${volume.name} uses ${source}`);
  }
  for (const sysctl of podContext.sysctls ?? []) {
    if (!SAFE_SYSCTLS.includes(sysctl.name)) problems.push(`unsafe sysctl ${sysctl.name}`);
  }
  if (podContext.seLinuxOptions?.user || podContext.seLinuxOptions?.role) problems.push('pod SELinux user/role');
  if (podContext.runAsUser === 0) problems.push('pod runs as UID 0');
  if (podContext.windowsOptions?.hostProcess) problems.push('pod hostProcess');
  const podSeccomp = podContext.seccompProfile?.type;
  if (podSeccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) problems.push(`pod seccomp ${podSeccomp}`);

  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])]) {
    const c = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (c.privileged) problems.push(`${where} is privileged`);
    if (c.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
    if (!(c.runAsNonRoot ?? podContext.runAsNonRoot)) problems.push(`${where} may run as root`);
    if (c.runAsUser === 0) problems.push(`${where} runs as UID 0`);
    const seccomp = c.seccompProfile?.type ?? podSeccomp;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) problems.push(`${where} has no RuntimeDefault/Localhost seccomp profile`);
    if (!(c.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where} does not drop ALL capabilities`);
    for (const added of c.capabilities?.add ?? []) {
      if (added !== 'NET_BIND_SERVICE') problems.push(`${where} adds capability ${added}`);
    }
    if (c.procMount && c.procMount !== 'Default') problems.push(`${where} procMount ${c.procMount}`);
    if (c.seLinuxOptions?.user || c.seLinuxOptions?.role) problems.push(`${where} SELinux user/role`);
    if (c.windowsOptions?.hostProcess) problems.push(`${where} hostProcess`);
    if (c.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(c.appArmorProfile.type)) problems.push(`${where} AppArmor ${c.appArmorProfile.type}`);
    for (const port of container.ports ?? []) {
      if (port.hostPort) problems.push(`${where} uses hostPort ${port.hostPort}`);
    }
  }
  return problems;
}

/** The pod spec of a workload manifest, or undefined for other kinds. */
export function podSpecOf(manifest: any): any {
  switch (manifest.kind) {
    case 'Pod':
      return manifest.spec;
    case 'CronJob':
      return manifest.spec.jobTemplate.spec.template.spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return manifest.spec.template.spec;
    default:
      return undefined;
  }
}
