import { POD_SECURITY_RULES } from '../../lib/policy/rules/pod-security';
import { apiPod, compliantShop, messagesOf, verify } from './corpus/fixtures';

/** The PSS rules alone: the breaks below need no schema validation. */
const RULES = POD_SECURITY_RULES;
const A = 'Deployment/shop/api';
const C = 'spec.template.spec.containers[0]';
const BASELINE_CAPS =
  'AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT';

interface Case {
  /** How the manifests break the rule. */
  readonly breaks: (m: ReturnType<typeof apiPod>, manifests: any[]) => void;
  readonly expected: string[];
  /** A near miss that the rule accepts. */
  readonly passes: (m: ReturnType<typeof apiPod>, manifests: any[]) => void;
}

const CASES: Record<string, Case> = {
  'PSS-BASELINE-HOST-PROCESS': {
    breaks: ({ pod }) => {
      pod.securityContext.windowsOptions = { hostProcess: true };
    },
    expected: [
      `${A}: 'spec.template.spec.securityContext.windowsOptions.hostProcess' (true) must be false or unset; HostProcess containers have full access to the Windows node`,
    ],
    passes: ({ pod }) => {
      pod.securityContext.windowsOptions = { hostProcess: false };
    },
  },
  'PSS-BASELINE-HOST-NAMESPACES': {
    breaks: ({ pod }) => {
      pod.hostPID = true;
    },
    expected: [
      `${A}: 'spec.template.spec.hostPID' (true) must be false or unset; sharing the node's namespaces exposes its network, processes or IPC to the pod`,
    ],
    passes: ({ pod }) => {
      Object.assign(pod, { hostPID: false, hostNetwork: false, hostIPC: false });
    },
  },
  'PSS-BASELINE-PRIVILEGED': {
    breaks: ({ container }) => {
      container.securityContext.privileged = true;
    },
    expected: [
      `${A}: '${C}.securityContext.privileged' (true) must be false; a privileged container has all capabilities and access to host devices; add only the capability it needs`,
    ],
    passes: ({ container }) => {
      container.securityContext.privileged = false;
    },
  },
  'PSS-BASELINE-CAPABILITIES': {
    breaks: ({ container }) => {
      container.securityContext.capabilities.add = ['NET_ADMIN'];
    },
    expected: [
      `${A}: '${C}.securityContext.capabilities.add[0]' ("NET_ADMIN") must be one of ${BASELINE_CAPS}; remove it; this capability lets the container reach beyond its isolation`,
    ],
    passes: ({ container }) => {
      container.securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    },
  },
  'PSS-BASELINE-HOST-PATH': {
    breaks: ({ pod }) => {
      pod.volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }];
    },
    expected: [
      `${A}: 'spec.template.spec.volumes[0].hostPath' ({"path":"/var/run/docker.sock"}) must not be used; use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead`,
    ],
    passes: ({ pod }) => {
      pod.volumes = [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
    },
  },
  'PSS-BASELINE-HOST-PORTS': {
    breaks: ({ container }) => {
      container.ports[0].hostPort = 8080;
    },
    expected: [`${A}: '${C}.ports[0].hostPort' (8080) must be 0 or unset; expose the port through a Service`],
    passes: ({ container }) => {
      container.ports[0].hostPort = 0;
    },
  },
  'PSS-BASELINE-APPARMOR': {
    breaks: ({ deployment }) => {
      deployment.spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/api': 'unconfined' };
    },
    expected: [
      `${A}: 'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/api"]' ("unconfined") must be runtime/default or localhost/<profile>; remove it, or use runtime/default`,
    ],
    passes: ({ deployment }) => {
      deployment.spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/api': 'localhost/k8s-api' };
    },
  },
  'PSS-BASELINE-SELINUX': {
    breaks: ({ container }) => {
      container.securityContext.seLinuxOptions = { type: 'spc_t', user: 'system_u' };
    },
    expected: [
      `${A}: '${C}.securityContext.seLinuxOptions.type' ("spc_t") must be container_t, container_init_t, container_kvm_t or unset; remove it`,
      `${A}: '${C}.securityContext.seLinuxOptions.user' ("system_u") must be unset; remove it`,
    ],
    passes: ({ container }) => {
      container.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' };
    },
  },
  'PSS-BASELINE-PROC-MOUNT': {
    breaks: ({ container }) => {
      container.securityContext.procMount = 'Unmasked';
    },
    expected: [`${A}: '${C}.securityContext.procMount' ("Unmasked") must be Default or unset; an unmasked /proc exposes host information`],
    passes: ({ container }) => {
      container.securityContext.procMount = 'Default';
    },
  },
  'PSS-BASELINE-SECCOMP': {
    breaks: ({ container }) => {
      container.securityContext.seccompProfile = { type: 'Unconfined' };
    },
    expected: [`${A}: '${C}.securityContext.seccompProfile.type' ("Unconfined") must not be Unconfined; use RuntimeDefault`],
    passes: ({ container }) => {
      container.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/api.json' };
    },
  },
  'PSS-BASELINE-SYSCTLS': {
    breaks: ({ pod }) => {
      pod.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }];
    },
    expected: [
      `${A}: 'spec.template.spec.securityContext.sysctls[0].name' ("kernel.msgmax") must be one of the safe sysctls kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports; other sysctls affect the whole node`,
    ],
    passes: ({ pod }) => {
      pod.securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }];
    },
  },
  'PSS-RESTRICTED-VOLUME-TYPES': {
    breaks: ({ pod }) => {
      pod.volumes = [{ name: 'data', nfs: { server: 'nfs.example.com', path: '/exports' } }];
    },
    expected: [
      `${A}: 'spec.template.spec.volumes[0].nfs' ({"server":"nfs.example.com","path":"/exports"}) must be one of the volume types configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret; mount storage through a PersistentVolumeClaim`,
    ],
    passes: ({ pod }) => {
      pod.volumes = [
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'token', projected: { sources: [] } },
      ];
    },
  },
  'PSS-RESTRICTED-PRIVILEGE-ESCALATION': {
    breaks: ({ container }) => {
      delete container.securityContext.allowPrivilegeEscalation;
    },
    expected: [`${A}: '${C}.securityContext.allowPrivilegeEscalation' (missing) must be false; set it to false`],
    // Restricted exempts Windows pods from this control.
    passes: ({ pod, container }) => {
      pod.os = { name: 'windows' };
      delete container.securityContext.allowPrivilegeEscalation;
    },
  },
  'PSS-RESTRICTED-RUN-AS-NON-ROOT': {
    breaks: ({ pod }) => {
      delete pod.securityContext.runAsNonRoot;
    },
    expected: [
      `${A}: '${C}.securityContext.runAsNonRoot' (missing) must be true, here or in the pod's 'securityContext.runAsNonRoot'; set it to true at pod level`,
    ],
    passes: ({ pod, container }) => {
      delete pod.securityContext.runAsNonRoot;
      container.securityContext.runAsNonRoot = true;
    },
  },
  'PSS-RESTRICTED-RUN-AS-USER': {
    breaks: ({ container }) => {
      container.securityContext.runAsUser = 0;
    },
    expected: [`${A}: '${C}.securityContext.runAsUser' (0) must not be 0; run as a non-root UID (the platform uses 10001)`],
    passes: ({ container }) => {
      container.securityContext.runAsUser = 1000;
    },
  },
  'PSS-RESTRICTED-SECCOMP': {
    breaks: ({ pod }) => {
      delete pod.securityContext.seccompProfile;
    },
    expected: [
      `${A}: '${C}.securityContext.seccompProfile.type' (missing) must be RuntimeDefault or Localhost, here or in the pod's 'securityContext.seccompProfile.type'; set RuntimeDefault at pod level`,
    ],
    passes: ({ pod, container }) => {
      delete pod.securityContext.seccompProfile;
      container.securityContext.seccompProfile = { type: 'RuntimeDefault' };
    },
  },
  'PSS-RESTRICTED-CAPABILITIES': {
    breaks: ({ container }) => {
      container.securityContext.capabilities = { drop: ['NET_RAW'], add: ['CHOWN'] };
    },
    expected: [
      `${A}: '${C}.securityContext.capabilities.add[0]' ("CHOWN") must be NET_BIND_SERVICE; remove it`,
      `${A}: '${C}.securityContext.capabilities.drop' (["NET_RAW"]) must include 'ALL'; drop ALL and add back only NET_BIND_SERVICE if the container binds a port below 1024`,
    ],
    passes: ({ container }) => {
      container.securityContext.capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] };
    },
  },
};

