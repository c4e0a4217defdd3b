import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DisruptionBudget } from '../autoscaling/pdb';
import {
  LABEL_COMPONENT,
  LABEL_VERSION,
  memoryKiB,
  parseImage,
  PropProblem,
  REDIS,
  REDIS_REPLICATION_PORT,
  selectorLabels,
  throwIfProblems,
  unpinnedReason,
  versionLabel,
} from '../core';
import { AllowPolicy } from '../network/allow-policy';
import { NetworkPeer } from '../network/network-peer';
import { ServiceSecret } from '../security/service-secret';
import {
  claimVolume,
  configMapVolume,
  containerEnv,
  emptyDirVolume,
  probe,
  restrictedPodTemplate,
  DEFAULT_SECRET_MOUNT_ROOT,
  secretMountRootProblems,
  secretMountVolume,
  secretVolume,
  servicePort,
  tcpPort,
  tmpVolume,
  zoneAndHostSpread,
} from '../workload/pod-template';
import { PRIORITY_CRITICAL } from '../workload/priority-classes';
import { ContainerResources, containerResourceProblems } from '../workload/resources';
import { DNS_SUBDOMAIN } from '../core/validation';
import { integerProblems, storageSizeProblems, subdomainProblems } from './_validation';
import {
  REDIS_CONFIG_DIR,
  REDIS_DATA_DIR,
  REDIS_RUNTIME_DIR,
  REDIS_TLS_DIR,
  redisConf,
  redisPingCommand,
  redisStartScript,
} from './redis-config';

/** The Redis primary a replica-only deployment follows (in another region or cluster). */
export interface RedisPrimary {
  /** Host name of the primary, as this cluster resolves it (the primary's replication endpoint). */
  readonly host: string;
  /** Its TLS port. @default REDIS_REPLICATION_PORT (6380) */
  readonly port?: number;
  /** The addresses the NetworkPolicy lets pod 0 reach the primary at. */
  readonly peer: NetworkPeer;
}

export interface RedisProps {
  /** Pinned Redis image with `sh`, e.g. `redis:7.2.5-alpine@sha256:…`. */
  readonly image: string;
  /** The directory the password file is mounted under (`<secretMountRoot>/redis-auth/password`). @default '/var/run/secrets/app' */
  readonly secretMountRoot?: string;
  /** CPU and memory requests and limits of each pod; `maxmemory` is 75 % of the memory limit. */
  readonly resources: ContainerResources;
  /** StorageClass of the data volumes (an encrypted one). */
  readonly storageClassName: string;
  /** Size of each pod's data volume. @default '8Gi' */
  readonly storageSize?: string;
  /** The ClusterSecretStore the password comes from. */
  readonly secretStoreName: string;
  /** Remote key whose `password` property is the Redis password (letters and digits only). */
  readonly passwordKey: string;
  /**
   * Remote key holding the TLS certificate (`tls.crt`, with the primary's replication host
   * among its names), its key (`tls.key`) and the CA (`ca.crt`) that every region's Redis
   * shares: replication runs over TLS with client certificates on `REDIS_REPLICATION_PORT`.
   */
  readonly tlsKey: string;
  /**
   * Pods: pod 0 and the replicas that follow it. At least 2 with a primary (one replica), at
   * least 1 in replica-only mode.
   * @default 3
   */
  readonly replicas?: number;
  /**
   * Replica-only mode (DR region, standby colour's cluster): pod 0 follows this primary and
   * the other pods follow pod 0. Promote by running `REPLICAOF NO ONE` on pod 0 and removing
   * this prop.
   * @default - pod 0 is the primary
   */
  readonly replicaOf?: RedisPrimary;
  /**
   * Peers in other clusters whose Redis follows this one (their pod 0), let in by the
   * replication NetworkPolicy.
   * @default - none
   */
  readonly replicaPeers?: NetworkPeer[];
  /**
   * The addresses from which the replicas in other clusters reach this primary (their egress,
   * as the load balancer sees it). With them, the Service `redis-replication` (a LoadBalancer
   * on the TLS port, pod 0 only, `loadBalancerSourceRanges` these CIDRs, the client address
   * kept with `externalTrafficPolicy: Local`) is the cross-cluster replication endpoint.
   * @default - no replication endpoint
   */
  readonly replicationSourceCidrs?: readonly string[];
  /** What Redis evicts when full. @default 'allkeys-lru' (a cache) */
  readonly maxmemoryPolicy?: string;
  /** PriorityClass of the pods. @default PRIORITY_CRITICAL ('critical') */
  readonly priorityClassName?: string;
}

const MAXMEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
];

/**
 * Redis as one StatefulSet, `redis`, whose pod 0 is the primary and whose other pods replicate
 * from it (`replicaof`, written at start by a small script). One StatefulSet rather than a
 * primary and a replica set: a DR deployment (replica-only mode, pod 0 following the primary
 * region) becomes a primary by changing pod 0's role, keeping its volume and data.
 *
 * Pods run PSS restricted with persistence (AOF and RDB) on a volume per pod, the password
 * mounted as a file from an ExternalSecret (`redis-auth`), probes, a PodDisruptionBudget and
 * a NetworkPolicy for replication. The client Service `redis` (6379) selects pod 0 only, the
 * writable one; `redis-headless` gives each pod a stable name. Replication runs over TLS
 * (`REDIS_REPLICATION_PORT`, client certificates required; certificate, key and shared CA from the
 * ExternalSecret `redis-tls`); a primary with `replicationSourceCidrs` serves the other
 * clusters' replicas through the LoadBalancer Service `redis-replication`.
 *
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/replication/
 */
export class Redis extends Construct {
  public readonly name = REDIS.name;
  public readonly replicas: number;
  public readonly isReplicaOnly: boolean;
  /** The labels of every Redis pod (`REDIS.podLabels` plus the instance). */
  public readonly selector: Record<string, string>;
  public readonly headlessServiceName = `${REDIS.name}-headless`;
  /** Where each pod reads the password (for `redis-cli` in runbooks). */
  public readonly passwordFile: string;
  public readonly statefulSet: ApiObject;
  public readonly service: ApiObject;
  public readonly secret: ServiceSecret;
  public readonly tlsSecret: ServiceSecret;
  /** The cross-cluster replication endpoint, when `replicationSourceCidrs` is given. */
  public readonly replicationService?: ApiObject;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    this.replicas = props.replicas ?? 3;
    this.passwordFile = `${props.secretMountRoot ?? DEFAULT_SECRET_MOUNT_ROOT}/redis-auth/password`;
    this.isReplicaOnly = props.replicaOf !== undefined;
    throwIfProblems(this, redisProblems(props, this.replicas, this.isReplicaOnly));

