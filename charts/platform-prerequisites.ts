import { ClusterPrerequisite } from '../lib/core/cluster-components';
import { ALERTMANAGER, GRAFANA, METRICS_ADAPTER, prometheusUrl } from '../lib/core/endpoints';
import { ESO_SERVICE_ACCOUNT } from '../lib/security/vault-secret-store';
import { clusterPlacements, PlatformSpec, vaultAuthMountOf } from '../platform';
import { SWITCH_GATE_MINUTES, SWITCH_GATE_READINESS_WAIT_MINUTES, SWITCH_WATCH_MINUTES } from './edge-chart';

/*
 * Each area's install-time settings for `reports/cluster-prerequisites.md`, beyond what the
 * cluster model says of its components (platform/spec/cluster-model.ts): what the generated objects
 * rely on that no manifest of theirs can set. Values come from the spec where it has them.
 */

/**
 * The switch's gate and watch: Argo Rollouts' AnalysisRuns `switch-gate` (PreSync) and
 * `switch-watch` (PostSync) of each edge Application, and the way around a gate that blocks.
 */
function switchAnalysisPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const component = 'Argo Rollouts controller';
  const docs = 'https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/';
  return [
    {
      component,
      setting: `it reaches Prometheus at \`${prometheusUrl(spec.namespaces.monitoring)}\` (the Service the Prometheus Operator creates) and the public and preview hosts through public DNS; its metrics are scraped by its own ServiceMonitor (Helm values \`controller.metrics.enabled: true\`, \`controller.metrics.serviceMonitor.enabled: true\`) with the default \`honorLabels: false\`, so an AnalysisRun's namespace arrives as \`exported_namespace\`.`,
      docs: 'https://argo-rollouts.readthedocs.io/en/stable/features/controller-metrics/',
    },
    ...(spec.mesh.enabled
      ? [
          {
            component,
            setting:
              "its namespace `argo-rollouts` labelled `istio.io/dataplane-mode: ambient`: the monitoring namespace requires mutual TLS, so the controller reaches Prometheus only through the mesh, with the principal `cluster.local/ns/argo-rollouts/sa/argo-rollouts` that Prometheus's AuthorizationPolicy admits.",
            docs: 'https://istio.io/latest/docs/ambient/usage/add-workloads/',
          },
        ]
      : []),
    {
      component: 'Argo CD',
      setting: `every sync of an edge Application runs \`switch-gate\` first (about ${SWITCH_GATE_MINUTES} minutes; up to ${SWITCH_GATE_READINESS_WAIT_MINUTES} while the target colour's replicas come up) and \`switch-watch\` after (${SWITCH_WATCH_MINUTES} minutes), and no other sync of that Application starts meanwhile (\`argocd app terminate-op <app>\` ends one). A failed gate fails the sync before the routes change: the Application's \`status.operationState\` (phase Failed) carries the run's message naming the metric; the Applications' retry policy (5 retries, backoff from 10 s to 5 min) reruns it with a new run each time, then the commit stays unsynced until a new commit or a manual sync. A failed watch also fails the sync (hooks do not count in the Application's health).`,
      docs,
    },
    {
      component: 'Argo CD',
      setting: `escape hatch when the gate blocks an edge sync that is needed (an incident, or a new cluster's first sync, where the Gateway the smoke test goes through does not exist yet): \`argocd app sync <edge app> --strategy apply\` applies the manifests without running any hook (Argo CD skips hooks for the apply strategy and for a selective \`--resource\` sync). It bypasses the gate and the watch: say so in the incident record.`,
      docs,
    },
  ];
}

/** Argo CD: how the app of apps orders and checks the Applications. */
function deliveryPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const component = 'Argo CD';
  return [
    {
      component,
      setting:
        '`resource.customizations.health.argoproj.io_Application` in `argocd-cm` (the Lua health check of Argo CD\'s "Resource Health" docs): the bootstrap Application\'s sync waves then wait for each Application to be Healthy, not only created.',
      why: 'Argo CD 1.8 removed the Application health check; without it the waves order creation only',
      docs: 'https://argo-cd.readthedocs.io/en/stable/operator-manual/health/#argocd-app',
    },
    {
      component,
      setting: `no progressive-sync flag: every Application of \`${spec.gitops.path}\` is a plain auto-synced, self-healing Application (no ApplicationSet RollingSync), and the health checks of cert-manager Certificates and Gateway API objects it needs are built in.`,
      docs: 'https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Progressive-Syncs/',
    },
  ];
}