describe('Pod Security Standards rules |', () => {
  test('cover every control of the official table, baseline then restricted, each once', () => {
    expect(RULES.map((r) => r.id)).toEqual(Object.keys(CASES));
    expect(
      RULES.every((r) => r.severity === 'error' && /^Pod Security Standards \((baseline|restricted)\), control "/.test(r.source)),
    ).toBe(true);
  });

  test('the compliant shop breaks none of them', () => {
    expect(verify(compliantShop(), { rules: RULES }).findings).toEqual([]);
  });

  describe.each(Object.entries(CASES))('%s |', (ruleId, c) => {
    test('fails on a manifest that breaks it, with an exact message', () => {
      // GIVEN
      const manifests = compliantShop();
      c.breaks(apiPod(manifests), manifests);
      // WHEN
      const report = verify(manifests, { rules: RULES });
      // THEN
      expect(messagesOf(report, ruleId)).toEqual(c.expected);
      expect(report.findings.every((f) => f.ruleId === ruleId && f.severity === 'error' && f.object === A)).toBe(true);
    });

    test('passes on a near miss', () => {
      const manifests = compliantShop();
      c.passes(apiPod(manifests), manifests);
      expect(verify(manifests, { rules: RULES }).findings).toEqual([]);
    });
  });

  test('checks init and ephemeral containers, CronJob pods and pod-level fields too', () => {
    // GIVEN
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: 'shop' },
      spec: {
        schedule: '@daily',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 0,
                  seccompProfile: { type: 'Unconfined' },
                  seLinuxOptions: { role: 'sysadm_r' },
                },
                initContainers: [
                  { name: 'init', image: 'x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
                ],
                containers: [
                  { name: 'main', image: 'x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
                ],
                ephemeralContainers: [
                  {
                    name: 'debug',
                    image: 'x:1',
                    securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                  },
                ],
              },
            },
          },
        },
      },
    };
    // WHEN
    const report = verify([cronJob], { rules: RULES });
    // THEN
    const P = 'spec.jobTemplate.spec.template.spec';
    expect(report.findings.map((f) => `${f.ruleId} ${f.path}`)).toEqual([
      `PSS-BASELINE-PRIVILEGED ${P}.ephemeralContainers[0].securityContext.privileged`,
      `PSS-BASELINE-SECCOMP ${P}.securityContext.seccompProfile.type`,
      `PSS-BASELINE-SELINUX ${P}.securityContext.seLinuxOptions.role`,
      `PSS-RESTRICTED-RUN-AS-USER ${P}.securityContext.runAsUser`,
      `PSS-RESTRICTED-SECCOMP ${P}.containers[0].securityContext.seccompProfile.type`,
      `PSS-RESTRICTED-SECCOMP ${P}.ephemeralContainers[0].securityContext.seccompProfile.type`,
      `PSS-RESTRICTED-SECCOMP ${P}.initContainers[0].securityContext.seccompProfile.type`,
    ]);
  });
});