    this.selector = selectorLabels({ name: REDIS.name });
    const labels = { ...this.selector, [LABEL_COMPONENT]: 'cache' };
    this.secret = new ServiceSecret(this, 'Secret', {
      name: `${REDIS.name}-auth`,
      storeName: props.secretStoreName,
      remoteKey: props.passwordKey,
      keys: ['password'],
      labels,
    });
    this.tlsSecret = new ServiceSecret(this, 'TlsSecret', {
      name: `${REDIS.name}-tls`,
      storeName: props.secretStoreName,
      remoteKey: props.tlsKey,
      keys: ['ca.crt', 'tls.crt', 'tls.key'],
      labels,
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: REDIS.serviceAccount, labels },
      automountServiceAccountToken: false,
    });
    this.createConfig(props, labels);
    new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: this.headlessServiceName, labels },
      // Replicas must resolve pod 0 before it is ready, to start replicating.
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: this.selector, ports: [CLIENT_PORT, TLS_PORT] },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: REDIS.name, labels },
      spec: { type: 'ClusterIP', selector: this.primarySelector(), ports: [CLIENT_PORT] },
    });
    this.statefulSet = this.createStatefulSet(props, labels);
    new DisruptionBudget(this, 'DisruptionBudget', { name: REDIS.name, labels, selector: this.selector, minReplicas: this.replicas });
    if (props.replicationSourceCidrs !== undefined)
      this.replicationService = this.createReplicationService(props.replicationSourceCidrs, labels);
    this.allowReplication(props, labels);
  }

  /** Pod 0, the writable one (or, in replica-only mode, the one that follows the other region). */
  private primarySelector(): Record<string, string> {
    return { ...this.selector, 'statefulset.kubernetes.io/pod-name': `${REDIS.name}-0` };
  }

  private createConfig(props: RedisProps, labels: Record<string, string>): void {
    const maxmemoryMiB = Math.floor((memoryKiB(props.resources.limits.memory) * 0.75) / 1024);
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${REDIS.name}-config`, labels },
      data: {
        'redis.conf': redisConf({
          maxmemoryMiB,
          maxmemoryPolicy: props.maxmemoryPolicy ?? 'allkeys-lru',
          port: REDIS.port,
          tlsPort: REDIS_REPLICATION_PORT,
        }),
        'start.sh': redisStartScript(this.passwordFile),
      },
    });
  }

  private createStatefulSet(props: RedisProps, labels: Record<string, string>): ApiObject {
    const podLabels = { ...labels, [LABEL_VERSION]: versionLabel(parseImage(props.image)!) };
    return new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: REDIS.name, labels: podLabels },
      spec: {
        serviceName: this.headlessServiceName,
        replicas: this.replicas,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: this.podTemplate(props, podLabels),
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? '8Gi') } },
            },
          },
        ],
      },
    });
  }

  private podTemplate(props: RedisProps, podLabels: Record<string, string>): k8s.PodTemplateSpec {
    const ping = (allowLoading: boolean, periodSeconds: number, failureThreshold: number) =>
      probe({ exec: { command: redisPingCommand(this.passwordFile, REDIS.port, allowLoading) } }, periodSeconds, failureThreshold, 3);
    return restrictedPodTemplate({
      labels: podLabels,
      serviceAccountName: REDIS.serviceAccount,
      priorityClassName: props.priorityClassName ?? PRIORITY_CRITICAL,
      topologySpreadConstraints: zoneAndHostSpread(this.selector, false),
      container: {
        name: 'redis',
        image: props.image,
        command: ['sh', `${REDIS_CONFIG_DIR}/start.sh`],
        env: containerEnv(this.startScriptEnv(props.replicaOf)),
        ports: [tcpPort('redis', REDIS.port), tcpPort('redis-tls', REDIS_REPLICATION_PORT)],
        resources: props.resources,
        probes: { startupProbe: ping(true, 5, 60), livenessProbe: ping(true, 10, 3), readinessProbe: ping(false, 5, 3) },
      },
      volumes: [
        claimVolume('data', REDIS_DATA_DIR),
        configMapVolume('config', `${REDIS.name}-config`, REDIS_CONFIG_DIR),
        emptyDirVolume('runtime', REDIS_RUNTIME_DIR, '1Mi', 'Memory'),
        secretMountVolume({ name: 'redis-auth', secretName: this.secret.secretName }, props.secretMountRoot),
        secretVolume('tls', this.tlsSecret.secretName, REDIS_TLS_DIR),
        tmpVolume(),
      ],
    });
  }

  /** What `start.sh` reads: the pod's peers and, in replica-only mode, the primary it follows. */
  private startScriptEnv(replicaOf: RedisPrimary | undefined): Record<string, string> {
    return {
      REDIS_HEADLESS_SERVICE: this.headlessServiceName,
      REDIS_PORT: String(REDIS.port),
      ...(replicaOf ? { REDIS_PRIMARY_HOST: replicaOf.host, REDIS_PRIMARY_PORT: String(replicaOf.port ?? REDIS_REPLICATION_PORT) } : {}),
      REDIS_STATEFULSET: REDIS.name,
      REDIS_TLS_PORT: String(REDIS_REPLICATION_PORT),
    };
  }

  private createReplicationService(sourceCidrs: readonly string[], labels: Record<string, string>): ApiObject {
    return new k8s.KubeService(this, 'ReplicationService', {
      metadata: { name: `${REDIS.name}-replication`, labels },
      spec: {
        type: 'LoadBalancer',
        selector: this.primarySelector(),
        ports: [TLS_PORT],
        loadBalancerSourceRanges: [...new Set(sourceCidrs)].sort(),
        // Keeps the replicas' addresses, which the replication NetworkPolicy admits.
        externalTrafficPolicy: 'Local',
      },
    });
  }

  /** Replication, in the cluster and across clusters, runs over TLS only. */
  private allowReplication(props: RedisProps, labels: Record<string, string>): void {
    const replication = new AllowPolicy(this, 'ReplicationPolicy', {
      name: `${REDIS.name}-replication`,
      selector: { ...REDIS.podLabels },
      labels,
    });
    const tlsPort = [{ port: REDIS_REPLICATION_PORT }];
    if (this.replicas > 1)
      replication.allowFrom(NetworkPeer.pods({ ...REDIS.podLabels }), tlsPort).allowTo(NetworkPeer.pods({ ...REDIS.podLabels }), tlsPort);
    if (props.replicaOf) replication.allowTo(props.replicaOf.peer, [{ port: props.replicaOf.port ?? REDIS_REPLICATION_PORT }]);
    for (const peer of props.replicaPeers ?? []) replication.allowFrom(peer, tlsPort);
  }
}

/** The client port and the TLS (replication) port, as the Services expose them. */
const CLIENT_PORT = servicePort('redis', REDIS.port);
const TLS_PORT = servicePort('redis-tls', REDIS_REPLICATION_PORT);

function redisProblems(props: RedisProps, replicas: number, replicaOnly: boolean): PropProblem[] {
  const problems: PropProblem[] = [];
  const unpinned = unpinnedReason(props.image);
  if (unpinned)
    problems.push({ prop: 'image', value: props.image, rule: unpinned, fix: 'pin the image so that every pod runs the same Redis' });
  problems.push(...containerResourceProblems(props.resources), ...secretMountRootProblems(props.secretMountRoot));
  problems.push(
    ...subdomainProblems('storageClassName', props.storageClassName),
    ...storageSizeProblems('storageSize', props.storageSize ?? '8Gi'),
  );
  problems.push(
    ...integerProblems(
      'replicas',
      replicas,
      replicaOnly ? 1 : 2,
      undefined,
      replicaOnly ? undefined : 'a primary needs at least one replica to fail over to',
    ),
  );
  const policy = props.maxmemoryPolicy ?? 'allkeys-lru';
  if (!MAXMEMORY_POLICIES.includes(policy))
    problems.push({ prop: 'maxmemoryPolicy', value: policy, rule: `must be one of ${MAXMEMORY_POLICIES.join(', ')}` });
  if (props.replicaOf) {
    if (!DNS_SUBDOMAIN.test(props.replicaOf.host)) {
      problems.push({ prop: 'replicaOf.host', value: props.replicaOf.host, rule: 'must be a host name' });
    }
    problems.push(...integerProblems('replicaOf.port', props.replicaOf.port, 1, 65535));
    if (props.replicationSourceCidrs !== undefined) {
      problems.push({
        prop: 'replicationSourceCidrs',
        value: props.replicationSourceCidrs,
        rule: "must not be set with 'replicaOf'",
        fix: 'only the primary serves the replication endpoint',
      });
    }
  }
  if (props.replicationSourceCidrs !== undefined && props.replicationSourceCidrs.length === 0) {
    problems.push({
      prop: 'replicationSourceCidrs',
      value: [],
      rule: 'must list at least one CIDR',
      fix: 'a load balancer without source ranges is open to every address',
    });
  }
  return problems;
}
