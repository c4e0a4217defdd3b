// Deterministic synthetic inputs for the benchmark: a spec with N services shaped like
// charts/platform-spec.ts, and a release that pins every service in both colours.
import { createHash } from 'node:crypto';
import { platformSpec } from '../charts';
import { PlatformSpecInput, ReleaseState, ServiceSpecInput } from '../platform';

const registry = 'registry.alp.example.com/bench';

export const serviceName = (i: number): string => `svc-${String(i).padStart(4, '0')}`;

/**
 * Service i calls services i-1 and i-2; every 3rd uses postgres and every 4th redis (each with
 * its Vault secret, as in the real spec), every 10th is critical.
 */
function service(i: number): ServiceSpecInput {
  const name = serviceName(i);
  const postgres = i % 3 === 0;
  const redis = i % 4 === 0;
  const secrets: NonNullable<ServiceSpecInput['secrets']> = [];
  if (postgres) secrets.push({ name: 'postgres', vaultKey: `alp/${name}/postgres`, keys: ['password', 'username'] });
  if (redis) secrets.push({ name: 'redis', vaultKey: 'alp/shared/redis', keys: ['password'] });
  return {
    name,
    description: `Synthetic service ${i}`,
    tier: i === 0 ? 'gateway' : i % 5 === 0 ? 'worker' : 'backend',
    imageRepository: `${registry}/${name}`,
    port: 8080,
    metricsPort: 9090,
    priority: i % 10 === 0 ? 'critical' : 'standard',
    resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    autoscaling: {
      minReplicas: 2,
      maxReplicas: 6 + (i % 5),
      metrics: i % 6 === 0 ? [{ type: 'pods', name: 'http_requests_per_second', averageValue: '200' }] : [],
    },
    dependsOn: {
      services: [i - 1, i - 2].filter((j) => j >= 0).map(serviceName),
      postgres,
      redis,
    },
    secrets,
    ...(i === 0 ? { public: { host: 'learn.bench.example.com', path: '/' } } : {}),
    ...(i % 7 === 3 ? { egress: [{ host: 'smtp.example.net', cidrs: ['203.0.113.0/24'], ports: [587] }] } : {}),
  };
}

/**
 * The platform's own spec (regions, edge, TLS, Vault, GitOps, data, …) with N generated services;
 * the GDPR jobs belong to the first service, which uses postgres.
 */
export function generateSpec(n: number): PlatformSpecInput {
  const owner = serviceName(0);
  // Pinned by digest, as the platform's policy requires of every image (a synthetic digest).
  const image = `${registry}/${owner}:1.0.0@sha256:${createHash('sha256').update(`gdpr/${owner}`).digest('hex')}`;
  const gdpr = platformSpec.data.gdpr;
  return {
    ...platformSpec,
    services: Array.from({ length: n }, (_, i) => service(i)),
    data: {
      ...platformSpec.data,
      gdpr: {
        ...gdpr,
        dataClasses: gdpr.dataClasses.map((dataClass) => ({ ...dataClass, owningService: owner, image })),
        erasure: { ...gdpr.erasure, owningService: owner, image },
      },
    },
  };
}

export function generateRelease(n: number): ReleaseState {
  const images = (color: string) => {
    const entries = Array.from({ length: n }, (_, i) => {
      const name = serviceName(i);
      const digest = createHash('sha256').update(`${color}/${name}`).digest('hex');
      return [name, `${registry}/${name}:1.0.${i}@sha256:${digest}`] as const;
    });
    return { images: Object.fromEntries(entries) };
  };
  return {
    regions: { primary: { activeColor: 'blue' }, dr: { activeColor: 'blue' } },
    colors: { blue: images('blue'), green: images('green') },
  };
}
