import { Color, COLORS } from '../lib/core';
import { ClusterSpec, PlatformSpec, RegionSpec } from './spec';

/** The components every cluster gets besides its colour sets. */
export type SharedComponent = 'platform' | 'edge' | 'data' | 'monitoring' | 'logging';

/** One cluster of the platform and what runs in it. */
export interface ClusterPlacement {
  readonly region: RegionSpec;
  readonly cluster: ClusterSpec;
  /** The colours whose services run here: both (namespace-per-color) or one (cluster-per-color). */
  readonly colors: readonly Color[];
  /**
   * The folder (and Argo CD Application) of a shared component in this cluster: `platform`
   * when the cluster is the region's only one, `blue-platform` in the blue cluster.
   */
  readonly componentOf: (shared: SharedComponent) => string;
}

/**
 * The clusters the spec's topology implies. namespace-per-color: one per region, holding both
 * colours. cluster-per-color: one per region and colour, each with its own shared components.
 */
export function clusterPlacements(spec: PlatformSpec): ClusterPlacement[] {
  return spec.regions.flatMap((region): ClusterPlacement[] => {
    if (spec.topology === 'namespace-per-color') {
      return [{ region, cluster: region.cluster!, colors: COLORS, componentOf: (shared) => shared }];
    }
    return COLORS.map((color) => ({
      region,
      cluster: region.colorClusters![color],
      colors: [color],
      componentOf: (shared: SharedComponent) => `${color}-${shared}`,
    }));
  });
}

/** A service's minimum replicas in a region: scaled for a warm standby, never below 2. */
export function regionalMinReplicas(minReplicas: number, region: RegionSpec): number {
  return Math.max(2, Math.ceil((minReplicas * region.minReplicasPercent) / 100));
}

/** An edge Gateway and which traffic it carries. */
export interface EdgeGatewayRole {
  readonly name: string;
  /** `live` and `preview` hosts on one Gateway (namespace-per-color), or one kind each. */
  readonly serves: 'live-and-preview' | 'live' | 'preview';
}

/**
 * The edge Gateways of every cluster. With one cluster per region a single Gateway serves the
 * live hosts (routed to the active colour) and the preview hosts (the standby colour). With one
 * cluster per colour, each cluster has a live and a preview Gateway, and weighted DNS records
 * choose between the clusters.
 */
export function edgeGateways(spec: PlatformSpec): EdgeGatewayRole[] {
  const name = spec.edge.gatewayName;
  return spec.topology === 'namespace-per-color'
    ? [{ name, serves: 'live-and-preview' }]
    : [
        { name, serves: 'live' },
        { name: `${name}-preview`, serves: 'preview' },
      ];
}

/** The preview host of a public host: `<previewSubdomain>.<host>`. */
export function previewHost(spec: PlatformSpec, host: string): string {
  return `${spec.edge.previewSubdomain}.${host}`;
}
