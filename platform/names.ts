/**
 * The Adaptive Learning Platform's own names for what the construct library leaves to its user:
 * each is defined here once and passed explicitly to the library's constructs by the charts and
 * the platform's dashboards. (Names that follow from the spec, such as the namespaces, come from
 * the spec.)
 */
import { PriorityClassNames } from '../lib/workload/priority-classes';
import { DashboardNaming } from '../lib/monitoring/dashboard-panels';
import { RetentionJobEnvNames } from '../lib/data/gdpr-jobs';

/** The platform's PriorityClasses (`PlatformPriorityClasses`), named by every workload. */
export const PRIORITY_CLASSES: PriorityClassNames = { critical: 'alp-critical', standard: 'alp-standard' };

/** Uids, titles and tags of the platform's Grafana dashboards: `alp-<uid>`, `ALP / <title>`, tag `alp`. */
export const DASHBOARD_NAMING: DashboardNaming = { uidPrefix: 'alp-', titlePrefix: 'ALP / ', tags: ['alp'] };
/** The Grafana folder of the services' dashboards. */
export const SERVICE_DASHBOARD_FOLDER = 'ALP services';
/** The Grafana folder of the platform's own dashboards (overview, blue/green, trace collector). */
export const PLATFORM_DASHBOARD_FOLDER = 'ALP platform';

/** The AlertmanagerConfig that routes the platform's alerts (and the prefix of its Secrets). */
export const ALERT_ROUTING_NAME = 'alp-alert-routing';
/** The Elasticsearch index prefix of the platform's logs: `alp-logs-YYYY.MM.DD`. */
export const LOG_INDEX_PREFIX = 'alp-logs';
/** The OpenTelemetry resource attribute that carries a workload's blue/green colour. */
export const COLOR_ATTRIBUTE = 'alp.color';
/** The variables through which a GDPR retention job tells the purge command what to purge. */
export const RETENTION_JOB_ENV: RetentionJobEnvNames = { dataClass: 'ALP_DATA_CLASS', retentionDays: 'ALP_RETENTION_DAYS' };
/** The directory the platform's workloads read their secret files under: `/var/run/secrets/alp/<secret>/<key>`. */
export const SECRET_MOUNT_ROOT = '/var/run/secrets/alp';
/** The command that moves traffic to another colour, as the runbooks tell the on-call to run it. */
export const SWITCH_TRAFFIC_COMMAND = 'npx alp switch-traffic';
/**
 * The command that moves a region's traffic back to the colour that was live before the last
 * switch (routes only), as the switch alerts' runbooks and the auto-rollback pipeline run it.
 */
export const ROLLBACK_COMMAND = 'npx alp rollback';
/** The AnalysisRuns of the edge Application's sync hooks: the pre-switch gate and the post-switch watch. */
export const SWITCH_ANALYSES = { gate: 'switch-gate', watch: 'switch-watch' } as const;
/** The alerts on them: the watch failed (page; the automatic rollback acts on it), the gate failed (ticket). */
export const SWITCH_ALERTS = { watch: 'SwitchWatchFailed', gate: 'SwitchGateFailed' } as const;
/** Alertmanager's receiver of the automatic rollback's pipeline trigger (its Secret: `<ALERT_ROUTING_NAME>-auto-rollback`). */
export const AUTO_ROLLBACK_RECEIVER = 'auto-rollback';
