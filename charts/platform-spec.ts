import { PlatformSpecInput } from '../platform';

const registry = 'registry.alp.example.com/alp';

type ServiceInput = PlatformSpecInput['services'][number];

/**
 * One of the platform's services, on its conventions: its image in the platform's registry under
 * its own name, HTTP on 8080 and Prometheus metrics on 9090.
 */
function service(
  name: string,
  description: string,
  settings: Omit<ServiceInput, 'name' | 'description' | 'imageRepository' | 'port' | 'metricsPort'>,
): ServiceInput {
  return { name, description, imageRepository: `${registry}/${name}`, port: 8080, metricsPort: 9090, ...settings };
}

/** The shared Redis password, which every Redis client mounts. */
const REDIS_PASSWORD = { name: 'redis', vaultKey: 'alp/shared/redis', keys: ['password'] };

/** A service's own PostgreSQL login, kept in Vault under the service's name. */
function postgresLogin(service: string): { name: string; vaultKey: string; keys: string[] } {
  return { name: 'postgres', vaultKey: `alp/${service}/postgres`, keys: ['password', 'username'] };
}

/**
 * The Adaptive Learning Platform, as one reviewed description: its regions, its services and
 * who calls whom. Network policies, RBAC, monitoring and delivery are all derived from it;
 * which image each colour runs is in release.yaml.
 */
