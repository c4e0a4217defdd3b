/**
 * The mesh's dataplane: a mesh policy protects only pods that a dataplane carries.
 *
 * - A PeerAuthentication STRICT for a whole namespace means nothing unless the namespace's pods
 *   are in the mesh: the namespace label of Istio's ambient mode (`istio.io/dataplane-mode:
 *   ambient`) or of sidecar injection (`istio-injection: enabled`, or a revision `istio.io/rev`).
 *   `istio.io/dataplane-mode: none` takes a namespace out of the mesh.
 * - In an ambient namespace, AuthorizationPolicies that select workloads (no `targetRefs`) are
 *   enforced by ztunnel, which sees only Layer 4: source principals, namespaces, service accounts
 *   and ip blocks, destination ports, and `when` on source.ip, source.namespace, source.principal,
 *   destination.ip and destination.port. Istio leaves out an ALLOW rule that needs more (hosts,
 *   methods, paths, request principals, remote ip blocks, other `when` keys), so the request is
 *   denied, and makes a DENY rule match regardless of them; ztunnel supports no CUSTOM or AUDIT
 *   action. Those policies need a waypoint proxy and `targetRefs`.
 *
 * Only what is in the input is judged: a policy whose Namespace object is not in the input is
 * skipped, so that verifying one folder gives the same verdicts as verifying the whole tree.
 *
 * @see https://istio.io/latest/docs/ambient/usage/add-workloads/
 * @see https://istio.io/latest/docs/ambient/usage/l4-policy/
 * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/
 */
import { isPlainObject } from '../../core';
import { AMBIENT } from '../../workload/mesh-dataplane';
import { ManifestObject, PolicyRule, violation } from '../findings';
import { PolicyContext } from './_context';
import { inputRule } from './_rule';
import { asArray, stringMap } from './_selectors';

const SECURITY = 'security.istio.io';
const DATAPLANE_MODE = AMBIENT.label;

/** The dataplane a namespace's labels put its pods in, if any. */
function dataplaneOf(labels: Readonly<Record<string, string>>): 'ambient' | 'sidecar' | undefined {
  const mode = labels[DATAPLANE_MODE];
  if (mode === 'ambient') return 'ambient';
  if (mode === 'none') return undefined;
  if (labels['istio-injection'] === 'enabled') return 'sidecar';
  if (labels['istio-injection'] !== 'disabled' && (labels['istio.io/rev'] ?? '') !== '') return 'sidecar';
  return undefined;
}

/** The labels of the Namespace objects in the input, by the namespace's scope (cluster and name). */
function namespaceLabels(ctx: PolicyContext): Map<string, Readonly<Record<string, string>>> {
  const labels = new Map<string, Readonly<Record<string, string>>>();
  for (const namespace of ctx.ofKind('', 'Namespace')) {
    labels.set(ctx.scopeOf(namespace, namespace.name), stringMap(namespace.manifest.metadata?.labels));
  }
  return labels;
}

/** Whether a PeerAuthentication applies to the whole namespace (no selector, or one without labels). */
function namespaceWide(policy: ManifestObject): boolean {
  const selector = policy.manifest.spec?.selector;
  return !isPlainObject(selector) || Object.keys(stringMap(selector.matchLabels)).length === 0;
}

export const NET_MESH_DATAPLANE = inputRule(
  {
    id: 'NET-MESH-DATAPLANE',
    severity: 'error',
    title: 'Namespaces with STRICT mutual TLS are in the mesh',
    rationale:
      "A PeerAuthentication is enforced by the mesh's proxies; in a namespace that no dataplane enrols, no proxy carries the pods' traffic: plaintext is accepted and the AuthorizationPolicies check nothing.",
    source:
      'Istio documentation: "Add workloads to the mesh" (ambient mode), "Installing the sidecar" (injection labels); platform rule (issue 15)',
    fix: "Label the Namespace 'istio.io/dataplane-mode: ambient' (or enable sidecar injection with Istio CNI).",
    helpUri: 'https://istio.io/latest/docs/ambient/usage/add-workloads/',
  },
  (ctx, report) => {
    const labels = namespaceLabels(ctx);
    const reported = new Set<string>();
    for (const policy of ctx.ofKind(SECURITY, 'PeerAuthentication')) {
      if (policy.manifest.spec?.mtls?.mode !== 'STRICT' || !namespaceWide(policy)) continue;
      const scope = ctx.scopeOf(policy);
      const namespaceLabelsOf = labels.get(scope);
      if (namespaceLabelsOf === undefined || dataplaneOf(namespaceLabelsOf) !== undefined || reported.has(scope)) continue;
      reported.add(scope);
      const namespace = ctx.ofKind('', 'Namespace').find((n) => ctx.scopeOf(n, n.name) === scope)!;
      report(
        namespace,
        violation(
          `metadata.labels["${DATAPLANE_MODE}"]`,
          namespaceLabelsOf[DATAPLANE_MODE],
          `must enrol the namespace in the mesh (ambient, or sidecar injection); PeerAuthentication '${policy.name}' requires mutual TLS here, which nothing enforces`,
          `label the namespace '${DATAPLANE_MODE}: ambient'`,
        ),
      );
    }
  },
);

