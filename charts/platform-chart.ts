import { Construct } from 'constructs';
import {
  ClusterPlacement, edgeGateways, HTTP_LISTENER, HumanAccessRoles, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, MeshNamespaceDefaults, NamespaceBaseline, pascalCase, PlacedChart,
  PlatformIssuer, PlatformPriorityClasses, PlatformSpec, quotaFor, serviceMaxReplicas, VaultSecretStore,
} from '../lib';

export interface PlatformChartProps {
  readonly spec: PlatformSpec;
  readonly placement: ClusterPlacement;
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
    const { spec, placement } = props;
    super(scope, id, { region: placement.region.name, cluster: placement.cluster.name, component: placement.componentOf('platform'), labels });

    new PlatformPriorityClasses(this, 'PriorityClasses');
    // A colour namespace must hold every service at full scale during a rollout.
    const colorQuota = quotaFor(spec.services.map((s) => ({ resources: s.resources, maxReplicas: serviceMaxReplicas(s) })));
    const colorNamespaces = placement.colors.map((color) => spec.namespaces[color]);
    const roles = [...placement.colors, 'edge', 'data', 'monitoring'] as const;
    for (const role of roles) {
      const namespace = spec.namespaces[role];
      const scope = new Construct(this, pascalCase(role));
      new NamespaceBaseline(scope, 'Baseline', { name: namespace, quota: colorNamespaces.includes(namespace) ? colorQuota : undefined });
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
      namespaces: colorNamespaces,
    });

    new PlatformIssuer(this, 'CertificateIssuer', {
      name: issuerName(spec),
      issuer: spec.tls.issuer,
      challengeGateways: edgeGateways(spec).map((gateway) => ({ name: gateway.name, namespace: spec.namespaces.edge, listener: HTTP_LISTENER })),
    });
  }
}

/** The ClusterSecretStore through which every ExternalSecret reads Vault. */
export const SECRET_STORE_NAME = 'vault';

/** The ClusterIssuer of the platform's certificates: `<platform>-<acme|vault>`. */
export function issuerName(spec: PlatformSpec): string {
  return `${spec.name}-${spec.tls.issuer.type}`;
}
