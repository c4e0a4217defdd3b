import { Construct } from 'constructs';
import {
  HTTP_LISTENER, HumanAccessRoles, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, MeshNamespaceDefaults, NamespaceBaseline, pascalCase, PlacedChart,
  PlatformIssuer, PlatformPriorityClasses, PlatformSpec, quotaFor, serviceMaxReplicas, VaultSecretStore,
} from '../lib';

export interface PlatformChartProps {
  readonly spec: PlatformSpec;
  readonly region: string;
}

/**
 * The `platform` component of a region: every platform namespace with its baseline (PSS
 * restricted, quota, limits, default-deny, mesh mTLS and deny-by-default, human roles for the
 * OIDC groups) and the cluster-wide objects: PriorityClasses, the Vault ClusterSecretStore and
 * the certificate ClusterIssuer. Argo CD syncs it first.
 */
export class PlatformChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    const labels = { [LABEL_PART_OF]: props.spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    super(scope, id, { region: props.region, component: 'platform', labels });

    new PlatformPriorityClasses(this, 'PriorityClasses');
    // A colour namespace must hold every service at full scale during a rollout.
    const colorQuota = quotaFor(props.spec.services.map((s) => ({ resources: s.resources, maxReplicas: serviceMaxReplicas(s) })));
    const { spec } = props;
    for (const [role, namespace] of Object.entries(spec.namespaces)) {
      const scope = new Construct(this, pascalCase(role));
      new NamespaceBaseline(scope, 'Baseline', { name: namespace, quota: role === 'blue' || role === 'green' ? colorQuota : undefined });
      if (spec.mesh.enabled) new MeshNamespaceDefaults(scope, 'Mesh', { namespace });
      new HumanAccessRoles(scope, 'HumanAccess', {
        namespace,
        prefix: namespace,
        viewerGroups: spec.oidcGroups.viewers,
        operatorGroups: spec.oidcGroups.operators,
      });
    }

    new VaultSecretStore(this, 'SecretStore', {
      name: SECRET_STORE_NAME,
      server: spec.vault.server,
      path: spec.vault.kvMount,
      authMountPath: spec.vault.authMountPath,
      role: spec.vault.role,
      // Only the colour namespaces run services that read secrets.
      namespaces: [spec.namespaces.blue, spec.namespaces.green],
    });

    new PlatformIssuer(this, 'CertificateIssuer', {
      name: issuerName(spec),
      issuer: spec.tls.issuer,
      challengeGateway: { name: spec.edge.gatewayName, namespace: spec.namespaces.edge, listener: HTTP_LISTENER },
    });
  }
}

/** The ClusterSecretStore through which every ExternalSecret reads Vault. */
export const SECRET_STORE_NAME = 'vault';

/** The ClusterIssuer of the platform's certificates: `<platform>-<acme|vault>`. */
export function issuerName(spec: PlatformSpec): string {
  return `${spec.name}-${spec.tls.issuer.type}`;
}
