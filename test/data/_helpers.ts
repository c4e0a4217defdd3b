import { spawnSync } from 'node:child_process';
import { validateSchema } from '../../lib/policy/schema';
import { podSpecOf, restrictedViolations } from '../helpers/pod-security';

/** Pinned images for the tests. */
export const digest = (c: string) => `sha256:${c.repeat(64)}`;
export const POSTGRES_IMAGE = `ghcr.io/cloudnative-pg/postgresql:16.4@${digest('a')}`;
export const REDIS_IMAGE = `docker.io/library/redis:7.2.5-alpine@${digest('b')}`;
export const KUBECTL_IMAGE = `docker.io/alpine/k8s:1.28.13@${digest('c')}`;
export const SERVICE_IMAGE = `registry.example.com/alp/user-service:2.3.1@${digest('d')}`;

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
