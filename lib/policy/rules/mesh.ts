/**
 * The Istio mesh: mutual TLS is required and never turned off, and no ALLOW AuthorizationPolicy
 * rule admits every request.
 *
 * Istio's semantics, as its documentation and pilot's authorization model define them: an
 * AuthorizationPolicy's action defaults to ALLOW; an ALLOW policy without rules matches nothing,
 * so `spec: {}` denies every request no other ALLOW policy permits. A rule matches a request when
 * one of its `from` entries, one of its `to` entries and all of its `when` conditions do; an
 * absent or empty list, and an entry without fields, restrict nothing: `rules: [{}]` allows all.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
 */
import { isPlainObject } from '../../core';
import { PolicyRule, violation } from '../findings';
import { ofKind, perSpecRule } from './_rule';
import { asArray } from './_selectors';

const SECURITY = 'security.istio.io';
const NETWORKING = 'networking.istio.io';

/** Why each weak PeerAuthentication mode is refused. */
const WEAK_MTLS: Readonly<Record<string, string>> = {
  PERMISSIVE: 'PERMISSIVE also accepts plaintext, which carries no peer identity for AuthorizationPolicies to check',
  DISABLE: 'DISABLE turns mutual TLS off',
};

export const NET_MESH_PEER_MTLS = perSpecRule(
  {
    id: 'NET-MESH-PEER-MTLS',
    severity: 'error',
    title: 'PeerAuthentications require mutual TLS',
    rationale:
      'A workload that accepts plaintext can be called by anyone who reaches its pods, with no identity for the mesh to authorize, and is read on the wire.',
    source:
      'Istio security best practices ("Mutual TLS": use STRICT mode); NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"',
    fix: "Set 'mtls.mode' (and every 'portLevelMtls' entry) to STRICT, or leave it UNSET to inherit the namespace's STRICT policy.",
    helpUri: 'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
  },
  ofKind(SECURITY, 'PeerAuthentication'),
  (spec, report) => {
    const modes: [string, unknown][] = [['spec.mtls.mode', spec?.mtls?.mode]];
    if (isPlainObject(spec?.portLevelMtls)) {
      for (const [port, mtls] of Object.entries<any>(spec.portLevelMtls)) modes.push([`spec.portLevelMtls["${port}"].mode`, mtls?.mode]);
    }
    for (const [path, mode] of modes) {
      if (typeof mode !== 'string' || !(mode in WEAK_MTLS)) continue;
      report(violation(path, mode, `must be STRICT or UNSET (inherit); ${WEAK_MTLS[mode]}`, 'set it to STRICT'));
    }
  },
);

/** Whether an entry (a `from` source, a `to` operation, a `when` condition) restricts anything: some list in it is not empty. */
function restricts(fields: unknown): boolean {
  return isPlainObject(fields) && Object.values(fields).some((value) => Array.isArray(value) && value.length > 0);
}

/** Whether an AuthorizationPolicy rule matches every request (see the module's documentation). */
function matchesEverything(rule: any): boolean {
  if (!isPlainObject(rule)) return false; // the schema refuses it
  const from = asArray(rule.from);
  const to = asArray(rule.to);
  return (
    asArray(rule.when).every((condition) => !restricts(condition))
    && (from.length === 0 || from.some((f: any) => !restricts(f?.source)))
    && (to.length === 0 || to.some((t: any) => !restricts(t?.operation)))
  );
}

export const NET_MESH_AUTHZ_ALLOW_ALL = perSpecRule(
  {
    id: 'NET-MESH-AUTHZ-ALLOW-ALL',
    severity: 'error',
    title: 'No AuthorizationPolicy rule allows every request',
    rationale:
      "An ALLOW rule without a source, operation or condition matches every request: it undoes the namespace's deny-by-default for the workloads it selects.",
    source:
      'Istio security best practices ("Authorization policies": default-deny, allow narrowly); platform rule (callers by service-account principal)',
    fix: "Name the callers in 'from' (source principals) and the ports in 'to'; a policy that admits nothing is 'spec: {}'.",
    helpUri: 'https://istio.io/latest/docs/reference/config/security/authorization-policy/',
  },
  ofKind(SECURITY, 'AuthorizationPolicy'),
  (spec, report) => {
    if ((spec?.action ?? 'ALLOW') !== 'ALLOW') return;
    asArray(spec?.rules).forEach((rule: any, i: number) => {
      if (!matchesEverything(rule)) return;
      report(
        violation(
          `spec.rules[${i}]`,
          rule,
          'must restrict its source, operation or condition; as it is, it allows every request',
          "name the callers' principals in 'from' and the ports in 'to'",
        ),
      );
    });
  },
);

/**
 * The client TLS settings of a DestinationRule with their paths: of its traffic policy and each
 * subset's, and of their port-level settings, in that order.
 */
function tlsSettings(spec: any): [string, any][] {
  const policies: [string, any][] = [['spec.trafficPolicy', spec?.trafficPolicy]];
  asArray(spec?.subsets).forEach((subset: any, i: number) => policies.push([`spec.subsets[${i}].trafficPolicy`, subset?.trafficPolicy]));
  return policies.flatMap(([at, policy]) => [
    [`${at}.tls`, policy?.tls] as [string, any],
    ...asArray(policy?.portLevelSettings).map((port: any, i: number): [string, any] => [`${at}.portLevelSettings[${i}].tls`, port?.tls]),
  ]);
}

export const NET_MESH_DESTINATION_TLS = perSpecRule(
  {
    id: 'NET-MESH-DESTINATION-TLS',
    severity: 'error',
    title: 'DestinationRules do not turn TLS off',
    rationale:
      "TLS mode DISABLE makes the sidecars send plaintext to the host: readable on the wire, and refused by a STRICT workload's sidecar.",
    source: 'Istio security best practices ("Mutual TLS"); NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"',
    fix: "Set 'tls.mode' to ISTIO_MUTUAL for mesh services or SIMPLE for hosts outside the mesh, or remove 'tls' to let Istio use mutual TLS automatically.",
    helpUri: 'https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings',
  },
  ofKind(NETWORKING, 'DestinationRule'),
  (spec, report) => {
    const host = typeof spec?.host === 'string' ? spec.host : 'the host';
    for (const [path, tls] of tlsSettings(spec)) {
      if (tls?.mode !== 'DISABLE') continue;
      report(
        violation(
          `${path}.mode`,
          tls.mode,
          `must not be DISABLE; the sidecars would send plaintext to ${host}`,
          'use ISTIO_MUTUAL (SIMPLE for a host outside the mesh), or remove it to let Istio choose mutual TLS',
        ),
      );
    }
  },
);

/** The mesh rules. */
export const MESH_RULES: readonly PolicyRule[] = [NET_MESH_PEER_MTLS, NET_MESH_AUTHZ_ALLOW_ALL, NET_MESH_DESTINATION_TLS];
