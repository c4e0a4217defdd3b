import { z } from 'zod';
import { CPU_PATTERN, MEMORY_PATTERN, unpinnedReason } from '../../lib/core';
import {
  DNS_1035_LABEL,
  DNS_SUBDOMAIN,
  FQDN,
  IPV4_CIDR,
  MAX_DNS_LABEL_LENGTH,
  MAX_PORT,
  PORT_RULE,
  STORAGE_SIZE,
  STORAGE_SIZE_RULE,
} from '../../lib/core/validation';
import { MESH_DATAPLANES } from '../../lib/workload/mesh-dataplane';
import { API_SERVER_PORTS } from '../../lib/core/cluster-components';
import { isImageRepository } from '../../lib/core/image';

/**
 * The platform spec's schema. Every object is strict: an unknown field (a typo) is an error.
 * Messages complete the sentence "'<field>' (<value>) …", so each says the rule it checks.
 * Rules that span fields (references between services, requests within limits) are in
 * `validate.ts`.
 */

/** A lowercase DNS label of at most `max` characters (names derived from it must fit 63). */
export const dnsLabel = (max = MAX_DNS_LABEL_LENGTH) =>
  z
    .string()
    .regex(DNS_1035_LABEL, { error: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter' })
    .max(max, { error: `must be at most ${max} characters` });

const port = z.number().int({ error: PORT_RULE }).min(1, { error: PORT_RULE }).max(MAX_PORT, { error: PORT_RULE });

export const cpu = z.string().regex(CPU_PATTERN, { error: 'must be a CPU quantity such as "250m" or "2"' });
export const memory = z.string().regex(MEMORY_PATTERN, { error: 'must be a memory quantity in Ki, Mi or Gi, such as "512Mi"' });
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'must be an absolute URL path such as "/readyz"' });
const hostname = z.string().regex(FQDN, { error: 'must be a fully qualified lowercase host name' });
const cidr = z.string().regex(IPV4_CIDR, { error: 'must be an IPv4 CIDR such as "203.0.113.0/24"' });
const positiveInt = (rule: string) => z.number().int({ error: rule }).min(1, { error: rule });
/** An integer from `min` to `max`; the rule names the range and why it ends there. */
const boundedInt = (min: number, max: number, why: string) => {
  const rule = `must be an integer from ${min} to ${max} (${why})`;
  return z.number().int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
};

/**
 * The most replicas one service may run (its fixed `replicas` or `autoscaling.maxReplicas`), per
 * colour and region. Quotas, Helm values and disruption budgets are sized from it.
 */
export const MAX_SERVICE_REPLICAS = 500;
/** The most services a spec may list: the largest platform the benchmark synthesizes (`npm run bench`). */
export const MAX_SERVICES = 2000;
/** The most regions a spec may list: each region is a complete copy of the platform. */
export const MAX_REGIONS = 8;
/** The most `secrets` entries of one service: each is an ExternalSecret and a volume or a set of variables. */
export const MAX_SECRETS_PER_SERVICE = 20;
/** The most `egress` rules of one service: each is a rule of its NetworkPolicy. */
export const MAX_EGRESS_RULES = 50;
/** The most `data.gdpr.dataClasses`: each is a CronJob in every cluster. */
export const MAX_DATA_CLASSES = 50;
/** The most PostgreSQL instances (and DR replica instances) of the data layer. */
export const MAX_POSTGRES_INSTANCES = 9;
/** The most Redis pods of the data layer. */
export const MAX_REDIS_REPLICAS = 9;

/** The smallest `delivery.standby.floorReplicas`: the platform's minimum replicas per service (MIN_SERVICE_REPLICAS). */
const MIN_STANDBY_FLOOR = 2;

export const replicaCount = boundedInt(
  1,
  MAX_SERVICE_REPLICAS,
  `${MAX_SERVICE_REPLICAS} is the platform's limit of replicas per service and colour`,
);
const PERCENTAGE_RULE = { error: 'must be an integer percentage from 1 to 100' };
/** An integer percentage from 1 to 100. */
const percentage = z.number().int(PERCENTAGE_RULE).min(1, PERCENTAGE_RULE).max(100, PERCENTAGE_RULE);
/** A list of at most `max` items, the rule naming the limit. */
const atMost = (max: number, what: string, why: string) => ({ error: `must list at most ${max} ${what} (${why})` });

const resourceAmounts = z.strictObject({ cpu, memory });

export const customMetricSchema = z.strictObject({
  /** `pods`: a per-pod metric from the custom metrics API; `external`: a metric from outside the cluster. */
  type: z.enum(['pods', 'external']),
  /** Metric name, e.g. `http_requests_per_second`. */
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'must be a Prometheus metric name' }),
  /** Target average value per pod, as a quantity ("100", "500m"). */
  averageValue: z.string().regex(/^\d+(\.\d+)?m?$/, { error: 'must be a quantity such as "100" or "500m"' }),
  /** Label selector for the metric series. */
  selector: z.record(z.string(), z.string()).optional(),
});

const autoscaling = z.strictObject({
  minReplicas: replicaCount,
  maxReplicas: replicaCount,
  targetCPUUtilizationPercentage: percentage.default(70),
  targetMemoryUtilizationPercentage: percentage.default(80),
  metrics: z.array(customMetricSchema).default([]),
});

