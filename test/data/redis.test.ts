import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { REDIS } from '../../lib/core';
import { REDIS_REPLICATION_PORT } from '../../lib/core/endpoints';
import { Redis, RedisProps } from '../../lib/data/redis';
import { redisConf } from '../../lib/data/redis-config';
import { redisStartScript } from '../../lib/data/redis-config';
import { NetworkPeer } from '../../lib/network/network-peer';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { podSecurityProblems, REDIS_IMAGE, schemaProblems, shellSyntaxErrors } from './_helpers';

const BASE: RedisProps = {
  image: REDIS_IMAGE,
  resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  storageClassName: 'encrypted-ssd',
  secretStoreName: 'vault',
  passwordKey: 'alp/redis/auth',
  tlsKey: 'alp/redis/tls',
};

const DR: Partial<RedisProps> = {
  replicaOf: { host: 'redis.alp-data.primary.alp.internal', peer: NetworkPeer.cidr('10.10.0.0/16') },
};

function synth(props: Partial<RedisProps> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'alp-data' });
  new Redis(chart, 'Redis', { ...BASE, ...props });
  return Testing.synth(chart);
}

const pod = (manifests: any[]) => findObject(manifests, 'StatefulSet', 'redis').spec.template.spec;
const env = (manifests: any[]) => Object.fromEntries(pod(manifests).containers[0].env.map((e: any) => [e.name, e.value]));

