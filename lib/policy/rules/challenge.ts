/**
 * Challenge reachability: an ACME HTTP-01 challenge is answered by cert-manager's solver pods in
 * the Certificate's namespace, reached through the Gateway the issuer's solver names. Judged only
 * on what the input holds: the Certificate, its issuer, and the NetworkPolicies of the solver's
 * and the Gateway's namespaces.
 *
 * @see https://cert-manager.io/docs/configuration/acme/http01/
 */
import { CLUSTER_COMPONENTS } from '../../core';
import { gatewayPodLabels } from '../../core/endpoints';
import { ManifestObject, PolicyRule, statement } from '../findings';
import { inputRule } from './_rule';
import { allows } from './_netpol';
import { asArray } from './_selectors';

/** cert-manager's HTTP-01 solver pods as the cluster model declares them: their labels and their one port. */
const SOLVER = CLUSTER_COMPONENTS['acme-solver'];
const SOLVER_LABELS = SOLVER.podLabels!;
const [{ port: SOLVER_PORT, name: SOLVER_PORT_NAME }] = SOLVER.ports;

/** The Gateways (namespace, name) the HTTP-01 solvers of an issuer answer through. */
function challengeGateways(issuer: ManifestObject): { namespace: string; name: string }[] {
  const solvers = asArray(issuer.manifest.spec?.acme?.solvers);
  return solvers
    .flatMap((solver: any) => asArray(solver?.http01?.gatewayHTTPRoute?.parentRefs))
    .filter((ref: any) => typeof ref?.name === 'string' && (ref.kind ?? 'Gateway') === 'Gateway')
    .map((ref: any) => ({ namespace: typeof ref.namespace === 'string' ? ref.namespace : issuer.namespace, name: ref.name }));
}

export const NET_CHALLENGE_REACHABLE = inputRule(
  {
    id: 'NET-CHALLENGE-REACHABLE',
    severity: 'error',
    title: "ACME HTTP-01 challenges can reach cert-manager's solver pods",
    rationale:
      "cert-manager answers an HTTP-01 challenge from a solver pod in the Certificate's namespace, reached through the Gateway; a default deny that blocks it means the certificate is never issued or renewed.",
    source:
      'cert-manager documentation, "HTTP01" (solver pods labelled acme.cert-manager.io/http01-solver, port 8089); platform rule (issue 15)',
    fix: "Add a NetworkPolicy selecting 'acme.cert-manager.io/http01-solver: \"true\"' that admits the Gateway's pods on 8089, and let the Gateway's pods reach them.",
  },
  (ctx, report) => {
    const issuers = [...ctx.ofKind('cert-manager.io', 'ClusterIssuer'), ...ctx.ofKind('cert-manager.io', 'Issuer')];
    for (const certificate of ctx.ofKind('cert-manager.io', 'Certificate')) {
      const ref = certificate.manifest.spec?.issuerRef;
      const kind = ref?.kind ?? 'Issuer';
      const issuer = issuers.find(
        (i) =>
          i.kind === kind
          && i.name === ref?.name
          && i.cluster === certificate.cluster
          && (kind === 'ClusterIssuer' || i.namespace === certificate.namespace),
      );
      if (!issuer) continue; // not in the input: judged where it is
      const namespace = ctx.namespaceOf(certificate);
      for (const gateway of challengeGateways(issuer)) {
        const gatewayPods = gatewayPodLabels(gateway.name);
        if (
          !allows(
            ctx,
            certificate,
            namespace,
            { ...SOLVER_LABELS },
            'Ingress',
            gateway.namespace,
            gatewayPods,
            SOLVER_PORT,
            SOLVER_PORT_NAME,
          )
        ) {
          report(
            certificate,
            statement(
              `is issued by ${issuer.label} over HTTP-01 through Gateway ${gateway.namespace}/${gateway.name}, but the NetworkPolicies of namespace ${namespace} do not admit the Gateway's pods to cert-manager's solver pods on ${SOLVER_PORT}; add a NetworkPolicy selecting 'acme.cert-manager.io/http01-solver: "true"' that admits them`,
            ),
          );
        }
        if (!allows(ctx, certificate, gateway.namespace, gatewayPods, 'Egress', namespace, { ...SOLVER_LABELS }, SOLVER_PORT)) {
          report(
            certificate,
            statement(
              `is issued by ${issuer.label} over HTTP-01 through Gateway ${gateway.namespace}/${gateway.name}, but the NetworkPolicies of namespace ${gateway.namespace} do not let the Gateway's pods reach cert-manager's solver pods in ${namespace} on ${SOLVER_PORT}; allow that egress`,
            ),
          );
        }
      }
    }
  },
);

/** The challenge reachability rules. */
export const CHALLENGE_RULES: readonly PolicyRule[] = [NET_CHALLENGE_REACHABLE];