const egressRule = z.strictObject({
  /** What the destination is, for reviewers and reports, e.g. `smtp.sendgrid.net`. */
  host: hostname,
  /** The addresses the NetworkPolicy allows. */
  cidrs: z.array(cidr).min(1, { error: 'must list at least one CIDR' }),
  ports: z.array(port).min(1, { error: 'must list at least one port (an empty list would allow every port)' }),
});

const apiRule = z.strictObject({
  apiGroups: z.array(z.string()),
  resources: z.array(z.string().min(1)).min(1, { error: 'must list at least one resource' }),
  verbs: z.array(z.string().min(1)).min(1, { error: 'must list at least one verb' }),
  resourceNames: z.array(z.string().min(1)).optional(),
});

/**
 * A Secret key, also a file name under the secret's mount: no "." or ".." (nor any name starting
 * with "."), which would name the folder or its parent, and no "/".
 */
const secretKey = z.string().regex(/^[-_a-zA-Z0-9][-._a-zA-Z0-9]{0,252}$/, {
  error:
    'must be a Secret key of at most 253 characters: letters, digits, "-", "_" and ".", not starting with "." (it is a file name; "." and ".." would leave the secret\'s folder)',
});
/**
 * A path inside Vault (a mount, a PKI signing path): names joined by single "/", none empty,
 * "." or "..".
 */
const vaultMountPath = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, {
  error:
    'must be a Vault path such as "secret" or "pki_int/sign/alp": names of letters, digits, "_", "-" and "." (not starting with ".") joined by single "/"',
});
/** A Vault role name. */
const vaultRole = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, {
  error: 'must be a Vault role name: letters, digits, "_", "-" and "." (not starting with "."), at most 128 characters',
});

/** A path in Vault's KV store, e.g. `alp/user-service/oidc`. */
export const vaultKvPath = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/, { error: 'must be a Vault KV path such as "alp/user-service/oidc"' });

/** An environment variable name. */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name' });

/** A feature flag's name: lowercase words joined by "-", passed to the service as `FEATURE_<NAME>` (e.g. FEATURE_NEW_QUIZ_UI). */
export const featureFlagName = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, {
  error: 'must be a feature flag name: lowercase words of letters and digits joined by "-", such as "new-quiz-ui"',
});

const serviceSecret = z.strictObject({
  /** Name of the Kubernetes Secret (and ExternalSecret) within the service: `<service>-<name>`. */
  name: dnsLabel(20),
  /** Path of the secret in Vault's KV store, e.g. `alp/user-service/oidc`. */
  vaultKey: vaultKvPath,
  /** Vault properties to copy; each becomes a file (or an env var) of the same name. */
  keys: z.array(secretKey).min(1, { error: 'must list at least one key' }),
  /** `file`: mounted read-only under /var/run/secrets/alp/<name>/; `env`: environment variables. */
  as: z.enum(['file', 'env']).default('file'),
});

