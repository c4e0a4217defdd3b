/**
 * NetworkPolicy questions the cross-object network rules ask of their input: may these pods
 * take part in this connection, as far as the policies in the input tell.
 */
import { isPlainObject } from '../../core';
import { ManifestObject } from '../findings';
import { NAMESPACE_NAME_LABEL } from '../reachability-workloads';
import { PolicyContext } from './_context';
import { asArray, labelSelectorMatches, SelectorIndex } from './_selectors';

export type Direction = 'Ingress' | 'Egress';

/** A NetworkPolicy's pod selector (absent: `{}`, every pod of its namespace), the selector `PolicyContext.selecting` indexes policies by. */
export const policyPodSelector = (policy: ManifestObject): unknown => policy.manifest.spec?.podSelector ?? {};

/** Whether a NetworkPolicy governs `direction`, with the policy types the API server defaults. */
export function governs(spec: any, direction: Direction): boolean {
  const types = asArray(spec?.policyTypes);
  if (types.length > 0) return types.includes(direction);
  return direction === 'Ingress' || asArray(spec?.egress).length > 0;
}

/** Each context's Namespace objects by scope (the first of each, as a search in input order finds it). */
const namespaceObjects = new WeakMap<PolicyContext, Map<string, ManifestObject>>();

/** The pods' namespace labels, as far as the input tells (its Namespace object, else the name label). */
function namespaceLabels(ctx: PolicyContext, object: ManifestObject, namespace: string): Record<string, string> {
  let byScope = namespaceObjects.get(ctx);
  if (!byScope) {
    byScope = new Map();
    for (const n of ctx.ofKind('', 'Namespace')) {
      const scope = ctx.scopeOf(n, n.name);
      if (!byScope.has(scope)) byScope.set(scope, n);
    }
    namespaceObjects.set(ctx, byScope);
  }
  const ns = byScope.get(ctx.scopeOf(object, namespace));
  return { ...(isPlainObject(ns?.manifest.metadata?.labels) ? ns!.manifest.metadata.labels : {}), [NAMESPACE_NAME_LABEL]: namespace };
}

/**
 * Whether the `ports` of a NetworkPolicy rule admit `port` (or the port named `portName`): no
 * ports list, an entry without a port, the number or name itself, or a range up to `endPort`.
 */
export function portsAdmit(ports: unknown, port: number, portName?: string): boolean {
  const entries = asArray(ports);
  return (
    entries.length === 0
    || entries.some(
      (q: any) =>
        q?.port === undefined
        || q.port === port
        || (portName !== undefined && q.port === portName)
        || (typeof q.port === 'number' && typeof q.endPort === 'number' && q.port <= port && port <= q.endPort),
    )
  );
}

/** A rule's peer that can name pods (`undefined`: the rule names no peers, so every peer), with its rule. */
interface RulePeer {
  readonly rule: any;
  readonly peer?: any;
}

/** Each context's NetworkPolicy rule peers per policy and direction, filed by the pod labels they require. */
const rulePeerIndexes = new WeakMap<PolicyContext, Map<ManifestObject, Map<Direction, SelectorIndex<RulePeer>>>>();

/**
 * The rule peers of a policy in `direction` that may admit pods labelled `peerLabels`: a superset,
 * to be checked one by one. A policy with a rule per client (Prometheus's egress to every target)
 * is then not scanned whole for every connection asked about.
 */
function rulePeerCandidates(
  ctx: PolicyContext,
  policy: ManifestObject,
  direction: Direction,
  peerLabels: Record<string, string>,
): RulePeer[] {
  let byPolicy = rulePeerIndexes.get(ctx);
  if (!byPolicy) rulePeerIndexes.set(ctx, (byPolicy = new Map()));
  let byDirection = byPolicy.get(policy);
  if (!byDirection) byPolicy.set(policy, (byDirection = new Map()));
  let index = byDirection.get(direction);
  if (!index) {
    index = new SelectorIndex<RulePeer>();
    for (const rule of asArray(policy.manifest.spec?.[direction === 'Ingress' ? 'ingress' : 'egress'])) {
      const peers = asArray(direction === 'Ingress' ? rule?.from : rule?.to);
      if (peers.length === 0) index.add({ rule }, undefined);
      // An ipBlock peer never names pods.
      for (const peer of peers) if (!isPlainObject(peer?.ipBlock)) index.add({ rule, peer }, peer?.podSelector?.matchLabels);
    }
    byDirection.set(direction, index);
  }
  return index.candidates(peerLabels);
}

/**
 * Whether pods (`labels` in `namespace`) may take part in the connection in `direction` with a
 * peer (`peerLabels` in `peerNamespace`) on `port`: not isolated by the input's policies in that
 * direction, or some rule of a selecting policy admits the peer on the port.
 */
export function allows(
  ctx: PolicyContext,
  object: ManifestObject,
  namespace: string,
  labels: Record<string, string>,
  direction: Direction,
  peerNamespace: string,
  peerLabels: Record<string, string>,
  port: number,
  portName?: string,
): boolean {
  const pods = { namespace, scope: ctx.scopeOf(object, namespace), labels };
  const selecting = ctx
    .selecting('networking.k8s.io', 'NetworkPolicy', pods, policyPodSelector)
    .filter((p) => governs(p.manifest.spec, direction));
  if (selecting.length === 0) return true;
  const peerNsLabels = namespaceLabels(ctx, object, peerNamespace);
  const peerOk = (peer: any) => {
    const nsOk =
      peer?.namespaceSelector === undefined ? peerNamespace === namespace : labelSelectorMatches(peer.namespaceSelector, peerNsLabels);
    return nsOk && (peer?.podSelector === undefined || labelSelectorMatches(peer.podSelector, peerLabels));
  };
  return selecting.some((p) =>
    rulePeerCandidates(ctx, p, direction, peerLabels).some(
      ({ rule, peer }) => (peer === undefined || peerOk(peer)) && portsAdmit(rule?.ports, port, portName),
    ),
  );
}
