import { Construct } from 'constructs';
import {
  BackupSchedule,
  HumanAccessRoles,
  LABEL_MANAGED_BY,
  LABEL_PART_OF,
  MeshNamespaceDefaults,
  NamespaceBaseline,
  PlacedChart,
  NamespaceQuota,
  PlatformIssuer,
  PlatformPriorityClasses,
  VaultSecretStore,
} from '../lib';
import { NamespaceRole, PROMETHEUS } from '../lib/core/endpoints';
import { MANAGED_BY } from '../lib/core/labels';
import { pascalCase } from '../lib/core/names';
import { DEFAULT_GDPR_JOB_RESOURCES } from '../lib/data/gdpr-jobs';
import { DEFAULT_POOLER_RESOURCES } from '../lib/data/pgbouncer-pooler';
import { DEFAULT_DRILL_RESOURCES } from '../lib/data/restore-drill';
import { HTTP_LISTENER } from '../lib/network/gateway';
import { quotaFor, WorkloadFootprint } from '../lib/workload/namespace-baseline';
import { COLORS, cpuMillis, memoryKiB } from '../lib/core';
import {
  ClusterPlacement,
  colorServices,
  edgeGateways,
  PlatformSpec,
  ReleaseState,
  serviceMaxReplicas,
  ServiceSpec,
  vaultAuthMountOf,
} from '../platform';
import { PRIORITY_CLASSES } from '../platform/names';

export interface PlatformChartProps {
  readonly spec: PlatformSpec;
  /** The release state: what each colour runs in the region sizes its namespace's quota. */
  readonly release: ReleaseState;
  readonly placement: ClusterPlacement;
}

/**
 * The `platform` component of a region: every platform namespace with its baseline (PSS
 * restricted, quota, limits, default-deny, mesh mTLS and deny-by-default, human roles for the
 * OIDC groups) and the cluster-wide objects: PriorityClasses, the Vault ClusterSecretStore and
 * the certificate ClusterIssuer. Argo CD syncs it first.
 */
export class PlatformChart extends PlacedChart {
  /** The Velero Schedule of the platform's namespaces in this cluster (in Velero's namespace). */
  public readonly backupSchedule: BackupSchedule;

  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    const labels = { [LABEL_PART_OF]: props.spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    const { spec, placement } = props;
    super(scope, id, {
      region: placement.region.name,
      cluster: placement.cluster.name,
      component: placement.componentOf('platform'),
      labels,
    });

    new PlatformPriorityClasses(this, 'PriorityClasses', { names: PRIORITY_CLASSES });
    const roles = [...placement.colors, 'edge', 'data', 'monitoring'] as const;
    this.addNamespaceBaselines(spec, props.release, placement, roles);

    new VaultSecretStore(this, 'SecretStore', {
      name: SECRET_STORE_NAME,
      server: spec.vault.server,
      path: spec.vault.kvMount,
      // This cluster's own Kubernetes auth mount: a mount validates the tokens of one API server.
      authMountPath: vaultAuthMountOf(spec, placement.cluster),
      role: spec.vault.role,
      // Admits exactly the namespaces whose ExternalSecrets in this cluster refer to it.
    });

    new PlatformIssuer(this, 'CertificateIssuer', {
      name: issuerName(spec),
      issuer: spec.tls.issuer,
      vaultAuthMountPath: vaultAuthMountOf(spec, placement.cluster),
      challengeGateways: edgeGateways(spec).map((gateway) => ({
        name: gateway.name,
        namespace: spec.namespaces.edge,
        listener: HTTP_LISTENER,
      })),
    });

    // Velero backs up the platform's namespaces in this cluster (every object, and Redis's
    // volumes) within the RPO; the restore drill restores the data namespace from it.
    this.backupSchedule = new BackupSchedule(this, 'PlatformBackup', {
      name: `${spec.name}-platform`,
      namespaces: roles.map((role) => spec.namespaces[role]),
      rpoMinutes: spec.data.rpoMinutes,
      ttlHours: spec.data.backups.veleroTtlHours,
      gdprRetentionDays: spec.data.gdpr.retentionDays,
      // PostgreSQL is backed up by its own archive; a restored Cluster would archive into production's.
      excludedResources: [
        'backups.postgresql.cnpg.io',
        'clusters.postgresql.cnpg.io',
        'poolers.postgresql.cnpg.io',
        'scheduledbackups.postgresql.cnpg.io',
      ],
    });
  }