export const serviceSchema = z.strictObject({
  /** Service name; also the Deployment, Service and ServiceAccount name. */
  name: dnsLabel(40),
  description: z.string().optional(),
  /** `app.kubernetes.io/component`: what role the service plays. */
  tier: z.enum(['gateway', 'backend', 'worker']).default('backend'),
  /** Image repository without tag or digest; release.yaml gives the reference per colour. */
  imageRepository: z.string().refine(isImageRepository, { error: 'must be an image repository without tag or digest' }),
  /** The container's HTTP port. */
  port,
  /** The port that serves Prometheus metrics at /metrics. */
  metricsPort: port,
  health: z
    .strictObject({ readinessPath: httpPath.default('/readyz'), livenessPath: httpPath.default('/livez') })
    .default({ readinessPath: '/readyz', livenessPath: '/livez' }),
  resources: z.strictObject({ requests: resourceAmounts, limits: resourceAmounts }),
  /** A fixed replica count, for a service without autoscaling. */
  replicas: replicaCount.optional(),
  autoscaling: autoscaling.optional(),
  /** Scheduling priority: `critical` services preempt `standard` ones under pressure. */
  priority: z.enum(['critical', 'standard']).default('standard'),
  /** Who this service calls: other services (on their port) and the shared data stores. */
  dependsOn: z
    .strictObject({
      services: z.array(z.string()).default([]),
      postgres: z.boolean().default(false),
      redis: z.boolean().default(false),
    })
    .default({ services: [], postgres: false, redis: false }),
  /** Destinations outside the cluster the service may reach. */
  egress: z
    .array(egressRule)
    .max(MAX_EGRESS_RULES, atMost(MAX_EGRESS_RULES, 'rules', "the platform's limit per service; merge rules with several CIDRs or ports"))
    .default([]),
  /** Exposure through the edge gateway. */
  public: z.strictObject({ host: hostname, path: httpPath.default('/') }).optional(),
  availability: z
    .strictObject({
      /** Availability objective in percent over 30 days. */
      objective: z
        .number()
        // Below 93.06 % the fastest burn-rate alert's threshold (14.4 × the budget) exceeds 100 %
        // errors: it could never fire, so the service could never page (see lib/monitoring/slo-rules.ts).
        .min(93.06, { error: 'must be a percentage from 93.06 to 99.999 (below 93.06 the burn-rate alerts could never page)' })
        .max(99.999, { error: 'must be a percentage from 93.06 to 99.999 (below 93.06 the burn-rate alerts could never page)' })
        .default(99.9),
      /** Target p99 latency in milliseconds. */
      latencyP99Ms: positiveInt('must be a whole number of milliseconds, at least 1').default(500),
    })
    .default({ objective: 99.9, latencyP99Ms: 500 }),
  /** Kubernetes API access the service needs: mounts a token and grants exactly these rules. */
  kubernetesApi: z
    .strictObject({
      rules: z.array(apiRule).min(1, { error: 'must list at least one rule' }),
      /** Rules may name `secrets` only with this set: reading Secrets is never implied. */
      allowSecretAccess: z.boolean().default(false),
      /**
       * The objects the rules name (`resourceNames`) that the platform does not generate, each
       * with who provides it: they are listed in reports/cluster-prerequisites.md.
       * @default - none: every named object must be one the platform generates
       */
      externalObjects: z
        .array(
          z.strictObject({
            /** The resource, as in the rules (e.g. `configmaps`). */
            resource: z.string().min(1),
            name: z.string().min(1),
            /** Who creates and updates it. */
            providedBy: z.string().min(1, { error: 'must say who creates the object' }),
          }),
        )
        .default([]),
    })
    .optional(),
  /** Secrets from Vault, through External Secrets; never literal values. */
  secrets: z
    .array(serviceSecret)
    .max(
      MAX_SECRETS_PER_SERVICE,
      atMost(MAX_SECRETS_PER_SERVICE, 'secrets', "the platform's limit per service; put several keys in one secret"),
    )
    .default([]),
  /** Plain, non-secret configuration passed as environment variables. */
  env: z.record(envName, z.string()).default({}),
  /**
   * Feature flags and their values, passed as environment variables `FEATURE_<NAME>` ("true" or
   * "false"). A colour can stage other values in release.yaml.
   * @default - none
   */
  featureFlags: z.record(featureFlagName, z.boolean()).default({}),
  terminationGracePeriodSeconds: z
    .number()
    .int({ error: 'must be a whole number of seconds' })
    .min(1, { error: 'must be at least 1 second' })
    .max(600, { error: 'must be at most 600 seconds' })
    .default(30),
});

/** A per-cluster list of CIDRs that replaces a spec-wide one: left out, the spec-wide list applies. */
const clusterCidrs = (why: string) => z.array(cidr).min(1, { error: `must list at least one CIDR, or be left out (${why})` });

/**
 * A cluster, and what differs from one cluster to another: each cluster has its own API server,
 * nodes and network (the regions are separate, peered networks), and its own Vault Kubernetes
 * auth mount. The addresses default to the spec-wide ones, which fit a single cluster.
 */
const cluster = z.strictObject({
  name: dnsLabel(),
  server: z.string().regex(/^https:\/\/[^\s/]+(\/.*)?$/, { error: 'must be an https:// API server URL' }),
  /**
   * This cluster's API server endpoint addresses, as its pods reach them: replaces both
   * `cluster.apiServer.cidrs` and `data.apiServerCidrs` for this cluster.
   * @default - `cluster.apiServer.cidrs`, else `data.apiServerCidrs`
   */
  apiServerCidrs: clusterCidrs("then the spec-wide 'cluster.apiServer.cidrs' or 'data.apiServerCidrs' apply").optional(),
  /** This cluster's nodes' addresses, where its kubelets listen. @default - `cluster.nodeCidrs` */
  nodeCidrs: clusterCidrs("then the spec-wide 'cluster.nodeCidrs' apply").optional(),
  /** The object store's addresses as this cluster reaches them (its region's endpoint). @default - `data.objectStoreCidrs` */
  objectStoreCidrs: clusterCidrs("then the spec-wide 'data.objectStoreCidrs' apply").optional(),
  /**
   * The Vault Kubernetes auth mount this cluster's ClusterSecretStore (and a Vault certificate
   * issuer) logs in through. A mount checks tokens against one API server, so every cluster
   * needs its own.
   * @default - `vault.authMountPath` for the primary region's cluster (with one cluster per
   * colour, its blue one); `<vault.authMountPath>-<cluster name>` for every other cluster
   */
  vaultAuthMountPath: vaultMountPath.optional(),
});

const region = z.strictObject({
  name: dnsLabel(20),
  role: z.enum(['primary', 'dr']),
  /** The region's cluster (topology namespace-per-color): the Argo CD destination of all its components. */
  cluster: cluster.optional(),
  /** One cluster per colour (topology cluster-per-color). */
  colorClusters: z.strictObject({ blue: cluster, green: cluster }).optional(),
  /**
   * Minimum replicas as a percentage of each service's own minimum, for a warm standby (at
   * least 2 are kept).
   */
  minReplicasPercent: percentage.default(100),
});

const httpsUrl = z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, { error: 'must be an https:// URL' });

