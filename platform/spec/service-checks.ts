/**
 * Rules on one service that both the spec's checks (validate.ts) and the release's checks
 * (release-checks.ts) run: on the spec's services, and on each colour's services with its staged
 * configuration applied.
 */
import { cpuMillis, memoryKiB } from '../../lib/core';
import { formatPath, SpecProblem } from '../../lib/core/problems';
import { envCredentialReason } from './env-secrets';
import { ServiceSpec } from './schema';

/** The fewest replicas a service runs, so that a node drain never takes it down. */
export const MIN_SERVICE_REPLICAS = 2;

/** A problem of one input, before its source is named. */
export type Problem = Omit<SpecProblem, 'source'>;
export const problem = (path: PropertyKey[], value: unknown, rule: string): Problem => ({ path: formatPath(path), value, rule });

/** A field path below a service (`services[<i>]`, or a colour's configuration of it). */
export type ServicePath = (...path: PropertyKey[]) => PropertyKey[];

/**
 * The rules within one service on the fields a colour can stage (resources, replica counts,
 * environment): run on the spec's services and on each colour's, with the staged configuration.
 * `secretsAt` names where the service declares its secrets, for the message on a literal credential.
 */
export function configurableProblems(service: ServiceSpec, at: ServicePath, secretsAt = `'${formatPath(at('secrets'))}'`): Problem[] {
  const problems: Problem[] = [];
  for (const kind of ['cpu', 'memory'] as const) {
    const toNumber = kind === 'cpu' ? cpuMillis : memoryKiB;
    const request = service.resources.requests[kind];
    const limit = service.resources.limits[kind];
    if (toNumber(request) > toNumber(limit)) {
      problems.push(problem(at('resources', 'requests', kind), request, `must not exceed the limit (${limit})`));
    }
  }
  problems.push(...replicaProblems(service, at));
  for (const [name, value] of Object.entries(service.env)) {
    const reason = envCredentialReason(name, value);
    if (reason) {
      problems.push(
        problem(
          at('env', name),
          value,
          `must not hold a secret (${reason}); declare it under ${secretsAt} so that it comes from Vault ('as: env' passes it as environment variables)`,
        ),
      );
    }
  }
  return problems;
}

/** Either a fixed replica count or autoscaling, never fewer pods than survive a node drain. */
function replicaProblems(service: ServiceSpec, at: ServicePath): Problem[] {
  const problems: Problem[] = [];
  if (service.replicas === undefined && service.autoscaling === undefined) {
    problems.push(problem(at(), service.name, "must set either 'replicas' or 'autoscaling'"));
  }
  if (service.replicas !== undefined && service.autoscaling !== undefined) {
    problems.push(
      problem(
        at('replicas'),
        service.replicas,
        "must not be set together with 'autoscaling' (the HorizontalPodAutoscaler owns the replica count)",
      ),
    );
  }
  if (service.replicas !== undefined && service.replicas < MIN_SERVICE_REPLICAS) {
    problems.push(
      problem(
        at('replicas'),
        service.replicas,
        `must be at least ${MIN_SERVICE_REPLICAS} so that a node drain never takes the service down`,
      ),
    );
  }
  const scaling = service.autoscaling;
  if (scaling) {
    if (scaling.minReplicas < MIN_SERVICE_REPLICAS) {
      problems.push(
        problem(
          at('autoscaling', 'minReplicas'),
          scaling.minReplicas,
          `must be at least ${MIN_SERVICE_REPLICAS} so that a node drain never takes the service down`,
        ),
      );
    }
    if (scaling.minReplicas > scaling.maxReplicas) {
      problems.push(
        problem(at('autoscaling', 'minReplicas'), scaling.minReplicas, `must not exceed 'maxReplicas' (${scaling.maxReplicas})`),
      );
    }
  }
  return problems;
}
