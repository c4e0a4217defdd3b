/**
 * Network isolation: default deny in every namespace, a tailored allow policy for every pod, and
 * no rule that allows everyone or every port.
 */
import { AlpError, isPlainObject } from '../../core';
import { AMBIENT } from '../../workload/mesh-dataplane';
import { ManifestObject, PolicyRule, statement, violation } from '../findings';
import { ANY_ADDRESS_CIDRS, workloadsFromManifests } from '../reachability';
import { ctxOf, PodLabels, PolicyContext } from './_context';
import { policyPodSelector } from './_netpol';
import { asArray, isEmptySelector } from './_selectors';

const NETWORKING = 'networking.k8s.io';
/** The label Gateway API implementations put on a Gateway's pods. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

const NO_PORTS: ReadonlySet<unknown> = new Set();

type Direction = 'Ingress' | 'Egress';

/** The directions a policy governs, as the API server defaults them (Ingress, plus Egress when it has egress rules). */
function policyTypes(spec: any): Direction[] {
  const declared = asArray(spec?.policyTypes).filter((t): t is Direction => t === 'Ingress' || t === 'Egress');
  if (asArray(spec?.policyTypes).length > 0) return declared;
  return ['Ingress', ...(asArray(spec?.egress).length > 0 ? ['Egress' as const] : [])];
}

const rulesOf = (spec: any, direction: Direction): any[] => asArray(spec?.[direction === 'Ingress' ? 'ingress' : 'egress']);

export const NET_DEFAULT_DENY: PolicyRule = {
  id: 'NET-DEFAULT-DENY',
  severity: 'error',
  title: 'Every namespace denies ingress and egress by default',
  rationale: 'Without a default deny, every pod not selected by a policy accepts and opens any connection.',
  source: 'NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"; CIS Kubernetes Benchmark 5.3.2',
  fix: "Add a NetworkPolicy with 'podSelector: {}', 'policyTypes: [Ingress, Egress]' and no rules to the namespace.",
  check(context) {
    const ctx = ctxOf(context);
    // Per namespace of each cluster: the Namespace object and the directions denied. Only
    // namespaces whose Namespace object is in the input are judged: the platform keeps a
    // namespace's default deny beside its Namespace object, so that verifying one Application's
    // folder or a chart's rendering gives the same verdict as verifying the whole tree (a
    // Namespace's file alone lacks its default deny, and fails).
    const namespaces = new Map<string, ManifestObject>();
    for (const ns of ctx.ofKind('', 'Namespace')) if (ns.name) namespaces.set(ctx.scopeOf(ns, ns.name), ns);
    const undefinedNamespaces = new Set<string>();
    for (const pod of ctx.pods) if (!namespaces.has(pod.scope)) undefinedNamespaces.add(pod.namespace);
    if (undefinedNamespaces.size > 0) {
      ctx.skip(
        NET_DEFAULT_DENY,
        `the Namespace objects of ${[...undefinedNamespaces].sort().join(', ')} are not in the manifests: their default deny is judged with them`,
      );
    }
    const denied = new Map<string, Set<Direction>>();
    for (const policy of ctx.ofKind(NETWORKING, 'NetworkPolicy')) {
      const spec = policy.manifest.spec;
      if (!isEmptySelector(spec?.podSelector)) continue;
      for (const direction of policyTypes(spec)) {
        if (rulesOf(spec, direction).length > 0) continue;
        const scope = ctx.scopeOf(policy);
        if (!denied.has(scope)) denied.set(scope, new Set());
        denied.get(scope)!.add(direction);
      }
    }
    for (const [scope, namespace] of namespaces) {
      const missing = (['Ingress', 'Egress'] as const).filter((d) => !denied.get(scope)?.has(d));
      if (missing.length === 0) continue;
      ctx.report(
        NET_DEFAULT_DENY,
        namespace,
        statement(
          `has no default-deny NetworkPolicy for ${missing.join(' and ')}; add one with 'podSelector: {}', 'policyTypes: [${missing.join(', ')}]' and no rules`,
        ),
      );
    }
  },
};

/** The pods of operator-managed objects (Gateway, CloudNativePG Cluster and Pooler), as the reachability model knows them. */
function operatorPods(ctx: PolicyContext): { object: ManifestObject; pod: PodLabels }[] {
  const byCluster = new Map<string, ManifestObject[]>();
  for (const o of ctx.objects) {
    if (
      (o.group === 'gateway.networking.k8s.io' && o.kind === 'Gateway')
      || (o.group === 'postgresql.cnpg.io' && (o.kind === 'Cluster' || o.kind === 'Pooler'))
    ) {
      if (!byCluster.has(o.cluster)) byCluster.set(o.cluster, []);
      byCluster.get(o.cluster)!.push(o);
    }
  }
  return [...byCluster].flatMap(([cluster, operated]) => {
    const byId = new Map(operated.map((o) => [`${ctx.namespaceOf(o)}/${o.name}`, o]));
    try {
      return workloadsFromManifests(operated.map((o) => o.manifest)).flatMap((w) => {
        const object = byId.get(w.id);
        return object ? [{ object, pod: { namespace: w.namespace, scope: `${cluster}\n${w.namespace}`, labels: w.labels } }] : [];
      });
    } catch (error) {
      // Malformed operator objects (bad listener ports, clashing names) are SCHEMA findings; this
      // rule judges the pods it can derive.
      if (AlpError.isAlpError(error)) return [];
      throw error;
    }
  });
}