const tlsIssuer = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      /** ACME (e.g. Let's Encrypt) with HTTP-01 challenges answered through the edge gateway. */
      type: z.literal('acme'),
      email: z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/, { error: 'must be an e-mail address' }),
      server: httpsUrl.default('https://acme-v02.api.letsencrypt.org/directory'),
    }),
    z.strictObject({
      /** Vault's PKI secrets engine. */
      type: z.literal('vault'),
      server: httpsUrl,
      /** The PKI role's signing path, e.g. `pki_int/sign/alp`. */
      path: vaultMountPath,
      /** Vault role for cert-manager's Kubernetes auth. */
      role: vaultRole,
    }),
  ],
  { error: 'must have type "acme" or "vault"' },
);
const vaultPath = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/, { error: 'must be a Vault KV path such as "alp/alerting/slack"' });

/** Observability: where runbooks, traces and logs go, how uptime is probed and alerts are routed. */
const monitoring = z.strictObject({
  /**
   * Where the alerts' `runbook_url`s point: the published `runbooks/` folder of the synthesized output.
   * @default - the GitOps repository's web URL + `/blob/<revision>/<path>/runbooks`
   */
  runbookBaseUrl: httpsUrl.optional(),
  /** Jaeger's collector, which the OpenTelemetry Collector exports traces to over OTLP/gRPC. */
  jaeger: z
    .strictObject({
      namespace: dnsLabel().default('jaeger'),
      /** Its Service name; its pods carry `app.kubernetes.io/name: <service>` (as the Jaeger operator labels them). */
      service: dnsLabel().default('jaeger-collector'),
      port: port.default(4317),
    })
    .default({ namespace: 'jaeger', service: 'jaeger-collector', port: 4317 }),
  /** Elasticsearch, where the log shipper sends the services' logs over verified TLS. */
  elasticsearch: z.strictObject({
    host: hostname,
    /** The addresses of `host`: the log shipper's NetworkPolicy allows exactly them. */
    cidr,
    port: port.default(9200),
    /** Vault path of the credentials (properties `username` and `password`). */
    vaultKey: vaultPath.default('alp/logging/elasticsearch'),
  }),
  /** The blackbox exporter (part of the cluster's monitoring installation) that probes the public endpoints. */
  blackbox: z.strictObject({
    /**
     * The exporter's Service as host:port.
     * @default - `blackbox-exporter.<monitoring namespace>.svc:9115`
     */
    proberUrl: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, { error: 'must be host:port such as "blackbox-exporter.alp-monitoring.svc:9115"' })
      .optional(),
    /** The addresses the public hosts resolve to (the edge's load balancers): the exporter's egress on 443. */
    egressCidrs: z.array(cidr).min(1, { error: 'must list at least one CIDR' }),
  }),
  /** Alertmanager's routes: pages to PagerDuty, tickets to Slack, the Watchdog to the dead man's switch. */
  alerting: z.strictObject({
    slackChannel: z
      .string()
      .regex(/^#[a-z0-9][a-z0-9_-]*$/, { error: 'must be a Slack channel such as "#alp-alerts"' })
      .default('#alp-alerts'),
    /** Vault path of the PagerDuty Events v2 routing key (property `routing-key`). */
    pagerDutyVaultKey: vaultPath.default('alp/alerting/pagerduty'),
    /** Vault path of the Slack incoming-webhook URL (property `api-url`). */
    slackVaultKey: vaultPath.default('alp/alerting/slack'),
    /**
     * Vault path of the dead man's switch's webhook URL (property `url`), e.g. a healthchecks.io
     * check: the Watchdog alert calls it every minute, and the service alarms when the calls stop.
     */
    deadMansSwitchVaultKey: vaultPath.default('alp/alerting/deadmansswitch'),
    /** The addresses of PagerDuty's, Slack's and the dead man's switch's APIs: Alertmanager's egress on 443. */
    egressCidrs: z.array(cidr).min(1, { error: 'must list at least one CIDR' }),
  }),
});

const pinnedImage = z.string().refine((image) => unpinnedReason(image) === undefined, {
  error: 'must be a pinned image reference: <repository>:<tag other than "latest"> or <repository>[:<tag>]@sha256:<digest>',
});
const storageSize = z.string().regex(STORAGE_SIZE, { error: STORAGE_SIZE_RULE });
const s3Url = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*\/?$/, {
  error: 'must be an S3 URL such as "s3://alp-backups-primary/postgres"',
});
const cron = z.string().regex(/^\S+( \S+){4}$/, { error: 'must be a five-field cron expression such as "0 5 1 * *"' });
const command = z.array(z.string().min(1, { error: 'must not be empty' })).min(1, { error: 'must list the program and its arguments' });
const minutes = (min: number, why: string) =>
  z
    .number()
    .int({ error: `must be a whole number of minutes, at least ${min}${why}` })
    .min(min, { error: `must be a whole number of minutes, at least ${min}${why}` });
const days = positiveInt('must be a whole number of days, at least 1');

