/**
 * Pod Security Standards "restricted" (which includes "baseline") for tests, as short messages.
 * The checks are the library's policy rules (`podSecurityViolations`, one rule per control of the
 * official table); this file only words them briefly.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { podSecurityViolations, PodSecurityViolation, podSpecOf as libraryPodSpecOf } from '../../lib/policy/rules/pod-security';

/** One short message per violated control and container, e.g. `container x is privileged`, in the pod's order. */
export function restrictedViolations(pod: any): string[] {
  const messages: string[] = [];
  for (const violation of podSecurityViolations(pod)) {
    const message = shortMessage(violation);
    if (message !== undefined && !messages.includes(message)) messages.push(message);
  }
  return messages;
}

/** The pod spec of a workload manifest, or undefined for other kinds. */
export function podSpecOf(manifest: any): any {
  return libraryPodSpecOf(manifest);
}

function shortMessage(v: PodSecurityViolation): string | undefined {
  const where = v.container === undefined ? 'pod' : `container ${v.container}`;
  switch (v.control) {
    case 'PSS-BASELINE-HOST-NAMESPACES':
      return 'host namespaces';
    case 'PSS-BASELINE-HOST-PATH':
      return `volume ${v.volume} uses hostPath`;
    case 'PSS-RESTRICTED-VOLUME-TYPES':
      return `volume ${v.volume} uses ${/^volumes\[\d+\]\.(\w+)$/.exec(v.path)?.[1]}`;
    case 'PSS-BASELINE-SYSCTLS':
      return `unsafe sysctl ${v.value}`;
    case 'PSS-BASELINE-SELINUX':
      return v.path.endsWith('.type') ? `${where} SELinux type ${v.value}` : `${where} SELinux user/role`;
    case 'PSS-RESTRICTED-RUN-AS-USER':
      return `${where} runs as UID 0`;
    case 'PSS-RESTRICTED-RUN-AS-NON-ROOT':
      return v.container === undefined ? undefined : `${where} may run as root`;
    case 'PSS-BASELINE-HOST-PROCESS':
      return `${where} hostProcess`;
    case 'PSS-BASELINE-SECCOMP':
    case 'PSS-RESTRICTED-SECCOMP':
      return v.container === undefined ? `pod seccomp ${v.value}` : `${where} has no RuntimeDefault/Localhost seccomp profile`;
    case 'PSS-BASELINE-PRIVILEGED':
      return `${where} is privileged`;
    case 'PSS-RESTRICTED-PRIVILEGE-ESCALATION':
      return `${where} allows privilege escalation`;
    case 'PSS-RESTRICTED-CAPABILITIES':
      return v.path.endsWith('.drop') ? `${where} does not drop ALL capabilities` : `${where} adds capability ${v.value}`;
    case 'PSS-BASELINE-CAPABILITIES':
      return `${where} adds capability ${v.value}`;
    case 'PSS-BASELINE-PROC-MOUNT':
      return `${where} procMount ${v.value}`;
    case 'PSS-BASELINE-APPARMOR':
      return v.scope === 'metadata' ? `${where} AppArmor annotation ${v.value}` : `${where} AppArmor ${v.value}`;
    case 'PSS-BASELINE-HOST-PORTS':
      return `${where} uses hostPort ${v.value}`;
    default:
      return `${where}: ${v.control}`;
  }
}