export const NET_POD_SELECTED: PolicyRule = {
  id: 'NET-POD-SELECTED',
  severity: 'error',
  title: 'Every pod has an allow policy of its own',
  rationale: 'A pod that only namespace-wide policies select has either no connections or the same connections as every other pod.',
  source: 'NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"; platform rule (policies from the dependency graph)',
  fix: "Add a NetworkPolicy whose podSelector matches the pod's labels and allows exactly its declared connections.",
  check(context) {
    const ctx = ctxOf(context);
    const targets = [...ctx.pods.map((p) => ({ object: p.object, pod: p as PodLabels })), ...operatorPods(ctx)];
    // A pod is judged when its namespace's network policy is in the input: a NetworkPolicy of the
    // namespace, or its Namespace object. Otherwise (one file of a folder, a chart rendered without
    // its namespace's policies) the policies are elsewhere and the pod is judged with them.
    const known = new Set([
      ...ctx.ofKind(NETWORKING, 'NetworkPolicy').map((p) => ctx.scopeOf(p)),
      ...ctx.ofKind('', 'Namespace').map((n) => ctx.scopeOf(n, n.name)),
    ]);
    const unjudged = new Set<string>();
    for (const { object, pod } of targets) {
      if (!known.has(pod.scope)) {
        unjudged.add(pod.namespace);
        continue;
      }
      const allowing = ctx.selecting(NETWORKING, 'NetworkPolicy', pod, policyPodSelector).filter((policy) => {
        const spec = policy.manifest.spec;
        return !isEmptySelector(spec?.podSelector) && policyTypes(spec).some((d) => rulesOf(spec, d).length > 0);
      });
      if (allowing.length === 0) {
        ctx.report(
          NET_POD_SELECTED,
          object,
          statement(
            `is selected by no NetworkPolicy with a podSelector of its own that allows traffic (namespace-wide policies do not count); add one for its connections`,
          ),
        );
      }
    }
    if (unjudged.size > 0) {
      ctx.skip(
        NET_POD_SELECTED,
        `neither a NetworkPolicy nor the Namespace object of ${[...unjudged].sort().join(', ')} is in the manifests: their pods are judged with their namespace's policies`,
      );
    }
  },
};

export const NET_NO_ALLOW_ALL: PolicyRule = {
  id: 'NET-NO-ALLOW-ALL',
  severity: 'error',
  title: 'No NetworkPolicy rule allows every peer or every port',
  rationale: 'A rule without peers, with an empty namespaceSelector or 0.0.0.0/0, or without ports, undoes the default deny.',
  source: 'NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"',
  fix: "Name the peers (podSelector with namespaceSelector, or a narrow ipBlock) and the ports. Internet ingress is allowed only to a Gateway's pods on its listener ports.",
  check(context) {
    const ctx = ctxOf(context);
    const gateways = new Map(ctx.ofKind('gateway.networking.k8s.io', 'Gateway').map((g) => [`${ctx.scopeOf(g)}/${g.name}`, g]));
    const absentGateways = new Set<string>();
    for (const policy of ctx.ofKind(NETWORKING, 'NetworkPolicy')) {
      const spec = policy.manifest.spec;
      const target = policyGatewayOf(ctx, policy, gateways);
      for (const direction of ['Ingress', 'Egress'] as const) {
        const rules = rulesOf(spec, direction);
        for (let r = 0; r < rules.length; r++) reportAllowAllRule(ctx, policy, target, direction, rules[r], r, absentGateways);
      }
    }
    if (absentGateways.size > 0) {
      ctx.skip(
        NET_NO_ALLOW_ALL,
        `the Gateways ${[...absentGateways].sort().join(', ')} are not in the manifests: internet ingress to their pods is judged with their listener ports`,
      );
    }
  },
};

/** The Gateway whose pods a NetworkPolicy selects (by the Gateway name label), as NET-NO-ALLOW-ALL judges it. */
interface PolicyGateway {
  /** The Gateway's name, when the policy selects a Gateway's pods. */
  readonly name: string | undefined;
  /** The Gateway, when it is in the input. */
  readonly gateway: ManifestObject | undefined;
  /**
   * The policy selects a Gateway's pods but the Gateway is not in the input: whether internet
   * ingress stays on its listener ports is judged with the Gateway.
   */
  readonly absent: boolean;
  readonly listenerPorts: ReadonlySet<unknown>;
}

