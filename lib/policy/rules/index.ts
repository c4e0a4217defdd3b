export { ALERT_ROUTED, ALERT_WATCHDOG_DEADMANS, ALERTING_RULES, routeAlert } from './alerting';
export type { AlertDestination, MatcherStrategy } from './alerting';
export { BLUE_GREEN_RULES } from './blue-green';
export { COMPLETENESS_RULES, DASHBOARD_LABEL } from './completeness';
export { EXPOSURE_RULES } from './exposure';
export { GITOPS_RULES } from './gitops';
export { GITOPS_AUTOMATED_SYNC, GITOPS_DELIVERY_RULES } from './gitops-delivery';
export { MESH_RULES } from './mesh';
export { MESH_DATAPLANE_RULES } from './mesh-dataplane';
export { COMPLETE_METRIC_ADAPTER, METRIC_ADAPTER_RULES } from './metric-adapter';
export { NAMESPACE_RULES } from './namespaces';
export { NETWORK_RULES } from './network';
export { CHALLENGE_RULES, NET_CHALLENGE_REACHABLE } from './challenge';
export { RBAC_GRANT_USABLE, RBAC_USABILITY_RULES } from './rbac-usability';
export { NET_SCRAPE_REACHABLE, SCRAPE_RULES } from './scrape-reachability';
export {
  BASELINE_CAPABILITIES,
  POD_SECURITY_RULES,
  podSecurityViolations,
  podSpecOf,
  RESTRICTED_VOLUME_SOURCES,
  SAFE_SYSCTLS,
} from './pod-security';
export type { PodSecurityViolation } from './pod-security';
export { RBAC_RULES, SECRET_ACCESS_ANNOTATION } from './rbac';
export { POLICY_RULES } from './registry';
export { SCHEMA_RULES } from './schema';
export { SECRET_STORE_ADMISSION, SECRET_STORE_RULES, storeAdmits } from './secret-store-admission';
export type { StoreAdmission } from './secret-store-admission';
export { SECRETS_RULES } from './secrets';
export { GITOPS_SYNC_WAVE_ORDER, SYNC_ORDER_RULES } from './sync-order';
export { WORKLOAD_RULES } from './workload';
