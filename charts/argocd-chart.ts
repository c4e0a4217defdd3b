import { Construct, IConstruct } from 'constructs';
import { applicationName, ApplicationTarget, GitOpsBootstrap, GitOpsDelivery, PlacedChart } from '../lib';
import { DEFAULT_VELERO_NAMESPACE } from '../lib/data/velero';
import { fileName } from '../lib/output/render';
import { clusterPlacements, loggingNamespace, PlatformSpec, SharedComponent } from '../platform';

/**
 * Order between Applications (sync waves of the Application objects in the app of apps):
 * namespaces and policies, data and log shipping, services, then router and monitoring.
 */
const COMPONENT_WAVES: Record<SharedComponent | 'color', number> = { platform: 0, data: 1, logging: 1, color: 2, edge: 3, monitoring: 3 };

export interface ArgoCdChartProps {
  readonly spec: PlatformSpec;
  /** The charts whose objects the Applications sync. */
  readonly managed: IConstruct;
}

/** `argocd/`: the AppProject and one Application per (region, component); `argocd/bootstrap/`: the app of apps. */
export class ArgoCdChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id, { region: 'global', component: 'argocd', directory: 'argocd' });
    const { spec } = props;
    const { gitops } = spec;
    const source = {
      project: spec.name,
      repoURL: gitops.repoURL,
      revision: gitops.revision,
      path: gitops.path,
      argocdNamespace: gitops.argocdNamespace,
      argocdServer: gitops.argocdServer,
    };
    const targets = applicationTargets(spec);
    new GitOpsDelivery(this, 'Delivery', {
      ...source,
      targets,
      // Velero's namespace holds the data backups' Schedule and the restore drill's Role.
      namespaces: [...Object.values(spec.namespaces), loggingNamespace(spec), DEFAULT_VELERO_NAMESPACE],
      managed: props.managed,
    });
    const bootstrap = new PlacedChart(scope, `${id}Bootstrap`, {
      region: 'global',
      component: 'argocd-bootstrap',
      directory: 'argocd/bootstrap',
    });
    // One app of apps per region (the first region's also syncs the AppProject), so that the
    // Application health waves of one region never wait for another's.
    const regions = [...new Set(targets.map((t) => t.region))];
    const groups = regions.map((region, i) => ({
      name: region,
      files: [
        ...(i === 0 ? [fileName({ kind: 'AppProject', metadata: { name: spec.name } })] : []),
        ...targets
          .filter((t) => t.region === region)
          .map((t) => fileName({ kind: 'Application', metadata: { name: applicationName(spec.name, t) } })),
      ],
    }));
    new GitOpsBootstrap(bootstrap, 'Bootstrap', { ...source, groups });
  }
}

/** One Application per (region, component) folder, to the cluster that runs it. */
export function applicationTargets(spec: PlatformSpec): ApplicationTarget[] {
  return clusterPlacements(spec).flatMap((placement) => {
    const target = (component: string, namespace: string, wave: number): ApplicationTarget => ({
      region: placement.region.name,
      component,
      server: placement.cluster.server,
      namespace,
      wave,
    });
    return [
      // Every object names its namespace; the platform Application's default is only nominal.
      target(placement.componentOf('platform'), spec.namespaces.edge, COMPONENT_WAVES.platform),
      target(placement.componentOf('data'), spec.namespaces.data, COMPONENT_WAVES.data),
      target(placement.componentOf('logging'), loggingNamespace(spec), COMPONENT_WAVES.logging),
      ...placement.colors.map((color) => target(color, spec.namespaces[color], COMPONENT_WAVES.color)),
      target(placement.componentOf('edge'), spec.namespaces.edge, COMPONENT_WAVES.edge),
      target(placement.componentOf('monitoring'), spec.namespaces.monitoring, COMPONENT_WAVES.monitoring),
    ];
  });
}
