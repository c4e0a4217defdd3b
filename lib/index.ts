/**
 * The public API of `alp-deploy`, the package's only entry point: the constructs a team needs to
 * build services, their props and enums, the rule model and its generators, and the verify and
 * output entry points. Each export is listed on purpose (no `export *`): a symbol a module
 * exports is internal until it is added here, so helpers and test hooks stay out of the
 * package's API. Inside the repository, platform/, charts/ and the tests import internals from
 * their concrete modules (e.g. '../lib/core/labels').
 *
 * @packageDocumentation
 */

// Core: errors, labels, image references, placed charts, the cluster model verification reads
export type { ApiAccessRule } from './core/api-rules';
export type { ClusterComponent, ComponentAddresses, ComponentId, ComponentNamespace, ComponentPort } from './core/cluster-components';
export type { ClusterModel, ClusterPrerequisite, ResolvedComponent, ResolvedFlow } from './core/cluster-components';
export type { NamespaceRole, PlatformEndpoint } from './core/endpoints';
export { AlpError, formatProblem, throwIfProblems } from './core/errors';
export type { PropProblem } from './core/errors';
export { parseImage } from './core/image';
export type { ImageReference } from './core/image';
export {
  COLORS,
  LABEL_COLOR,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_PART_OF,
  LABEL_VERSION,
  otherColor,
  selectorLabels,
} from './core/labels';
export type { Color, WorkloadIdentity } from './core/labels';
export { PlacedChart } from './core/placement';
export type { PlacedChartProps, Placement } from './core/placement';
export {
  dns1035LabelProblem,
  dnsSubdomainProblem,
  integerProblem,
  percentageProblem,
  portProblem,
  positiveIntegerProblem,
  problemsOf,
  rfc1123LabelProblem,
  sortedRecord,
} from './core/validation';
export type { NameCheckOptions } from './core/validation';

// Autoscaling: HorizontalAutoscaler (autoscaling/v2), ScalingMetric, DisruptionBudget
export type {
  AdapterConfig,
  AdapterResourceOverride,
  AdapterRule,
  AdapterRuleOptions,
  AdapterRuleRequest,
  ScalingMetricSource,
} from './autoscaling/adapter-config';
export { HorizontalAutoscaler, ScalingMetric } from './autoscaling/hpa';
export type { AutoscalingOptions, HorizontalAutoscalerProps, ScaleTarget } from './autoscaling/hpa';
export { DisruptionBudget } from './autoscaling/pdb';
export type { DisruptionBudgetOptions, DisruptionBudgetProps } from './autoscaling/pdb';

// Workloads: HardenedService, HardenedCronJob, namespace baseline, priority classes
export { HardenedCronJob } from './workload/hardened-cron-job';
export type { ConfigMapMount, HardenedCronJobProps } from './workload/hardened-cron-job';
export { Connections, workloadConnections } from './workload/connections';
export type { ConnectionEndpoint, ConnectionPort, IConnectable } from './workload/connections';
export { ApiResource, KubernetesApiServer, READ_VERBS } from './workload/grants';
export type { IApiResource, IGrantable, KubernetesApiServerProps } from './workload/grants';
export { HardenedService } from './workload/hardened-service';
export type { HardenedServiceProps, SecretEnvVar, SecretMount } from './workload/hardened-service';
export { AMBIENT, MESH_DATAPLANES } from './workload/mesh-dataplane';
export type { MeshDataplane, NamespaceMeshProps } from './workload/mesh-dataplane';
export { NamespaceBaseline } from './workload/namespace-baseline';
export type { NamespaceBaselineProps, NamespaceQuota, WorkloadFootprint } from './workload/namespace-baseline';
export { PlatformPriorityClasses, PRIORITY_CRITICAL, PRIORITY_STANDARD } from './workload/priority-classes';
export type { PlatformPriorityClassesProps, PriorityClassNames } from './workload/priority-classes';
export {
  claimVolume,
  DEFAULT_SECRET_MOUNT_ROOT,
  configMapVolume,
  emptyDirVolume,
  hostDirectoryVolume,
  httpProbes,
  restrictedPodTemplate,
  secretVolume,
  tmpVolume,
} from './workload/pod-template';
export type { ContainerProbes, PodVolume, RestrictedContainerOptions, RestrictedPodTemplateOptions } from './workload/pod-template';
export type { ContainerResources, ResourceAmounts } from './workload/resources';
export { DEFAULT_RUN_AS_USER } from './workload/security-context';

