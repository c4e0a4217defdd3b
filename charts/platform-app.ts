import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { applyArgoSyncPolicy, RestoreDrillNamespaceAccess } from '../lib';
import { pascalCase } from '../lib/core/names';
import { ArgoCdChart } from './argocd-chart';
import { ColorChart } from './color-chart';
import { EdgeChart } from './edge-chart';
import { PlatformChart } from './platform-chart';
import { DataChart, dataHome } from './data-chart';
import { LoggingChart, MonitoringChart } from './monitoring-chart';
import { clusterPlacements, PlatformModel } from '../platform';

/**
 * Builds the platform's cdk8s App from a validated model: for every cluster the topology
 * implies, the `platform` component, a chart per colour it runs, and the shared `edge`, `data`,
 * `monitoring` and `logging` components. The data home's cluster is built first: the other
 * clusters' data stores are replicas of its own.
 */
export function buildPlatformApp(model: PlatformModel, outdir?: string): App {
  const app = new App({ outdir });
  const { spec, release } = model;
  const manifests = new Construct(app, 'Manifests');
  // The data home first: every other cluster's data stores replicate from its PostgreSQL.
  const home = dataHome(spec);
  let primaryData: DataChart | undefined;
  for (const placement of [home, ...clusterPlacements(spec).filter((p) => p.cluster.name !== home.cluster.name)]) {
    // Chart ids follow the output folders: PrimaryPlatform, PrimaryBlue, PrimaryBlueEdge, …
    const chartId = (component: string) => pascalCase(`${placement.region.name}-${component}`);
    const platform = new PlatformChart(manifests, chartId(placement.componentOf('platform')), { spec, release, placement });
    for (const color of placement.colors) {
      new ColorChart(manifests, chartId(color), { spec, release, region: placement.region, color, cluster: placement.cluster.name });
    }
    new EdgeChart(manifests, chartId(placement.componentOf('edge')), { spec, release, placement });
    const data = new DataChart(manifests, chartId(placement.componentOf('data')), {
      spec,
      placement,
      backupSchedule: platform.backupSchedule,
      replicaOf: primaryData?.postgres.replicaSource,
    });
    primaryData ??= data;
    // The drill's cluster-scoped half: deleting its throwaway namespaces.
    new RestoreDrillNamespaceAccess(platform, 'RestoreDrillNamespaces', { drill: data.restoreDrill });
    new MonitoringChart(manifests, chartId(placement.componentOf('monitoring')), { spec, placement });
    new LoggingChart(manifests, chartId(placement.componentOf('logging')), { spec, placement });
  }
  new ArgoCdChart(app, 'ArgoCd', { spec, managed: manifests });
  applyArgoSyncPolicy(app);
  return app;
}
