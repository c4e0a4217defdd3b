import { COLORS } from '../../lib/core';
import { ClusterSpec, ParsedPlatformSpec } from './schema';

/**
 * What differs from one cluster to another, with the spec-wide defaults resolved: each cluster
 * has its own API server, nodes and network (the regions are separate, peered networks) and its
 * own Vault Kubernetes auth mount.
 */
export interface ClusterAddresses {
  /** The API server's endpoint addresses, as the cluster model names them (the monitoring installation, API grants). */
  readonly apiServerCidrs: readonly string[];
  /** The API server's addresses the data layer reaches (CloudNativePG's pods, the restore drill). */
  readonly dataApiServerCidrs: readonly string[];
  /** The nodes' addresses, where the kubelets listen (empty: not scraped). */
  readonly nodeCidrs: readonly string[];
  /** The object store's addresses (PostgreSQL's archive). */
  readonly objectStoreCidrs: readonly string[];
}

/**
 * The addresses of `cluster`: its own `apiServerCidrs`, `nodeCidrs` and `objectStoreCidrs`
 * where it sets them, else the spec-wide `cluster.apiServer.cidrs` (else `data.apiServerCidrs`),
 * `cluster.nodeCidrs` and `data.objectStoreCidrs`. Without a cluster: the spec-wide values.
 */
export function clusterAddressesOf(spec: Pick<ParsedPlatformSpec, 'cluster' | 'data'>, cluster?: ClusterSpec): ClusterAddresses {
  return {
    apiServerCidrs: cluster?.apiServerCidrs ?? spec.cluster.apiServer.cidrs ?? spec.data.apiServerCidrs,
    dataApiServerCidrs: cluster?.apiServerCidrs ?? spec.data.apiServerCidrs,
    nodeCidrs: cluster?.nodeCidrs ?? spec.cluster.nodeCidrs,
    objectStoreCidrs: cluster?.objectStoreCidrs ?? spec.data.objectStoreCidrs,
  };
}

/** A cluster of the spec, with where it is written (for messages). */
export interface SpecCluster {
  readonly region: ParsedPlatformSpec['regions'][number];
  readonly cluster: ClusterSpec;
  /** Its path in the spec, e.g. `['regions', 1, 'cluster']`. */
  readonly path: readonly PropertyKey[];
}

/**
 * The clusters the spec declares for its topology, in order: each region's `cluster`
 * (namespace-per-color) or its `colorClusters`, blue then green (cluster-per-color).
 */
export function specClusters(spec: Pick<ParsedPlatformSpec, 'regions' | 'topology'>): SpecCluster[] {
  return spec.regions.flatMap((region, i): SpecCluster[] => {
    if (spec.topology === 'namespace-per-color')
      return region.cluster ? [{ region, cluster: region.cluster, path: ['regions', i, 'cluster'] }] : [];
    const clusters = region.colorClusters;
    return clusters ? COLORS.map((color) => ({ region, cluster: clusters[color], path: ['regions', i, 'colorClusters', color] })) : [];
  });
}

/**
 * The Vault Kubernetes auth mount `cluster` logs in through: its own `vaultAuthMountPath`; by
 * default `vault.authMountPath` for the primary region's cluster (with one cluster per colour,
 * its first, blue), so a running primary keeps its mount, and `<vault.authMountPath>-<cluster
 * name>` for every other cluster. A mount validates the tokens of one API server (one
 * `kubernetes_host` and CA), so two clusters can never share one.
 */
export function vaultAuthMountOf(spec: Pick<ParsedPlatformSpec, 'regions' | 'topology' | 'vault'>, cluster: ClusterSpec): string {
  if (cluster.vaultAuthMountPath !== undefined) return cluster.vaultAuthMountPath;
  const primary = specClusters(spec).find((c) => c.region.role === 'primary');
  return primary?.cluster.name === cluster.name ? spec.vault.authMountPath : `${spec.vault.authMountPath}-${cluster.name}`;
}