// Network: AllowPolicy and NetworkPeer, component policies, Gateway and routes, mesh policies
export { AllowPolicy } from './network/allow-policy';
// Also installs the writer behind `connections` (NetworkPolicy and AuthorizationPolicy rules on both sides).
export { componentPeer, platformEndpointPeer } from './network/connections';
export type { AllowPolicyProps } from './network/allow-policy';
export { componentPolicies } from './network/component-policies';
export type { ComponentPoliciesProps, ComponentPolicy } from './network/component-policies';
export { BackendGrant, EdgeGateway, PublicRoute } from './network/gateway';
export type { BackendGrantProps, EdgeGatewayProps, PublicRouteProps } from './network/gateway';
export { MeshExternalPort, MeshNamespaceDefaults, meshPrincipal, ServiceAuthorization } from './network/mesh';
export type { MeshExternalPortProps, MeshNamespaceDefaultsProps, ServiceAuthorizationProps } from './network/mesh';
export { NetworkPeer } from './network/network-peer';
export type { NetworkPort } from './network/network-peer';

// RBAC: a service's Kubernetes API access, human access roles
export { ServiceApiAccess } from './rbac/api-access';
// Installs the writer behind HardenedService.grant (Role rule, RoleBinding, API egress).
import './rbac/service-grants';
export type { ServiceApiAccessProps } from './rbac/api-access';
export { HumanAccessRoles } from './rbac/human-access';
export type { HumanAccessRolesProps } from './rbac/human-access';

// Secrets and certificates
export { HostCertificate, PlatformIssuer } from './security/certificates';
export type { HostCertificateProps, IssuerConfig, PlatformIssuerProps } from './security/certificates';
export { ServiceSecret } from './security/service-secret';
export type { ServiceSecretProps } from './security/service-secret';
export { VaultSecretStore } from './security/vault-secret-store';
export type { ServiceAccountReference, VaultKvVersion, VaultSecretStoreProps } from './security/vault-secret-store';

// Data: PostgreSQL, PgBouncer, Redis, backups, restore drill, GDPR jobs, audit policy, DR report
export { auditPolicy } from './data/audit-policy';
export type { AuditGroupResources, AuditLevel, AuditPolicyDocument, AuditPolicyOptions, AuditRule } from './data/audit-policy';
export { renderDrReport } from './data/dr-report';
export type { DataStoreDrSummary, DrObjectives, DrReportInput } from './data/dr-report';
export { postgresFailoverSteps, redisFailoverSteps, trafficFailoverSteps } from './data/dr-runbooks';
export type { PostgresFailoverOptions, RedisFailoverOptions, TrafficFailoverOptions } from './data/dr-runbooks';
export { clusterObjectsDrSummary, postgresDrSummary, redisDrSummary } from './data/dr-summaries';
export type {
  ClusterObjectsDrSummaryOptions,
  DrSummaryOptions,
  PostgresDrSummaryOptions,
  RedisDrSummaryOptions,
} from './data/dr-summaries';
export { DEFAULT_RETENTION_JOB_ENV, GdprJobs } from './data/gdpr-jobs';
export type { RetentionJobEnvNames, DataClass, ErasureJobOptions, GdprJobContainer, GdprJobsProps, JobEgress } from './data/gdpr-jobs';
export type { BackupCompression, ObjectStoreEncryption, ObjectStoreLocation, ObjectStoreOptions } from './data/object-store';
export { PgBouncerPooler } from './data/pgbouncer-pooler';
export type { PgBouncerPoolerOptions, PgBouncerPoolerProps, PoolMode } from './data/pgbouncer-pooler';
export { PostgresNetworkPolicy } from './data/postgres-network';
export type { PostgresNetworkPolicyProps } from './data/postgres-network';
export { PostgresCluster } from './data/postgres';
export type { PostgresClusterProps, PostgresReplicaSource } from './data/postgres';
export { Redis } from './data/redis';
export type { RedisPrimary, RedisProps } from './data/redis';
export { RestoreDrill, RestoreDrillNamespaceAccess } from './data/restore-drill';
export type { RestoreDrillNamespaceAccessProps, RestoreDrillProps } from './data/restore-drill';
export { BackupSchedule } from './data/velero';
export type { BackupScheduleProps, IBackupSchedule } from './data/velero';

