import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LABEL_NAME, throwIfProblems } from '../core';
import { Dashboard, DashboardSource } from './grafana-sdk';
import { dns1035LabelProblem, problemsOf } from '../core/validation';

/** The label by which Grafana's dashboard sidecar finds dashboard ConfigMaps. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
/** The annotation the sidecar reads the target folder from (with `folderAnnotation` set to it). */
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';

export interface GrafanaDashboardProps {
  /**
   * Short name, a DNS label: the ConfigMap is `grafana-dashboard-<name>` and holds `<name>.json`.
   */
  readonly name: string;
  /** The dashboard, built with `@grafana/grafana-foundation-sdk` (a DashboardBuilder). */
  readonly dashboard: DashboardSource;
  /**
   * Grafana folder, written as the `grafana_folder` annotation for the sidecar.
   * @default - the sidecar's default folder
   */
  readonly folder?: string;
  /**
   * Labels of the ConfigMap; `grafana_dashboard: "1"` and `app.kubernetes.io/name: <name>` are
   * always set (a service dashboard's name is the service's, which the completeness check reads).
   * @default - only those two
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Grafana dashboard as a ConfigMap that the Grafana sidecar provisions: a stable name
 * (`grafana-dashboard-<name>`, no content hash), the label `grafana_dashboard: "1"`, and the
 * dashboard JSON with sorted keys and panel ids assigned in order, so that the same dashboard
 * always gives the same bytes.
 *
 * @see https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-dashboards
 */
export class GrafanaDashboard extends Construct {
  public readonly name: string;
  /** The ConfigMap's name: `grafana-dashboard-<name>`. */
  public readonly configMapName: string;
  /** The dashboard model, after panel ids were assigned. */
  public readonly model: Dashboard;
  /** The JSON in the ConfigMap. */
  public readonly json: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const nameProblem = dns1035LabelProblem('name', props.name, {
      maxLength: 45,
      rule: 'must be a DNS label of at most 45 characters',
      fix: 'the ConfigMap is named grafana-dashboard-<name>',
    });
    throwIfProblems(this, problemsOf(nameProblem));
    this.name = props.name;
    this.configMapName = `grafana-dashboard-${props.name}`;
    this.model = withPanelIds(props.dashboard.build());
    this.json = stableJson(this.model);
    this.resource = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: this.configMapName,
        labels: { ...props.labels, [GRAFANA_DASHBOARD_LABEL]: '1', [LABEL_NAME]: props.name },
        annotations: props.folder ? { [GRAFANA_FOLDER_ANNOTATION]: props.folder } : undefined,
      },
      data: { [`${props.name}.json`]: this.json },
    });
  }
}

/**
 * JSON with object keys sorted at every level and 2-space indentation; `undefined` values and
 * functions are left out (as JSON.stringify does).
 */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function') out[key] = sortKeys(v);
  }
  return out;
}

/** Numbers every panel (rows and panels inside rows too) 1, 2, 3 … in order: Grafana needs unique ids. */
function withPanelIds(model: Dashboard): Dashboard {
  let next = 1;
  const number = (panels: unknown[] | undefined): unknown[] | undefined =>
    panels?.map((panel) => {
      const p = panel as Record<string, unknown>;
      return { ...p, id: next++, panels: Array.isArray(p.panels) ? number(p.panels) : p.panels };
    });
  return { ...model, panels: number(model.panels) as Dashboard['panels'] };
}