/** A class of personal data: how long it is kept and which service purges it. */
const dataClass = z.strictObject({
  /** Name of the class, e.g. `learner-activity`; its retention job is `retention-<name>`. */
  name: dnsLabel(42),
  /** Days records of this class are kept; at most `gdpr.retentionDays`. */
  retentionDays: days,
  /** The service that owns the data; must be one of `services`. */
  owningService: dnsLabel(40),
  /** Pinned image of the owning service that contains the purge command (its repository must be the service's). */
  image: pinnedImage,
  /** The owning service's purge command; it reads ALP_DATA_CLASS and ALP_RETENTION_DAYS. */
  purgeCommand: command,
});

/** The data layer: PostgreSQL, Redis, backups, disaster recovery and the GDPR jobs. */
const data = z.strictObject({
  /** Recovery point objective: the most data, in minutes, a disaster may lose. Backups are scheduled at least this often, and a backup older than this alerts. */
  rpoMinutes: minutes(15, ' (scheduled backups run at most every 15 minutes)').default(60),
  /** Recovery time objective: the longest, in minutes, the platform may be down. */
  rtoMinutes: minutes(1, '').default(240),
  /** StorageClass of every data volume: an encrypted one. */
  storageClass: z.string().regex(DNS_SUBDOMAIN, { error: 'must be a StorageClass name (lowercase letters, digits, "-" and ".")' }),
  /** PostgreSQL (CloudNativePG): the Cluster and its PgBouncer pooler. */
  postgres: z.strictObject({
    /** Pinned PostgreSQL operand image. */
    image: pinnedImage,
    /** Instances of the primary cluster (the DR replica cluster runs as many). */
    instances: z
      .number()
      .int({ error: 'must be an integer of at least 3' })
      .min(3, { error: 'must be an integer of at least 3 (a primary and two standbys, for synchronous replication over zones)' })
      .max(MAX_POSTGRES_INSTANCES, {
        error: `must be an integer from 3 to ${MAX_POSTGRES_INSTANCES} (${MAX_POSTGRES_INSTANCES} is the platform's limit of PostgreSQL instances)`,
      })
      .default(3),
    resources: z.strictObject({ requests: resourceAmounts, limits: resourceAmounts }),
    /** Size of each instance's data volume. */
    storageSize: storageSize.default('50Gi'),
    /** Vault path of the application owner's `username` and `password`. */
    credentialsVaultKey: vaultPath.default('alp/data/postgres'),
    /** Minutes until the DR replica serves writes after a region loss (promotion and checks). */
    restoreEstimateMinutes: minutes(1, '').default(30),
  }),
  /** Redis: a primary and replicas in a StatefulSet. */
  redis: z.strictObject({
    /** Pinned Redis image with `sh`. */
    image: pinnedImage,
    /** Pods: pod 0 (the primary) and its replicas. */
    replicas: z
      .number()
      .int({ error: 'must be an integer of at least 2' })
      .min(2, { error: 'must be an integer of at least 2 (a primary needs a replica to fail over to)' })
      .max(MAX_REDIS_REPLICAS, {
        error: `must be an integer from 2 to ${MAX_REDIS_REPLICAS} (${MAX_REDIS_REPLICAS} is the platform's limit of Redis pods)`,
      })
      .default(3),
    resources: z.strictObject({ requests: resourceAmounts, limits: resourceAmounts }),
    /** Size of each pod's data volume. */
    storageSize: storageSize.default('8Gi'),
    /** Vault path of the Redis password (property `password`), the one the services read. */
    passwordVaultKey: vaultPath.default('alp/shared/redis'),
    /**
     * Vault path of Redis's TLS certificate (`tls.crt`, naming `replication.redisPrimaryHost`),
     * key (`tls.key`) and the CA every region shares (`ca.crt`): replication runs over TLS.
     */
    tlsVaultKey: vaultPath.default('alp/data/redis-tls'),
    /** Minutes until the DR Redis serves writes after a region loss. */
    restoreEstimateMinutes: minutes(1, '').default(15),
  }),
  /** Backups: PostgreSQL's archive in object storage, Velero's schedules of the data namespace. */
  backups: z.strictObject({
    /** The object-store archive root of each region's PostgreSQL (keys: region names); every region needs its own. */
    destinations: z.record(dnsLabel(20), s3Url),
    /** HTTPS endpoint of an S3-compatible store. @default - AWS S3 */
    endpointURL: httpsUrl.optional(),
    /** Vault path of the object-store credentials (properties `ACCESS_KEY_ID`, `ACCESS_SECRET_KEY`). */
    credentialsVaultKey: vaultPath.default('alp/data/object-store'),
    /** Days of point-in-time recovery PostgreSQL's archive keeps. */
    retentionDays: days.default(30),
    /** Hours Velero keeps each backup; at most `gdpr.retentionDays`. */
    veleroTtlHours: positiveInt('must be a whole number of hours, at least 1').default(720),
    /** How the DR region reads the Velero backups (e.g. the bucket's cross-region replication). @default - no copy (a gap in reports/dr.md) */
    veleroDrCopy: z.string().min(1, { error: 'must describe the copy, or be left out' }).optional(),
    /** Minutes to restore the data namespace from a Velero backup. */
    veleroRestoreEstimateMinutes: minutes(1, '').default(120),
  }),
  /** GDPR: retention of personal data and data-subject erasure. */
  gdpr: z.strictObject({
    /** The longest personal data may be kept, in days: no backup outlives it. */
    retentionDays: days,
    /** The classes of personal data, each with a daily retention job. */
    dataClasses: z
      .array(dataClass)
      .min(1, { error: 'must list at least one data class (every class of personal data needs a retention period)' })
      .max(
        MAX_DATA_CLASSES,
        atMost(MAX_DATA_CLASSES, 'data classes', 'each is a CronJob in every cluster; merge classes with the same retention'),
      ),
    /** The hourly job that carries out the queued erasure requests. */
    erasure: z.strictObject({
      owningService: dnsLabel(40),
      image: pinnedImage,
      command,
      schedule: cron.default('15 * * * *'),
    }),
  }),
  /** The monthly restore drill of the Velero backups. */
  restoreDrill: z.strictObject({
    /** Pinned image with `sh` and `kubectl`. */
    image: pinnedImage,
    schedule: cron.default('0 5 1 * *'),
  }),
  /** The Kubernetes API server's addresses (the CloudNativePG pods and the restore drill reach it); a region's `cluster.apiServerCidrs` replaces them for its cluster. */
  apiServerCidrs: z
    .array(cidr)
    .min(1, { error: "must list at least one CIDR (CloudNativePG's instance manager cannot run without the API)" }),
  /** The object store's addresses (WAL archiving and base backups over HTTPS); a region's `cluster.objectStoreCidrs` replaces them for its cluster. */
  objectStoreCidrs: z
    .array(cidr)
    .min(1, { error: 'must list at least one CIDR (WAL archiving stops, and the disk fills, without the object store)' }),
  /** Replication to the DR region. */
  replication: z.strictObject({
    /** Host name of the primary region's Redis, as the DR region resolves it. */
    redisPrimaryHost: hostname,
    /** The address of that host (the primary's `redis-replication` LoadBalancer Service): the replica Redis's egress. */
    redisPrimaryCidr: cidr,
    /**
     * The pod addresses of every cluster whose Redis follows the primary (the DR region's and,
     * with one cluster per colour, the other colour's), as the primary sees them (its egress
     * over the peering): the primary Redis's NetworkPolicy and its replication load balancer's
     * `loadBalancerSourceRanges` admit only them.
     */
    replicaCidrs: z.array(cidr).min(1, { error: "must list at least one CIDR (the DR region's Redis must reach the primary)" }),
  }),
});