// Monitoring: the rule model and its generators, scrapes, dashboards, alert routing, traces and logs
export { AlertRouting } from './monitoring/alert-routing';
export type { AlertRoutingProps, AlertWebhook, RoutingCredential } from './monitoring/alert-routing';
export { failingAnalysisMetricsExpr, FAILING_ANALYSIS_PHASES } from './monitoring/analysis-run';
export type { AnalysisRunSelector } from './monitoring/analysis-run';
export { goldenSignalRules } from './monitoring/golden-signal-rules';
export type { GoldenSignalOptions } from './monitoring/golden-signal-rules';
export { GrafanaDashboard } from './monitoring/grafana-dashboard';
export type { GrafanaDashboardProps } from './monitoring/grafana-dashboard';
export type { DashboardSource, Dashboard as GrafanaDashboardModel } from './monitoring/grafana-sdk';
export { LogShipper } from './monitoring/log-shipper';
export type { ElasticsearchTarget, LogShipperProps, RequiredPolicyException } from './monitoring/log-shipper';
export { renderMetricCatalog } from './monitoring/metric-names';
export type { HttpMetricNames, MetricCatalogGroup, MetricDefinition } from './monitoring/metric-names';
export type { DashboardNaming } from './monitoring/dashboard-panels';
export { MetricsAdapterConfig } from './monitoring/metrics-adapter';
export type { MetricsAdapterConfigProps } from './monitoring/metrics-adapter';
export { otelEnvironment } from './monitoring/otel-environment';
export type { OtelEnvironmentOptions } from './monitoring/otel-environment';
export { platformHealthRules } from './monitoring/platform-health-rules';
export type { PlatformHealthOptions, WatchedRestoreDrill } from './monitoring/platform-health-rules';
export { labelEq, labelIn, labelRe, seriesSelector } from './monitoring/promql';
export type { LabelMatcher, MatchOperator } from './monitoring/promql';
export { RuleGroupSet } from './monitoring/rule-group-set';
export type { RuleGroupSetProps } from './monitoring/rule-group-set';
export { AlertRule, RecordingRule, switchBackStep } from './monitoring/rule';
export type { AlertRuleProps, RecordingRuleProps, Rule, Runbook, RunbookStep, SwitchBackOptions } from './monitoring/rule';
export { renderRunbooks } from './monitoring/runbook';
export type { RunbookContext, RunbookFile } from './monitoring/runbook';
export { scalingMetricRules } from './monitoring/scaling-metric-rules';
export type { ScalingMetricRuleOptions, ScalingMetricUse } from './monitoring/scaling-metric-rules';
export { ServiceDashboard, serviceDashboard } from './monitoring/service-dashboard';
export type { ServiceDashboardOptions, ServiceDashboardProps } from './monitoring/service-dashboard';
export type { ServiceSignalOptions } from './monitoring/service-options';
export { ServiceRules } from './monitoring/service-rules';
export type { ServiceRulesProps } from './monitoring/service-rules';
export { ServiceScrape } from './monitoring/service-scrape';
export type { ServiceScrapeOptions, ServiceScrapeProps } from './monitoring/service-scrape';
export { Severity } from './monitoring/severity';
export { sloRules } from './monitoring/slo-rules';
export type { SloRuleOptions } from './monitoring/slo-rules';
export { traceCollectorRules } from './monitoring/trace-collector-rules';
export type { TraceCollectorSignalOptions } from './monitoring/trace-collector-rules';
export { TraceCollector } from './monitoring/trace-collector';
export type { JaegerTls, TraceCollectorProps } from './monitoring/trace-collector';
export { UptimeProbe } from './monitoring/uptime-probe';
export type { UptimeProbeProps } from './monitoring/uptime-probe';

