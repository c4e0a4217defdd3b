import { PolicyRule } from '../findings';
import { ALERTING_RULES } from './alerting';
import { BLUE_GREEN_RULES } from './blue-green';
import { COMPLETENESS_RULES } from './completeness';
import { EXPOSURE_RULES } from './exposure';
import { GITOPS_RULES } from './gitops';
import { GITOPS_DELIVERY_RULES } from './gitops-delivery';
import { MESH_RULES } from './mesh';
import { MESH_DATAPLANE_RULES } from './mesh-dataplane';
import { METRIC_ADAPTER_RULES } from './metric-adapter';
import { NAMESPACE_RULES } from './namespaces';
import { NETWORK_RULES } from './network';
import { CHALLENGE_RULES } from './challenge';
import { RBAC_USABILITY_RULES } from './rbac-usability';
import { SCRAPE_RULES } from './scrape-reachability';
import { POD_SECURITY_RULES } from './pod-security';
import { RBAC_RULES } from './rbac';
import { SCHEMA_RULES } from './schema';
import { SECRET_STORE_RULES } from './secret-store-admission';
import { SECRETS_RULES } from './secrets';
import { SYNC_ORDER_RULES } from './sync-order';
import { WORKLOAD_RULES } from './workload';

/**
 * Every rule `alp verify` runs, by area: schema, Pod Security Standards, workload, RBAC, network
 * (NetworkPolicies, exposure outside the cluster, the Istio mesh, namespaces), secrets, GitOps,
 * blue/green, completeness, alert delivery. Reports list rules in this order.
 */
export const POLICY_RULES: readonly PolicyRule[] = [
  ...SCHEMA_RULES,
  ...POD_SECURITY_RULES,
  ...WORKLOAD_RULES,
  ...RBAC_RULES,
  ...NETWORK_RULES,
  ...CHALLENGE_RULES,
  ...SCRAPE_RULES,
  ...RBAC_USABILITY_RULES,
  ...EXPOSURE_RULES,
  ...MESH_RULES,
  ...MESH_DATAPLANE_RULES,
  ...NAMESPACE_RULES,
  ...SECRETS_RULES,
  ...SECRET_STORE_RULES,
  ...GITOPS_RULES,
  ...GITOPS_DELIVERY_RULES,
  ...SYNC_ORDER_RULES,
  ...BLUE_GREEN_RULES,
  ...COMPLETENESS_RULES,
  ...METRIC_ADAPTER_RULES,
  ...ALERTING_RULES,
];
