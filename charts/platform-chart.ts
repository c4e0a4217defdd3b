import { Construct } from 'constructs';
import { LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, NamespaceBaseline, PlacedChart, PlatformPriorityClasses, PlatformSpec, quotaFor, serviceMaxReplicas } from '../lib';

export interface PlatformChartProps {
  readonly spec: PlatformSpec;
  readonly region: string;
}

/**
 * The `platform` component of a region: every platform namespace with its baseline (PSS
 * restricted, quota, limits, default-deny) and the PriorityClasses. Argo CD syncs it first.
 */
export class PlatformChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    const labels = { [LABEL_PART_OF]: props.spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    super(scope, id, { region: props.region, component: 'platform', labels });

    new PlatformPriorityClasses(this, 'PriorityClasses');
    // A colour namespace must hold every service at full scale during a rollout.
    const colorQuota = quotaFor(props.spec.services.map((s) => ({ resources: s.resources, maxReplicas: serviceMaxReplicas(s) })));
    const { namespaces } = props.spec;
    new NamespaceBaseline(this, 'Blue', { name: namespaces.blue, quota: colorQuota });
    new NamespaceBaseline(this, 'Green', { name: namespaces.green, quota: colorQuota });
    new NamespaceBaseline(this, 'Edge', { name: namespaces.edge });
    new NamespaceBaseline(this, 'Data', { name: namespaces.data });
    new NamespaceBaseline(this, 'Monitoring', { name: namespaces.monitoring });
  }
}