/** The edge: the Gateways' pods and their certificates. */
function edgePrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const standby = spec.regions.filter((r) => r.role !== 'primary').map((r) => r.name);
  return [
    ...(spec.tls.issuer.type === 'acme' && standby.length > 0
      ? [
          {
            component: 'cert-manager controller',
            setting: `the ACME HTTP-01 challenges of the public hosts are answered only by the region that public DNS points to: the other regions' Certificates (${standby.join(', ')}) stay pending until a failover moves DNS, then issue (minutes, and longer after cert-manager's back-off). For certificates ready before a failover, use a Vault PKI issuer (\`tls.issuer.type: vault\`) or an ACME DNS-01 solver (not generated).`,
            why: 'HTTP-01 proves control of a host by serving a token where the host resolves',
            docs: 'https://cert-manager.io/docs/configuration/acme/http01/',
          },
        ]
      : []),
    {
      component: 'Istio gateway controller',
      setting: `Gateway API CRDs whose Gateway has \`spec.infrastructure\`, and an Istio whose gateway controller reads \`infrastructure.parametersRef\` ConfigMaps (GatewayClass \`${spec.edge.gatewayClassName}\`): the ConfigMap \`<gateway>-deployment\` gives the generated gateway pods the seccomp profile RuntimeDefault that PSS restricted requires in \`${spec.namespaces.edge}\`.`,
      why: "Istio's generated gateway Deployments set no seccomp profile of their own",
      docs: 'https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/#automated-deployment',
    },
  ];
}

/** External Secrets and the Vault keys the platform reads. */
function secretsPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const component = 'External Secrets Operator';
  const { alerting } = spec.monitoring;
  return [
    {
      component,
      setting: 'a version that serves `external-secrets.io/v1` (ClusterSecretStore, ExternalSecret).',
      docs: 'https://external-secrets.io/latest/',
    },
    {
      component,
      setting: `Vault \`${alerting.deadMansSwitchVaultKey}\` holds the dead man's switch's heartbeat URL (property \`url\`); the check's period must exceed Alertmanager's Watchdog repeat (1 minute) plus a grace time, and its host must be within \`monitoring.alerting.egressCidrs\`.`,
      why: 'the Watchdog alert proves the alerting path end to end only if something alarms when its calls stop',
    },
    {
      component,
      setting: `Vault \`${spec.data.redis.tlsVaultKey}\` holds Redis's \`tls.crt\` (naming \`${spec.data.replication.redisPrimaryHost}\`, with the serverAuth and clientAuth usages: replicas present it as their client certificate), \`tls.key\` and \`ca.crt\`, from one CA for every region. Redis reads them only at start: after a rotation in Vault, restart the Redis pods (\`kubectl rollout restart statefulset/redis\`) before the old certificate expires.`,
      why: 'replication, in each cluster and across regions, runs over TLS with client certificates',
    },
  ];
}

/** The Prometheus Operator's Prometheus and Alertmanager, and what their rules read. */
function monitoringPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const ns = spec.namespaces.monitoring;
  return [
    {
      component: 'Alertmanager (Prometheus Operator)',
      setting: `\`alertmanagerConfigSelector\` and \`alertmanagerConfigNamespaceSelector\` select the AlertmanagerConfig in \`${ns}\`; the default matcher strategy (OnNamespace) is right: every generated alert carries \`namespace: ${ns}\` and its series' namespace in \`source_namespace\`. Alertmanager 0.22 or later, running as the service account \`${ALERTMANAGER.serviceAccount}\` (its replicas' gossip is admitted by that identity).`,
      docs: 'https://prometheus-operator.dev/docs/developer/alerting/',
    },
    {
      component: 'Alertmanager (Prometheus Operator)',
      setting:
        "no global inhibit rule that matches on `namespace` and `alertname` alone (kube-prometheus-stack's default `alertmanager.config.inhibit_rules`): every generated alert carries the same `namespace`, so such a rule lets one service's or one certificate's page silence every other one's ticket; drop those rules or add `source_namespace` and `service` to their `equal` (the generated AlertmanagerConfig inhibits on the alert's whole identity).",
      why: 'global inhibit rules apply to every alert, whatever the route',
      docs: 'https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule',
    },
    {
      component: 'Prometheus (Prometheus Operator)',
      setting:
        "scrapes the Kubernetes API server (e.g. kube-prometheus's `apiserver` ServiceMonitor): MetricsApiServiceUnavailable reads `aggregator_unavailable_apiservice` there; "
        + `\`ruleSelector\` and \`ruleNamespaceSelector\` select the generated PrometheusRules, in \`${ns}\` and in \`${spec.namespaces.edge}\` (the switch's alerts, \`switch-rules\`, which change with the routes); `
        + "`enforcedNamespaceLabel` unset (or the generated rules listed in `prometheusRulesExcludedFromEnforce`): it would also restrict every selector of their expressions to the monitoring namespace, and the rules read the colour, data, cert-manager and Velero namespaces' series.",
      docs: 'https://prometheus-operator.dev/docs/api-reference/api/',
    },
    {
      component: 'kube-state-metrics',
      setting:
        'the `cronjobs`, `jobs` and `horizontalpodautoscalers` collectors (`kube_cronjob_status_last_successful_time`, `kube_cronjob_spec_suspend`, `kube_job_owner`, `kube_job_status_start_time`, `kube_job_failed`, `kube_horizontalpodautoscaler_status_condition`).',
      why: "the restore drill reports through its Job status, and AutoscalerMetricsUnavailable reads the HPAs' ScalingActive condition",
      docs: 'https://github.com/kubernetes/kube-state-metrics/tree/main/docs/metrics',
    },
    {
      component: 'prometheus-adapter (custom and external metrics API)',
      setting: `installed as \`prometheus-adapter\` in \`${ns}\` with \`rules.existing=prometheus-adapter-config\` (the generated ConfigMap) and both APIServices, \`v1beta1.custom.metrics.k8s.io\` and \`v1beta1.external.metrics.k8s.io\`, pointing at it (the chart registers the external one only when \`rules.external\` is not empty: register it yourself otherwise); check with \`kubectl get apiservice\`.`,
      why: 'the HPAs that scale on Pods or External metrics read them through these APIs; without them Kubernetes never scales those services down',
      docs: 'https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md',
    },
    {
      component: 'cert-manager controller',
      setting:
        "its ServiceMonitor keeps the default `honorLabels: false`: the Certificate's namespace then arrives as `exported_namespace`, which the certificate alerts read.",
    },
    {
      component: 'Grafana',
      setting: `runs as the service account \`${GRAFANA.serviceAccount}\` (Prometheus admits its queries by that mesh identity); its UI has no route: reach it with \`kubectl port-forward -n ${ns} svc/grafana 3000\`, or add a flow into Grafana to the cluster model for an ingress or a single-sign-on proxy.`,
      why: "the monitoring namespace denies by default, and Grafana's Helm chart derives its account name from the release name",
    },
    {
      component: 'prometheus-adapter (custom and external metrics API)',
      setting: `runs as the service account \`${METRICS_ADAPTER.serviceAccount}\` (Prometheus admits its queries by that mesh identity).`,
      why: 'the chart derives its account name from the release name: another release name is silently denied',
    },
  ];
}