// Delivery: Argo CD project and Applications, sync policy, blue/green traffic routing
export { applicationName, GitOpsBootstrap, GitOpsDelivery } from './delivery/argocd';
export type { ApplicationTarget, BootstrapGroup, BootstrapProps, GitOpsDeliveryProps, GitOpsSource } from './delivery/argocd';
export { applyArgoSyncPolicy, HOOK, HOOK_DELETE_POLICY } from './delivery/sync-policy';
export { BlueGreenRoutes } from './delivery/traffic-router';
export type { BlueGreenRoutesProps } from './delivery/traffic-router';
export { availableReplicasQuery, errorRatioQuery, latencyP99Query, SwitchAnalysis, switchMetricNames } from './delivery/switch-analysis';
export type { SwitchAnalysisProps, SwitchAnalysisService } from './delivery/switch-analysis';

// Policy: manifest verification, report formats, reachability, schema validation
export { renderClusterPrerequisites } from './policy/cluster-prerequisites-report';
export { readExceptions } from './policy/exceptions';
export type { ExceptionStatus, PolicyException, SuppressedFinding } from './policy/exceptions';
export type { PolicyRule, RuleContext, RuleInfo } from './policy/findings';
export type { Finding, FindingSeverity, FindingText, ManifestInput, ManifestObject } from './policy/findings';
export { formatJson, formatMarkdown, formatSarif, formatText, REPORT_FORMATS } from './policy/formats';
export type { ReportFormat, SarifOptions } from './policy/formats';
export { renderReachabilityReport } from './policy/reachability-report';
export type { ReachabilityReportOptions } from './policy/reachability-report';
export { workloadsFromManifests } from './policy/reachability-workloads';
export type { Workload, WorkloadPort, WorkloadProtocol } from './policy/reachability-workloads';
export { evaluateReachability } from './policy/reachability';
export type { Connection, ExternalEgress, ExternalIngress, ReachabilityResult } from './policy/reachability';
export type { SkippedCheck } from './policy/rules/_context';
export { POLICY_RULES } from './policy/rules/registry';
export { validateSchema } from './policy/schema';
export type { SchemaProblem } from './policy/schema';
export { readManifests, verifyManifests } from './policy/verify';
export type { ManifestFiles, VerifyCounts, VerifyOptions, VerifyReport } from './policy/verify';

// Output: rendering an app, YAML, the atomic tree writer, tree diff, Helm charts
export type { FieldChange } from './output/field-diff';
export { renderHelmChart } from './output/helm/chart';
export type { ChartValueDoc, HelmChartSource } from './output/helm/chart';
export type { FieldPath, TemplateSource } from './output/helm/template';
export { renderApp } from './output/render';
export type { RenderedObject, SynthesisOutput } from './output/render';
export type { ReviewFlag } from './output/review-flags';
export { diffTrees, formatTreeDiff } from './output/tree-diff';
export type { FileChange, FormatTreeDiffOptions, ObjectChange, TreeDiff } from './output/tree-diff';
export { writeTree } from './output/write';
export type { SideFile, TreeChange, WriteTreeOptions } from './output/write';
export { toYaml } from './output/yaml';