  /**
   * Each platform namespace of this cluster with its baseline (quota, limits, default-deny, mesh
   * defaults) and the human roles of the OIDC groups.
   */
  private addNamespaceBaselines(
    spec: PlatformSpec,
    release: ReleaseState,
    placement: ClusterPlacement,
    roles: readonly NamespaceRole[],
  ): void {
    // A colour namespace must hold every service at full scale during a rollout, as either colour
    // runs it (with what it stages): both colours get the same quota, so that parity holds.
    const colorQuota = quotaFor(largestFootprints(COLORS.map((color) => colorServices(spec, release, placement.region.name, color))));
    const colorNamespaces = placement.colors.map((color) => spec.namespaces[color]);
    const enrolled = meshEnrolledNamespaces(spec, roles);
    for (const role of roles) {
      const namespace = spec.namespaces[role];
      const scope = new Construct(this, pascalCase(role));
      const quota = colorNamespaces.includes(namespace) ? colorQuota : role === 'data' ? dataQuota(spec) : undefined;
      const mesh = spec.mesh.enabled
        ? { dataplane: spec.mesh.dataplane, enrolled: enrolled.has(namespace), proxyNamespaces: [spec.namespaces.edge] }
        : undefined;
      new NamespaceBaseline(scope, 'Baseline', { name: namespace, quota, mesh });
      // STRICT only where the dataplane enrols the pods: elsewhere nothing would enforce it.
      if (spec.mesh.enabled) new MeshNamespaceDefaults(scope, 'Mesh', { namespace, strictMtls: enrolled.has(namespace) });
      new HumanAccessRoles(scope, 'HumanAccess', {
        namespace,
        prefix: namespace,
        viewerGroups: spec.oidcGroups.viewers,
        operatorGroups: spec.oidcGroups.operators,
      });
    }
  }
}

/**
 * The namespaces whose pods the mesh's dataplane enrols (and whose PeerAuthentication is STRICT):
 * every namespace that runs the platform's workloads, except the edge, whose gateways are Istio
 * proxies that join the mesh themselves and whose cert-manager HTTP-01 solver pods must answer
 * the gateways in plaintext; and the namespace of the Prometheus that scrapes them, whose scrapes
 * an enrolled target only accepts through the mesh.
 */
export function meshEnrolledNamespaces(spec: PlatformSpec, roles: readonly NamespaceRole[]): Set<string> {
  const enrolled = new Set(roles.filter((role) => role !== 'edge').map((role) => spec.namespaces[role]));
  if (enrolled.size > 0) enrolled.add(spec.namespaces[PROMETHEUS.namespaceRole]);
  return enrolled;
}

/** The ClusterSecretStore through which every ExternalSecret reads Vault. */
export const SECRET_STORE_NAME = 'vault';

/** The ClusterIssuer of the platform's certificates: `<platform>-<acme|vault>`. */
export function issuerName(spec: PlatformSpec): string {
  return `${spec.name}-${spec.tls.issuer.type}`;
}

/** Per service, the larger of its colours' requests, limits and maximum replicas. */
function largestFootprints(colors: readonly ServiceSpec[][]): WorkloadFootprint[] {
  const larger = (quantity: (q: string) => number) => (a: string, b: string) => (quantity(b) > quantity(a) ? b : a);
  const [cpu, memory] = [larger(cpuMillis), larger(memoryKiB)];
  return colors[0].map((_service, i) => {
    const all = colors.map((services) => services[i]);
    const amounts = (kind: 'requests' | 'limits') => ({
      cpu: all.map((s) => s.resources[kind].cpu).reduce(cpu),
      memory: all.map((s) => s.resources[kind].memory).reduce(memory),
    });
    return {
      resources: { requests: amounts('requests'), limits: amounts('limits') },
      maxReplicas: Math.max(...all.map(serviceMaxReplicas)),
    };
  });
}

/** The data namespace's quota: every data workload at its largest, with a rolling update's surge. */
export function dataQuota(spec: PlatformSpec): NamespaceQuota {
  const { data } = spec;
  return quotaFor([
    { resources: data.postgres.resources, maxReplicas: data.postgres.instances },
    { resources: DEFAULT_POOLER_RESOURCES, maxReplicas: 2 },
    { resources: data.redis.resources, maxReplicas: data.redis.replicas },
    { resources: DEFAULT_GDPR_JOB_RESOURCES, maxReplicas: data.gdpr.dataClasses.length + 1 },
    { resources: DEFAULT_DRILL_RESOURCES, maxReplicas: 1 },
  ]);
}