/** Backups and the cross-region replication path. */
function dataPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  return [
    {
      component: 'Velero',
      setting:
        "the node agent installed, and file-system backup in opt-out mode (the Schedule's `defaultVolumesToFsBackup: true`), so that CloudNativePG's pods' `backup.velero.io/backup-volumes-excludes` annotation keeps the live PGDATA and WAL volumes out; metrics on 8085 (`velero_backup_attempt_total`, `velero_backup_last_successful_timestamp`).",
      docs: 'https://velero.io/docs/main/file-system-backup/',
    },
    {
      component: 'Redis replication load balancer',
      setting: `the primary's Service \`redis-replication\` gets an internal load balancer (the cloud's annotation, not generated), reachable over the regions' peering at \`${spec.data.replication.redisPrimaryCidr}\`, with DNS \`${spec.data.replication.redisPrimaryHost}\` pointing to it; the load balancer keeps the client address (\`externalTrafficPolicy: Local\`).`,
      why: "the DR region's Redis follows the primary through it, and the primary admits only the replicas' addresses",
    },
  ];
}

/** Every area's entries, in the report's order. */
export const PREREQUISITE_CONTRIBUTIONS: ReadonlyArray<(spec: PlatformSpec) => ClusterPrerequisite[]> = [
  deliveryPrerequisites,
  edgePrerequisites,
  switchAnalysisPrerequisites,
  secretsPrerequisites,
  monitoringPrerequisites,
  dataPrerequisites,
  vaultAuthPrerequisites,
];

/**
 * Vault's Kubernetes auth: one mount per cluster (`vaultAuthMountOf`), configured with that
 * cluster's API server and CA, with the roles the ClusterSecretStore (and a Vault issuer) log in as.
 */
function vaultAuthPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const eso = ESO_SERVICE_ACCOUNT;
  const issuer = spec.tls.issuer;
  return clusterPlacements(spec).map(({ region, cluster }) => {
    const mount = vaultAuthMountOf(spec, cluster);
    const certManager =
      issuer.type === 'vault'
        ? `; and the role \`${issuer.role}\` bound to \`cert-manager\` in \`cert-manager\` (the ClusterIssuer's Kubernetes auth)`
        : '';
    return {
      component: 'Vault Kubernetes auth',
      setting: `cluster \`${cluster.name}\` (region ${region.name}) logs in through the mount \`${mount}\`: \`vault auth enable -path=${mount} kubernetes\`, then \`vault write auth/${mount}/config kubernetes_host=${cluster.server} kubernetes_ca_cert=@<${cluster.name}'s CA>\` (with a \`token_reviewer_jwt\` of a service account bound to \`system:auth-delegator\` in that cluster, or that ClusterRole bound to \`${eso.name}\`); the role \`${spec.vault.role}\` in it bound to the service account \`${eso.name}\` in \`${eso.namespace}\` (\`bound_service_account_names=${eso.name} bound_service_account_namespaces=${eso.namespace}\`), with a policy that reads the platform's keys in \`${spec.vault.kvMount}\`${certManager}.`,
      why: "a Kubernetes auth mount validates tokens against one cluster's API server and CA, one `kubernetes_host` per mount: a mount shared by two clusters refuses every login but one cluster's",
      docs: 'https://developer.hashicorp.com/vault/docs/auth/kubernetes',
    };
  });
}