/** The rule on the number of services, shared with the validation that checks services one by one. */
export const SERVICES_LIMIT = atMost(MAX_SERVICES, 'services', 'the largest platform the benchmark synthesizes; split the platform');

/**
 * A folder inside the repository: names joined by single "/", none of them "." or ".." (a path
 * that leaves the repository, or names its root, is not a folder of it).
 */
const repositoryFolder = z.string().regex(/^(?!\.\.?(\/|$))[A-Za-z0-9._-]+(\/(?!\.\.?(\/|$))[A-Za-z0-9._-]+)*$/, {
  error:
    'must be a folder inside the repository such as "dist" or "deploy/alp": names of letters, digits, ".", "_" and "-" joined by single "/", none of them "." or "..", not starting with "/"',
});

/**
 * The cluster's own addresses, which NetworkPolicies name as ipBlocks (see
 * lib/core/cluster-components.ts): spec-wide defaults, which a region's `cluster` (or
 * `colorClusters.<colour>`) replaces with its own `apiServerCidrs` and `nodeCidrs`.
 */
const clusterAddresses = z
  .strictObject({
    /** The Kubernetes API server, as pods reach it. */
    apiServer: z
      .strictObject({
        /** Its endpoints' addresses (`kubectl get endpoints kubernetes -n default`). @default - `data.apiServerCidrs` */
        cidrs: z.array(cidr).min(1, { error: 'must list at least one CIDR, or be left out' }).optional(),
        /** Its endpoints' ports: 443 on managed control planes, 6443 on kubeadm's. @default [443, 6443] */
        ports: z
          .array(
            z
              .number()
              .int()
              .min(1)
              .max(MAX_PORT, { error: `must be a port from 1 to ${MAX_PORT}` }),
          )
          .min(1, { error: 'must list at least one port' })
          .default([...API_SERVER_PORTS]),
      })
      .default({ ports: [...API_SERVER_PORTS] }),
    /** The nodes' addresses, where the kubelets listen (Prometheus scrapes them). @default - none: the kubelets are not scraped (a gap in reports/cluster-prerequisites.md) */
    nodeCidrs: z.array(cidr).default([]),
  })
  .default({ apiServer: { ports: [...API_SERVER_PORTS] }, nodeCidrs: [] });

/** The longest `delivery.standby.soakMinutes`: the HPA v2 API's limit on `stabilizationWindowSeconds`, 3600 s. */
export const MAX_STANDBY_SOAK_MINUTES = 60;

