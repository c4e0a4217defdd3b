import { spawnSync } from 'node:child_process';
import { PostgresClusterProps } from '../../lib/data/postgres';
import { validateSchema } from '../../lib/policy/schema';
import { podSpecOf, restrictedViolations } from '../helpers/pod-security';

/** Pinned images for the tests. */
export const digest = (c: string) => `sha256:${c.repeat(64)}`;
export const POSTGRES_IMAGE = `ghcr.io/cloudnative-pg/postgresql:16.4@${digest('a')}`;
export const REDIS_IMAGE = `docker.io/library/redis:7.2.5-alpine@${digest('b')}`;
export const KUBECTL_IMAGE = `docker.io/alpine/k8s:1.28.13@${digest('c')}`;
export const SERVICE_IMAGE = `registry.example.com/alp/user-service:2.3.1@${digest('d')}`;

/** A primary PostgreSQL cluster's props, as the platform would set them. */
export const PRIMARY_POSTGRES: PostgresClusterProps = {
  imageName: POSTGRES_IMAGE,
  resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
  storageClass: 'encrypted-ssd',
  storageSize: '50Gi',
  secretStoreName: 'vault',
  appCredentialsKey: 'alp/postgres/app',
  objectStoreCredentialsKey: 'alp/postgres/object-store',
  backup: { destinationPath: 's3://alp-pg-primary/alp' },
  rpoMinutes: 60,
};

/** Every schema problem of every manifest, as `<object> <path>: <message>` lines. */
export function schemaProblems(manifests: any[]): string[] {
  return manifests.flatMap(validateSchema).map((p) => `${p.object} ${p.path}: ${p.message}`);
}

/** Every PSS restricted violation of every pod spec, prefixed with the workload. */
export function podSecurityProblems(manifests: any[]): string[] {
  return manifests.flatMap((m) => {
    const pod = podSpecOf(m);
    return pod ? restrictedViolations(pod).map((v) => `${m.kind}/${m.metadata.name}: ${v}`) : [];
  });
}

/** The workloads (objects with a pod spec) among the manifests. */
export function workloads(manifests: any[]): any[] {
  return manifests.filter((m) => podSpecOf(m) !== undefined);
}

/** `sh -n` of a script: its syntax errors, '' when it parses. */
export function shellSyntaxErrors(script: string): string {
  const result = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
  return `${result.stderr}${result.status === 0 ? '' : `exit ${result.status}`}`;
}
