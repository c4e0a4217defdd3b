/**
 * RBAC usability: a grant to a service account is used by pods that can present its token to
 * the API server. Judged only on what the input holds: the bindings, the pods running as the
 * bound account, their ServiceAccount and the NetworkPolicies of their namespace.
 */
import { isPlainObject } from '../../core';
import { ManifestObject, PolicyRule, statement } from '../findings';
import { PodTemplate, PolicyContext } from './_context';
import { governs, portsAdmit } from './_netpol';
import { inputRule } from './_rule';
import { asArray, labelSelectorMatches } from './_selectors';
import { API_SERVER_PORTS } from '../../core/cluster-components';

const RBAC = 'rbac.authorization.k8s.io';

/** Whether the pod has a token of its service account: automounted, or projected. */
function hasToken(ctx: PolicyContext, pod: PodTemplate, account: string): boolean {
  const projected = asArray(pod.spec.volumes).some((v: any) =>
    asArray(v?.projected?.sources).some((s: any) => isPlainObject(s?.serviceAccountToken)),
  );
  if (projected) return true;
  if (typeof pod.spec.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  const sa = ctx.ofKind('', 'ServiceAccount').find((s) => s.name === account && ctx.scopeOf(s) === pod.scope);
  return sa?.manifest.automountServiceAccountToken !== false;
}

/**
 * Whether the pod may open a connection to the API server: its egress is not isolated by a
 * NetworkPolicy of the input, or a rule allows an address block (or any peer) on an API server
 * port. The API server's addresses are not in the manifests: any `ipBlock` counts.
 */
function reachesApiServer(ctx: PolicyContext, pod: PodTemplate): boolean {
  const selecting = ctx
    .ofKind('networking.k8s.io', 'NetworkPolicy')
    .filter(
      (p) =>
        ctx.scopeOf(p) === pod.scope
        && governs(p.manifest.spec, 'Egress')
        && labelSelectorMatches(p.manifest.spec?.podSelector ?? {}, pod.labels),
    );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    asArray(p.manifest.spec?.egress).some((rule: any) => {
      const peers = asArray(rule?.to);
      const anyPeer = peers.length === 0 || peers.some((peer: any) => isPlainObject(peer?.ipBlock));
      return anyPeer && API_SERVER_PORTS.some((port) => portsAdmit(rule?.ports, port));
    }),
  );
}

export const RBAC_GRANT_USABLE = inputRule(
  {
    id: 'RBAC-GRANT-USABLE',
    severity: 'error',
    title: "A service account's RBAC grant is usable by its pods",
    rationale:
      'A Role bound to a service account whose pods have no token or cannot reach the API server grants nothing: the workload fails at run time, not at review.',
    source: 'Kubernetes documentation, "Configure Service Accounts for Pods" and "Network Policies"; platform rule (issue 15)',
    fix: "Mount the token where the grant is used ('automountServiceAccountToken: true' or a projected serviceAccountToken volume) and allow egress to the API server's addresses on 443/6443.",
  },
  (ctx, report) => {
    const bound = new Map<string, ManifestObject>();
    for (const binding of [...ctx.ofKind(RBAC, 'RoleBinding'), ...ctx.ofKind(RBAC, 'ClusterRoleBinding')]) {
      for (const subject of asArray(binding.manifest.subjects)) {
        if (subject?.kind !== 'ServiceAccount' || typeof subject.name !== 'string') continue;
        const namespace = typeof subject.namespace === 'string' ? subject.namespace : ctx.namespaceOf(binding);
        const key = ctx.scopeOf(binding, namespace) + '\n' + subject.name;
        if (!bound.has(key)) bound.set(key, binding);
      }
    }
    for (const pod of ctx.pods) {
      const account = typeof pod.spec.serviceAccountName === 'string' ? pod.spec.serviceAccountName : 'default';
      const binding = bound.get(`${pod.scope}\n${account}`);
      if (!binding) continue;
      if (!hasToken(ctx, pod, account)) {
        report(
          pod.object,
          statement(
            `runs as service account '${account}', which ${binding.label} grants API access, but mounts no token of it; set 'automountServiceAccountToken: true' or project a serviceAccountToken volume`,
            `${pod.specPath}.automountServiceAccountToken`,
          ),
        );
      }
      if (!reachesApiServer(ctx, pod)) {
        report(
          pod.object,
          statement(
            `runs as service account '${account}', which ${binding.label} grants API access, but its NetworkPolicies allow no egress to the API server (an ipBlock on ${API_SERVER_PORTS.join(' or ')}); add that egress`,
            pod.metadataPath,
          ),
        );
      }
    }
  },
);

/** The RBAC usability rules. */
export const RBAC_USABILITY_RULES: readonly PolicyRule[] = [RBAC_GRANT_USABLE];