/**
 * How the idle colour of each region runs. `full` (the default): both colours at the same size
 * all the time. `floor`: the idle colour's HorizontalPodAutoscalers get `minReplicas` =
 * `floorReplicas` (where that is below the service's own minimum) and a scale-down
 * stabilization window of `soakMinutes`, so after a switch the old colour keeps the size its
 * live load called for during the soak (the rollback window at full capacity), then falls to
 * the floor. A switch raises the new live colour's minimum back in the same commit. Services
 * with a fixed `replicas` count keep it in both colours: without an autoscaler there is no
 * window, and flooring them would cut the rollback capacity at the moment of the switch.
 */
const standby = z
  .strictObject({
    /** `full`: the idle colour runs at full size; `floor`: it scales down to `floorReplicas` after `soakMinutes`. @default 'full' */
    mode: z.enum(['full', 'floor']).default('full'),
    /**
     * The idle colour's HPA minReplicas. At least 2: the policy WORKLOAD-REPLICAS holds for the
     * standby colour too (it serves the preview host and is the way back).
     * @default 2
     */
    floorReplicas: boundedInt(
      MIN_STANDBY_FLOOR,
      MAX_SERVICE_REPLICAS,
      `every service runs at least ${MIN_STANDBY_FLOOR} replicas; ${MAX_SERVICE_REPLICAS} is the platform's limit per service and colour`,
    ).default(MIN_STANDBY_FLOOR),
    /**
     * How long after a switch the old colour keeps its live size: its HPAs' scale-down
     * stabilization window, in minutes (the rollback window at full capacity).
     * @default 30
     */
    soakMinutes: boundedInt(1, MAX_STANDBY_SOAK_MINUTES, "the HPA's scale-down stabilizationWindowSeconds is at most 3600 seconds").default(
      30,
    ),
  })
  .default({ mode: 'full', floorReplicas: MIN_STANDBY_FLOOR, soakMinutes: 30 });

/**
 * The automatic way back after a failed post-switch watch, GitOps-true: the `SwitchWatchFailed`
 * alert's webhook triggers a CI pipeline (GitLab's pipeline trigger; the job is written to
 * `dist/ci/auto-rollback.gitlab-ci.yml`) that runs `alp rollback --region <r> --expect-live
 * <colour>` and pushes the commit. Nothing changes in the cluster except through git.
 */
const autoRollback = z
  .strictObject({
    /** Whether the alert triggers the pipeline. @default false */
    enabled: z.boolean().default(false),
    /**
     * Vault path of the pipeline trigger URL (property `url`), token included, e.g.
     * `https://git.example.com/api/v4/projects/42/ref/main/trigger/pipeline?token=glptt-…`.
     * @default 'alp/delivery/auto-rollback-trigger'
     */
    triggerUrlVaultKey: vaultPath.default('alp/delivery/auto-rollback-trigger'),
    /**
     * The Git server's addresses: Alertmanager's egress on 443 for the trigger.
     * @default - none (the server must then be inside `monitoring.alerting.egressCidrs`)
     */
    egressCidrs: z.array(cidr).default([]),
    /**
     * The image the CI job runs in: Node.js (for `npx alp`) and git.
     * @default 'node:22-bookworm'
     */
    image: z.string().min(1).default('node:22-bookworm'),
  })
  .default({ enabled: false, triggerUrlVaultKey: 'alp/delivery/auto-rollback-trigger', egressCidrs: [], image: 'node:22-bookworm' });

/** Delivery options beyond the switch itself. */
const delivery = z
  .strictObject({
    /** How the idle colour runs. @default { mode: 'full' } */
    standby,
    /** The automatic rollback after a failed post-switch watch. @default { enabled: false } */
    autoRollback,
  })
  .default({
    standby: { mode: 'full', floorReplicas: MIN_STANDBY_FLOOR, soakMinutes: 30 },
    autoRollback: { enabled: false, triggerUrlVaultKey: 'alp/delivery/auto-rollback-trigger', egressCidrs: [], image: 'node:22-bookworm' },
  });