function policyGatewayOf(ctx: PolicyContext, policy: ManifestObject, gateways: ReadonlyMap<string, ManifestObject>): PolicyGateway {
  const gatewayName = policy.manifest.spec?.podSelector?.matchLabels?.[GATEWAY_NAME_LABEL];
  const name = typeof gatewayName === 'string' ? gatewayName : undefined;
  const gateway = name !== undefined ? gateways.get(`${ctx.scopeOf(policy)}/${name}`) : undefined;
  const listenerPorts = gateway ? new Set(asArray(gateway.manifest.spec?.listeners).map((l: any) => l?.port)) : NO_PORTS;
  return { name, gateway, absent: name !== undefined && gateway === undefined, listenerPorts };
}

/** NET-NO-ALLOW-ALL on one ingress or egress rule of a policy: its peers, then its ports. */
function reportAllowAllRule(
  ctx: PolicyContext,
  policy: ManifestObject,
  target: PolicyGateway,
  direction: Direction,
  rule: any,
  r: number,
  absentGateways: Set<string>,
): void {
  const field = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersField = direction === 'Ingress' ? 'from' : 'to';
  const at = `spec.${field}[${r}]`;
  const ports = asArray(rule?.ports);
  // The internet may reach a Gateway's pods, on its listener ports only.
  const publicGateway =
    direction === 'Ingress'
    && target.gateway !== undefined
    && ports.length > 0
    && ports.every((p: any) => target.listenerPorts.has(p?.port));
  const peers = asArray(rule?.[peersField]);
  if (peers.length === 0) {
    ctx.report(
      NET_NO_ALLOW_ALL,
      policy,
      violation(
        `${at}.${peersField}`,
        rule?.[peersField],
        `must list peers; without them the rule allows every ${direction === 'Ingress' ? 'source' : 'destination'}`,
        'name pods with podSelector and namespaceSelector',
      ),
    );
  }
  for (let p = 0; p < peers.length; p++) {
    const peer = peers[p];
    const peerAt = `${at}.${peersField}[${p}]`;
    if (isPlainObject(peer?.ipBlock)) {
      if (ANY_ADDRESS_CIDRS.includes(peer.ipBlock.cidr) && direction === 'Ingress' && target.absent && ports.length > 0) {
        absentGateways.add(`${ctx.namespaceOf(policy)}/${target.name}`);
      } else if (ANY_ADDRESS_CIDRS.includes(peer.ipBlock.cidr) && !publicGateway) {
        reportAnyAddress(ctx, policy, target, `${peerAt}.ipBlock.cidr`, peer.ipBlock.cidr);
      }
    } else if (peer?.namespaceSelector !== undefined && isEmptySelector(peer.namespaceSelector) && isEmptySelector(peer.podSelector)) {
      ctx.report(
        NET_NO_ALLOW_ALL,
        policy,
        violation(
          `${peerAt}.namespaceSelector`,
          peer.namespaceSelector,
          'must not be empty without a podSelector',
          'an empty namespaceSelector alone matches every pod of every namespace',
        ),
      );
    }
  }
  reportUnlimitedPorts(ctx, policy, rule, at, direction, peers);
}

/** NET-NO-ALLOW-ALL on an ipBlock peer of any address (beyond a Gateway's listener ports). */
function reportAnyAddress(ctx: PolicyContext, policy: ManifestObject, target: PolicyGateway, path: string, cidr: unknown): void {
  ctx.report(
    NET_NO_ALLOW_ALL,
    policy,
    violation(
      path,
      cidr,
      'must not be any address',
      target.gateway
        ? `internet ingress to Gateway ${target.name} must be limited to its listener ports (${[...target.listenerPorts].join(', ')})`
        : 'name the address range the pods need',
    ),
  );
}

/** NET-NO-ALLOW-ALL on a rule's ports: a rule without ports, or a port without a number, allows every port. */
function reportUnlimitedPorts(
  ctx: PolicyContext,
  policy: ManifestObject,
  rule: any,
  at: string,
  direction: Direction,
  peers: readonly any[],
): void {
  const ports = asArray(rule?.ports);
  // Istio ambient gives kubelet probes one link-local source, and each probe names its own
  // port: Istio's documented default-deny rule admits that address on every port.
  const ambientProbes =
    direction === 'Ingress'
    && peers.length > 0
    && peers.every((peer: any) => peer?.ipBlock?.cidr === AMBIENT.probeSourceCidr && peer.ipBlock.except === undefined);
  if (ports.length === 0 && !ambientProbes) {
    ctx.report(NET_NO_ALLOW_ALL, policy, violation(`${at}.ports`, rule?.ports, 'must list ports; without them the rule allows every port'));
  }
  for (let p = 0; p < ports.length; p++) {
    const port = ports[p];
    if (port?.port === undefined) {
      ctx.report(
        NET_NO_ALLOW_ALL,
        policy,
        violation(`${at}.ports[${p}].port`, undefined, `must be set; without it the rule allows every ${port?.protocol ?? 'TCP'} port`),
      );
    }
  }
}

/** The network rules. */
export const NETWORK_RULES: readonly PolicyRule[] = [NET_DEFAULT_DENY, NET_POD_SELECTED, NET_NO_ALLOW_ALL];