export const platformSpec: PlatformSpecInput = {
  name: 'alp',
  regions: [
    // Its addresses are the spec-wide ones below (the primary network, 10.0.0.0/16); it logs in to
    // Vault through the auth mount `kubernetes` (vault.authMountPath).
    { name: 'primary', role: 'primary', cluster: { name: 'alp-primary', server: 'https://primary.k8s.alp.example.com' } },
    // A warm standby: half of each service's minimum replicas (never fewer than 2). Its network is
    // a separate, peered one: control plane, S3 VPC endpoint and nodes in 10.3.0.0/16 (laid out as
    // the primary's 10.0.0.0/16), its pods in 10.2.0.0/16 (data.replication.replicaCidrs). It logs
    // in to Vault through its own auth mount, `kubernetes-alp-dr` (the default for a cluster that
    // is not the primary's).
    {
      name: 'dr',
      role: 'dr',
      cluster: {
        name: 'alp-dr',
        server: 'https://dr.k8s.alp.example.com',
        apiServerCidrs: ['10.3.0.0/28'],
        objectStoreCidrs: ['10.3.16.0/24'],
        nodeCidrs: ['10.3.32.0/20'],
      },
      minReplicasPercent: 50,
    },
  ],
  oidcGroups: { viewers: ['alp-developers'], operators: ['alp-sre'] },
  tls: { issuer: { type: 'acme', email: 'platform-team@alp.example.com' } },
  gitops: { repoURL: 'https://git.alp.example.com/platform/alp-deploy.git' },
  vault: { server: 'https://vault.alp.example.com' },
  monitoring: {
    // The ELK stack's Elasticsearch, in the platform's private network.
    elasticsearch: { host: 'logs.es.alp.example.com', cidr: '10.20.0.0/24' },
    // learn.alp.example.com resolves to the edge load balancer: the uptime probes take the users' path.
    blackbox: { egressCidrs: ['198.51.100.20/32'] },
    // PagerDuty's Events API and Slack's webhooks, as published by the vendors for the platform's egress proxy.
    alerting: { slackChannel: '#alp-alerts', egressCidrs: ['203.0.113.128/25'] },
  },
  // The nodes' subnet in the primary region's network: Prometheus scrapes the kubelets there.
  // The API server's addresses are data.apiServerCidrs (cluster.apiServer.cidrs defaults to them).
  // The dr cluster sets its own (regions[1].cluster).
  cluster: { nodeCidrs: ['10.0.32.0/20'] },
  data: {
    // The seed's objectives: RPO 1 h (continuous WAL archiving, base backups hourly), RTO 4 h.
    rpoMinutes: 60,
    rtoMinutes: 240,
    storageClass: 'encrypted-ssd',
    postgres: {
      image: 'ghcr.io/cloudnative-pg/postgresql:16.4',
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      storageSize: '100Gi',
    },
    redis: {
      image: 'docker.io/library/redis:7.2.5-alpine',
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
    backups: {
      destinations: { primary: 's3://alp-backups-primary/postgres', dr: 's3://alp-backups-dr/postgres' },
      // Both buckets replicate to the other region (S3 cross-region replication), Velero's included.
      veleroDrCopy:
        "the Velero bucket replicates to the dr region (S3 cross-region replication); the dr cluster's Velero reads it as a read-only BackupStorageLocation",
    },
    gdpr: {
      retentionDays: 365,
      dataClasses: [
        {
          name: 'learner-activity',
          retentionDays: 365,
          owningService: 'learning-engine',
          image: `${registry}/learning-engine:4.1.2@sha256:1d1c1214b277fa9ae923120e29cbdb95d0bc127ec3029618e15ac043c689b1ed`,
          purgeCommand: ['/app/bin/purge'],
        },
        {
          name: 'assessment-results',
          retentionDays: 365,
          owningService: 'assessment-service',
          image: `${registry}/assessment-service:2.6.0@sha256:ab532a153126c6d09d5119eee2ab89cf89cafe315ed3b0fa5375f9f33946542a`,
          purgeCommand: ['/app/bin/purge'],
        },
        {
          name: 'analytics-events',
          retentionDays: 180,
          owningService: 'analytics-service',
          image: `${registry}/analytics-service:1.12.3@sha256:dcfe773d1fa5744497f9db9f943a0d6e042eedefacb6eee5f200284358fbe812`,
          purgeCommand: ['/app/bin/purge'],
        },
      ],
      erasure: {
        owningService: 'user-service',
        image: `${registry}/user-service:3.2.0@sha256:a59251eda4e4c1e6bf759a9bbb7a888d75918c9c3815176d91faa47ed919b735`,
        command: ['/app/bin/process-erasure-requests'],
      },
    },
    restoreDrill: { image: 'docker.io/alpine/k8s:1.28.13' },
    // The control plane's endpoint and the S3 VPC endpoint, in the primary region's network (the
    // dr cluster sets its own).
    apiServerCidrs: ['10.0.0.0/28'],
    objectStoreCidrs: ['10.0.16.0/24'],
    replication: {
      // The primary Redis's internal load balancer, reachable over the regions' peering.
      redisPrimaryHost: 'redis.primary.alp.example.com',
      redisPrimaryCidr: '10.1.0.40/32',
      // The dr region's pod network.
      replicaCidrs: ['10.2.0.0/16'],
    },
  },
  services: [
    service('api-gateway', 'Public entry point: authentication, routing and rate limiting', {
      tier: 'gateway',
      priority: 'critical',
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      autoscaling: {
        minReplicas: 3,
        maxReplicas: 20,
        metrics: [{ type: 'pods', name: 'http_requests_per_second', averageValue: '200' }],
      },
      dependsOn: {
        services: ['user-service', 'content-service', 'learning-engine', 'assessment-service', 'analytics-service'],
        redis: true,
      },
      public: { host: 'learn.alp.example.com', path: '/' },
      secrets: [{ name: 'jwt', vaultKey: 'alp/api-gateway/jwt', keys: ['signing-key'] }, REDIS_PASSWORD],
      availability: { objective: 99.9, latencyP99Ms: 300 },
    }),
    service('user-service', 'Accounts, profiles, consent and sign-in (OIDC)', {
      priority: 'critical',
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      autoscaling: { minReplicas: 3, maxReplicas: 10 },
      dependsOn: { services: ['notification-service'], postgres: true, redis: true },
      egress: [{ host: 'login.alp.example.com', cidrs: ['198.51.100.10/32'], ports: [443] }],
      secrets: [
        { name: 'oidc', vaultKey: 'alp/user-service/oidc', keys: ['client-id', 'client-secret'] },
        postgresLogin('user-service'),
        REDIS_PASSWORD,
      ],
      availability: { objective: 99.9, latencyP99Ms: 250 },
    }),
    service('content-service', 'Courses, lessons and media metadata', {
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '768Mi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 8 },
      dependsOn: { postgres: true, redis: true },
      secrets: [postgresLogin('content-service'), REDIS_PASSWORD],
    }),
    service('learning-engine', 'Adaptive recommendations: the next best lesson for each learner', {
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 12,
        targetCPUUtilizationPercentage: 65,
        metrics: [{ type: 'pods', name: 'recommendation_queue_depth', averageValue: '30' }],
      },
      dependsOn: { services: ['content-service', 'assessment-service'], postgres: true, redis: true },
      secrets: [postgresLogin('learning-engine'), REDIS_PASSWORD],
      // Reads the tuning of its recommendation models from one ConfigMap, and watches it.
      kubernetesApi: {
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['learning-engine-models'] }],
        // Not generated here: Argo CD would overwrite the tuning the learning team publishes.
        externalObjects: [
          {
            resource: 'configmaps',
            name: 'learning-engine-models',
            providedBy: "the learning team's model releases, applied to each colour namespace",
          },
        ],
      },
      availability: { objective: 99.9, latencyP99Ms: 800 },
    }),
    service('assessment-service', 'Quizzes, grading and mastery scores', {
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 10 },
      dependsOn: { services: ['content-service'], postgres: true },
      secrets: [postgresLogin('assessment-service')],
    }),
    service('analytics-service', 'Learning events, engagement and effectiveness metrics', {
      tier: 'worker',
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 6 },
      dependsOn: { postgres: true },
      secrets: [postgresLogin('analytics-service')],
      availability: { objective: 99.5, latencyP99Ms: 1000 },
    }),
    service('notification-service', 'E-mail and push notifications', {
      tier: 'worker',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: 'external', name: 'notification_queue_messages', averageValue: '50', selector: { queue: 'notifications' } }],
      },
      dependsOn: { redis: true },
      egress: [
        { host: 'smtp.sendgrid.net', cidrs: ['203.0.113.0/24'], ports: [587] },
        { host: 'fcm.googleapis.com', cidrs: ['192.0.2.0/24'], ports: [443] },
      ],
      secrets: [
        // The SMTP library reads its credentials from the environment only.
        { name: 'smtp', vaultKey: 'alp/notification-service/smtp', keys: ['password', 'username'], as: 'env' },
        { name: 'push', vaultKey: 'alp/notification-service/push', keys: ['server-key'] },
        REDIS_PASSWORD,
      ],
      availability: { objective: 99.5, latencyP99Ms: 1000 },
    }),
  ],
};