/** The Layer 7 fields of a `from.source`, as ztunnel names them. */
const L7_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;
/** The Layer 7 fields of a `to.operation`. */
const L7_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
/** The `when` keys ztunnel evaluates. */
const L4_WHEN_KEYS: ReadonlySet<string> = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.ip',
  'destination.port',
]);

/** Whether a selector picks Istio gateway or waypoint pods: Envoy proxies, which enforce Layer 7 themselves. */
function selectsProxies(spec: any): boolean {
  const labels = stringMap(spec?.selector?.matchLabels);
  return 'gateway.networking.k8s.io/gateway-name' in labels || 'istio.io/gateway-name' in labels;
}

/** The paths of the Layer 7 attributes a policy's rules use. */
function layer7Paths(spec: any): string[] {
  const paths: string[] = [];
  const nonEmpty = (value: unknown) => Array.isArray(value) && value.length > 0;
  asArray(spec?.rules).forEach((rule: any, r: number) => {
    asArray(rule?.from).forEach((from: any, f: number) => {
      for (const field of L7_SOURCE_FIELDS) if (nonEmpty(from?.source?.[field])) paths.push(`spec.rules[${r}].from[${f}].source.${field}`);
    });
    asArray(rule?.to).forEach((to: any, t: number) => {
      for (const field of L7_OPERATION_FIELDS)
        if (nonEmpty(to?.operation?.[field])) paths.push(`spec.rules[${r}].to[${t}].operation.${field}`);
    });
    asArray(rule?.when).forEach((when: any, w: number) => {
      if (typeof when?.key === 'string' && !L4_WHEN_KEYS.has(when.key)) paths.push(`spec.rules[${r}].when[${w}].key`);
    });
  });
  return paths;
}

export const NET_MESH_AMBIENT_L4_AUTHZ = inputRule(
  {
    id: 'NET-MESH-AMBIENT-L4-AUTHZ',
    severity: 'error',
    title: 'AuthorizationPolicies that ztunnel enforces use only Layer 4 attributes',
    rationale:
      'In ambient mode, ztunnel enforces the policies that select workloads and sees no HTTP: Istio drops an ALLOW rule that needs HTTP attributes (the callers it names are refused) and applies a DENY rule to every request; ztunnel has no CUSTOM or AUDIT action.',
    source: 'Istio documentation: "Use Layer 4 security policy" (ambient mode); platform rule (issue 15)',
    fix: "Restrict by source principals, namespaces and destination ports only, or deploy a waypoint proxy and attach the policy to it with 'targetRefs'.",
    helpUri: 'https://istio.io/latest/docs/ambient/usage/l4-policy/',
  },
  (ctx, report) => {
    const labels = namespaceLabels(ctx);
    for (const policy of ctx.ofKind(SECURITY, 'AuthorizationPolicy')) {
      const namespaceLabelsOf = labels.get(ctx.scopeOf(policy));
      if (namespaceLabelsOf === undefined || dataplaneOf(namespaceLabelsOf) !== 'ambient') continue;
      const spec = policy.manifest.spec;
      if (asArray(spec?.targetRefs).length > 0 || isPlainObject(spec?.targetRef) || selectsProxies(spec)) continue; // a waypoint's or a gateway's
      const action = spec?.action ?? 'ALLOW';
      if (action === 'CUSTOM' || action === 'AUDIT') {
        report(
          policy,
          violation(
            'spec.action',
            action,
            'must be ALLOW or DENY in an ambient namespace without a waypoint; ztunnel does not support it',
            "attach the policy to a waypoint proxy with 'targetRefs'",
          ),
        );
      }
      for (const path of layer7Paths(spec)) {
        report(
          policy,
          violation(
            path,
            fieldValue(spec, path),
            `must not be a Layer 7 attribute in an ambient namespace without a waypoint; ztunnel cannot evaluate it (${action === 'DENY' ? 'the rule would deny every request' : 'the rule would never allow'})`,
            "use source principals, namespaces and ports, or attach the policy to a waypoint with 'targetRefs'",
          ),
        );
      }
    }
  },
);

/** The value at a path such as `spec.rules[0].from[1].source.requestPrincipals`. */
function fieldValue(spec: any, path: string): unknown {
  let value: any = { spec };
  for (const part of path.split('.')) {
    const match = /^(\w+)(?:\[(\d+)\])?$/.exec(part);
    if (!match) return undefined;
    value = value?.[match[1]];
    if (match[2] !== undefined) value = asArray(value)[Number(match[2])];
  }
  return value;
}

/** The dataplane rules. */
export const MESH_DATAPLANE_RULES: readonly PolicyRule[] = [NET_MESH_DATAPLANE, NET_MESH_AMBIENT_L4_AUTHZ];