export const platformSpecSchema = z.strictObject({
  /** Platform name: `app.kubernetes.io/part-of` and the prefix of namespace and class names. */
  name: dnsLabel(20),
  regions: z
    .array(region)
    .min(1, { error: 'must list at least one region' })
    .max(MAX_REGIONS, atMost(MAX_REGIONS, 'regions', 'each region is a complete copy of the platform')),
  /** Namespace names per role. @default - `<name>-blue`, `<name>-green`, `<name>-edge`, `<name>-data`, `<name>-monitoring` */
  namespaces: z
    .strictObject({
      blue: dnsLabel().optional(),
      green: dnsLabel().optional(),
      edge: dnsLabel().optional(),
      data: dnsLabel().optional(),
      monitoring: dnsLabel().optional(),
    })
    .default({}),
  /** OIDC groups for human access. */
  oidcGroups: z.strictObject({
    viewers: z.array(z.string().min(1)).default([]),
    operators: z.array(z.string().min(1)).default([]),
  }),
  services: z.array(serviceSchema).min(1, { error: 'must list at least one service' }).max(MAX_SERVICES, SERVICES_LIMIT),
  /**
   * Istio mesh: strict mTLS and deny-by-default authorization between workloads.
   * `dataplane` is how the namespaces' pods join the mesh; `ambient` (the one supported) enrols
   * them with the namespace label `istio.io/dataplane-mode: ambient`: ztunnel and istio-cni
   * carry their traffic, with no sidecar or init container, so Pod Security restricted holds.
   * @default { enabled: true, dataplane: 'ambient' }
   */
  mesh: z
    .strictObject({ enabled: z.boolean().default(true), dataplane: z.enum(MESH_DATAPLANES).default('ambient') })
    .default({ enabled: true, dataplane: 'ambient' }),
  /**
   * `namespace-per-color`: one cluster per region, a namespace per colour, an HTTPRoute switch.
   * `cluster-per-color`: one cluster per colour, switched by weighted DNS records.
   */
  topology: z.enum(['namespace-per-color', 'cluster-per-color']).default('namespace-per-color'),
  /** The edge: Gateway API Gateways for the public services. */
  edge: z
    .strictObject({
      gatewayName: dnsLabel(40).default('alp-gateway'),
      gatewayClassName: z.string().min(1).default('istio'),
      /** The standby colour answers on `<previewSubdomain>.<host>` for smoke tests. */
      previewSubdomain: dnsLabel(20).default('preview'),
    })
    .default({ gatewayName: 'alp-gateway', gatewayClassName: 'istio', previewSubdomain: 'preview' }),
  /** Where Argo CD reads dist/ from, and where Argo CD itself runs. */
  gitops: z.strictObject({
    repoURL: z.string().regex(/^(https:\/\/\S+|git@[^\s:]+:\S+)$/, { error: 'must be an https:// or git@ repository URL' }),
    /** The branch, tag or commit Argo CD syncs. */
    revision: z
      .string()
      .regex(/^(?![-/])(?!.*\.\.)(?!.*\/$)[A-Za-z0-9._/-]{1,255}$/, {
        error:
          'must be a branch, tag or commit such as "main" or "release/2.14": letters, digits, ".", "_", "-" and "/", not starting with "-" or "/", without ".."',
      })
      .default('main'),
    /** Folder of the repository that holds the synthesized output. */
    path: repositoryFolder.default('dist'),
    argocdNamespace: dnsLabel().default('argocd'),
    /** The cluster Argo CD runs in, as its own API server address. */
    argocdServer: z.string().min(1).default('https://kubernetes.default.svc'),
  }),
  /** TLS certificates for public hosts, issued and renewed by cert-manager. */
  tls: z.strictObject({
    issuer: tlsIssuer,
    /** Renew this long before expiry. */
    renewBeforeHours: positiveInt('must be a whole number of hours, at least 1').default(720),
    /** Requested certificate lifetime. */
    durationHours: positiveInt('must be a whole number of hours, at least 1').default(2160),
  }),
  /** HashiCorp Vault, the only source of secrets (through External Secrets). */
  vault: z.strictObject({
    server: httpsUrl,
    /** KV version 2 mount. */
    kvMount: vaultMountPath.default('secret'),
    /**
     * Mount path of Vault's Kubernetes auth method: the primary region's cluster's. Every other
     * cluster defaults to `<authMountPath>-<cluster name>` (a mount validates the tokens of one
     * API server); a cluster's `vaultAuthMountPath` sets its own.
     */
    authMountPath: vaultMountPath.default('kubernetes'),
    /** Vault role bound to the External Secrets service account (the same name in every cluster's mount). */
    role: vaultRole.default('external-secrets'),
    /** How often ExternalSecrets re-read Vault. */
    refreshInterval: z
      .string()
      .regex(/^\d+(s|m|h)$/, { error: 'must be a duration such as "1h" or "15m"' })
      .default('1h'),
  }),
  /** Observability: runbooks, tracing, logs, uptime probes and alert routing. */
  monitoring,
  /**
   * Delivery options: the idle colour's size and the automatic rollback after a failed post-switch watch.
   * @default { standby: { mode: 'full' }, autoRollback: { enabled: false } }
   */
  delivery,
  /** The data layer: PostgreSQL, Redis, backups, disaster recovery, GDPR jobs. */
  data,
  /** The cluster's own addresses: the API server and the nodes. */
  cluster: clusterAddresses,
});

/** The spec as written by a team: optional fields may be left out. */
export type PlatformSpecInput = z.input<typeof platformSpecSchema>;
/** One service as written by a team. */
export type ServiceSpecInput = z.input<typeof serviceSchema>;
/** The validated spec with every default filled in. */
export type ParsedPlatformSpec = z.output<typeof platformSpecSchema>;
/** One validated service with every default filled in. */
export type ServiceSpec = z.output<typeof serviceSchema>;
export type RegionSpec = ParsedPlatformSpec['regions'][number];
export type ClusterSpec = z.output<typeof cluster>;
export type CustomMetricSpec = z.output<typeof customMetricSchema>;
export type ServiceSecretSpec = z.output<typeof serviceSecret>;
export type TlsIssuerSpec = z.output<typeof tlsIssuer>;
export type MonitoringSpec = z.output<typeof monitoring>;
export type DataSpec = z.output<typeof data>;
export type DeliverySpec = z.output<typeof delivery>;
export type DataClassSpec = z.output<typeof dataClass>;
export type ClusterAddressesSpec = z.output<typeof clusterAddresses>;
export type StandbySpec = z.output<typeof standby>;