describe('Redis |', () => {
  test('emits the StatefulSet, Services, config, secret, account, PDB and replication policy', () => {
    expect(kindCounts(synth())).toEqual({
      ExternalSecret: 2,
      ServiceAccount: 1,
      ConfigMap: 1,
      Service: 2,
      StatefulSet: 1,
      PodDisruptionBudget: 1,
      NetworkPolicy: 1,
    });
  });

  test('every object validates against its schema; the pods meet PSS restricted', () => {
    expect(schemaProblems(synth())).toEqual([]);
    expect(schemaProblems(synth(DR))).toEqual([]);
    expect(podSecurityProblems(synth())).toEqual([]);
  });

  test('matches the platform endpoint: pod labels, service account, client Service on 6379', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(pod(manifests).serviceAccountName).toBe(REDIS.serviceAccount);
    expect(findObject(manifests, 'ServiceAccount', 'redis').automountServiceAccountToken).toBe(false);
    expect(findObject(manifests, 'StatefulSet', 'redis').spec.template.metadata.labels).toMatchObject(REDIS.podLabels);
    const service = findObject(manifests, 'Service', 'redis');
    expect(service.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    // Writes go to pod 0, the primary.
    expect(service.spec.selector).toEqual({
      ...REDIS.podLabels,
      'app.kubernetes.io/instance': 'redis',
      'statefulset.kubernetes.io/pod-name': 'redis-0',
    });
    expect(findObject(manifests, 'Service', 'redis-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  test('persists to a volume per pod of the storage class, kept when scaled down or deleted', () => {
    const spec = findObject(synth({ storageSize: '20Gi' }), 'StatefulSet', 'redis').spec;
    expect(spec.replicas).toBe(3);
    expect(spec.serviceName).toBe('redis-headless');
    expect(spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'encrypted-ssd',
      resources: { requests: { storage: '20Gi' } },
    });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('reads the password from a file mounted from the ExternalSecret', () => {
    const manifests = synth();
    expect(findObject(manifests, 'ExternalSecret', 'redis-auth').spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'alp/redis/auth', property: 'password' } },
    ]);
    expect(pod(manifests).volumes).toContainEqual({ name: 'secret-redis-auth', secret: { secretName: 'redis-auth', defaultMode: 0o440 } });
    expect(JSON.stringify(pod(manifests).containers[0].env)).not.toContain('password');
  });

  test('configures persistence, a memory bound from the limit, and the runtime include', () => {
    const conf = findObject(synth(), 'ConfigMap', 'redis-config').data['redis.conf'];
    expect(conf).toContain('appendonly yes\n');
    expect(conf).toContain('maxmemory 768mb\n');
    expect(conf).toContain('maxmemory-policy allkeys-lru\n');
    expect(conf.trimEnd().endsWith('include /run/redis/runtime.conf')).toBe(true);
  });

  test('the start script parses and never passes the password as an argument', () => {
    const script = redisStartScript('/var/run/secrets/alp/redis-auth/password');
    expect(shellSyntaxErrors(script)).toBe('');
    expect(script).toContain('exec redis-server /etc/redis/redis.conf\n');
  });

  test('the start script makes pod 0 the primary and every other pod follow it; pod 0 follows REDIS_PRIMARY_HOST when set', () => {
    // GIVEN the script, with its runtime directory and redis-server replaced for the test
    const dir = mkdtempSync(join(tmpdir(), 'redis-start-'));
    writeFileSync(join(dir, 'password'), 's3cr3t');
    writeFileSync(join(dir, 'redis-server'), `#!/bin/sh\ncat ${dir}/runtime.conf\n`, { mode: 0o755 });
    const script = redisStartScript(join(dir, 'password')).replace('/run/redis', dir);
    const run = (hostname: string, extra: Record<string, string> = {}) =>
      spawnSync('sh', ['-c', script], {
        encoding: 'utf8',
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          HOSTNAME: hostname,
          REDIS_STATEFULSET: 'redis',
          REDIS_HEADLESS_SERVICE: 'redis-headless',
          REDIS_PORT: '6379',
          REDIS_TLS_PORT: '6380',
          ...extra,
        },
      }).stdout;
    const auth = 'requirepass "s3cr3t"\nmasterauth "s3cr3t"\n';
    // THEN
    expect(run('redis-0')).toBe(auth);
    expect(run('redis-2')).toBe(`${auth}replicaof redis-0.redis-headless 6380\n`);
    expect(run('redis-0', { REDIS_PRIMARY_HOST: 'redis.primary.example', REDIS_PRIMARY_PORT: '6380' })).toBe(
      `${auth}replicaof redis.primary.example 6380\n`,
    );
    expect(run('redis-1', { REDIS_PRIMARY_HOST: 'redis.primary.example', REDIS_PRIMARY_PORT: '6380' })).toBe(
      `${auth}replicaof redis-0.redis-headless 6380\n`,
    );
    rmSync(dir, { recursive: true });
  });

  test('sets resources and the three probes', () => {
    const container = pod(synth()).containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(container.readinessProbe.exec.command[2]).toContain("grep -Eq 'PONG'");
    expect(container.livenessProbe.exec.command[2]).toContain("grep -Eq 'PONG|LOADING'");
    expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBe(300);
  });

  test('has a PDB that lets one pod go at a time', () => {
    expect(findObject(synth(), 'PodDisruptionBudget', 'redis').spec).toMatchObject({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
    });
  });

  test('allows replication between its pods, and from peers in other clusters, over the TLS port only', () => {
    const policy = findObject(synth({ replicaPeers: [NetworkPeer.cidr('10.20.0.0/16')] }), 'NetworkPolicy', 'redis-replication');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress.map((r: any) => r.from[0])).toEqual([
      { ipBlock: { cidr: '10.20.0.0/16' } },
      { podSelector: { matchLabels: REDIS.podLabels } },
    ]);
    expect(policy.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([
      REDIS_REPLICATION_PORT,
      REDIS_REPLICATION_PORT,
    ]);
    expect(policy.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: REDIS.podLabels } }], ports: [{ protocol: 'TCP', port: REDIS_REPLICATION_PORT }] },
    ]);
  });

  test('replicates over TLS with client certificates, from certificates and the shared CA in Vault', () => {
    const manifests = synth();
    const conf = findObject(manifests, 'ConfigMap', 'redis-config').data['redis.conf'].split('\n');
    expect(conf).toEqual(
      expect.arrayContaining([
        `tls-port ${REDIS_REPLICATION_PORT}`,
        'tls-replication yes',
        'tls-auth-clients yes',
        'tls-ca-cert-file /etc/redis-tls/ca.crt',
      ]),
    );
    expect(JSON.stringify(findObject(manifests, 'ExternalSecret', 'redis-tls').spec)).toContain('alp/redis/tls');
    const container = pod(manifests).containers[0];
    expect(container.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/redis-tls', readOnly: true });
    expect(pod(manifests).volumes).toContainEqual({ name: 'tls', secret: { secretName: 'redis-tls', defaultMode: 0o440 } });
    expect(redisConf({ maxmemoryMiB: 1, maxmemoryPolicy: 'noeviction', port: 6379, tlsPort: 7000 })).toContain('tls-port 7000\n');
  });

  test('a primary with replication sources serves the other clusters through a LoadBalancer limited to them, on the TLS port', () => {
    const manifests = synth({ replicationSourceCidrs: ['10.20.0.0/16', '10.20.0.0/16'] });
    const service = findObject(manifests, 'Service', 'redis-replication').spec;
    expect(service).toMatchObject({
      type: 'LoadBalancer',
      loadBalancerSourceRanges: ['10.20.0.0/16'],
      externalTrafficPolicy: 'Local',
      selector: { 'statefulset.kubernetes.io/pod-name': 'redis-0' },
    });
    expect(service.ports).toEqual([{ name: 'redis-tls', port: REDIS_REPLICATION_PORT, targetPort: 'redis-tls', protocol: 'TCP' }]);
    expect(pod(manifests).containers[0].ports).toContainEqual({
      name: 'redis-tls',
      containerPort: REDIS_REPLICATION_PORT,
      protocol: 'TCP',
    });
    expect(schemaProblems(manifests)).toEqual([]);
    expect(() => findObject(synth(), 'Service', 'redis-replication')).toThrow();
  });

  test('fails on a replication endpoint without sources, or on a replica', () => {
    expect(errorOf(() => synth({ replicationSourceCidrs: [] }))).toBe(
      "test/Redis: 'replicationSourceCidrs' ([]) must list at least one CIDR; a load balancer without source ranges is open to every address",
    );
    expect(errorOf(() => synth({ ...DR, replicationSourceCidrs: ['10.20.0.0/16'] }))).toBe(
      "test/Redis: 'replicationSourceCidrs' ([\"10.20.0.0/16\"]) must not be set with 'replicaOf'; only the primary serves the replication endpoint",
    );
  });

  test('in replica-only mode pod 0 follows the given primary', () => {
    // WHEN
    const manifests = synth(DR);
    // THEN
    expect(env(manifests)).toMatchObject({
      REDIS_PRIMARY_HOST: 'redis.alp-data.primary.alp.internal',
      REDIS_PRIMARY_PORT: String(REDIS_REPLICATION_PORT),
    });
    expect(env(synth())).not.toHaveProperty('REDIS_PRIMARY_HOST');
    const egress = findObject(manifests, 'NetworkPolicy', 'redis-replication').spec.egress.map((r: any) => r.to[0]);
    expect(egress).toContainEqual({ ipBlock: { cidr: '10.10.0.0/16' } });
  });

  test('fails when a primary has no replica', () => {
    expect(errorOf(() => synth({ replicas: 1 }))).toBe(
      "test/Redis: 'replicas' (1) must be an integer of at least 2; a primary needs at least one replica to fail over to",
    );
    expect(() => synth({ ...DR, replicas: 1 })).not.toThrow();
  });

  test('fails with every invalid prop at once', () => {
    expect(
      errorOf(() =>
        synth({
          image: 'redis',
          storageClassName: 'Fast SSD',
          maxmemoryPolicy: 'lru',
          replicaOf: { host: 'redis:6379', port: 0, peer: NetworkPeer.cidr('10.10.0.0/16') },
        }),
      ),
    ).toBe(
      [
        'test/Redis: 5 invalid props',
        "  - test/Redis: 'image' (\"redis\") must be pinned by a digest (@sha256:…) or a tag; it has neither, which means 'latest'; pin the image so that every pod runs the same Redis",
        '  - test/Redis: \'storageClassName\' ("Fast SSD") must be a DNS subdomain (lowercase letters, digits, "-", ".")',
        '  - test/Redis: \'maxmemoryPolicy\' ("lru") must be one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl',
        '  - test/Redis: \'replicaOf.host\' ("redis:6379") must be a host name',
        "  - test/Redis: 'replicaOf.port' (0) must be an integer from 1 to 65535",
      ].join('\n'),
    );
  });
});
