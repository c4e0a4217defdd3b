import { k8s } from 'cdk8s-plus-28';
import { CPU_PATTERN, cpuMillis, MEMORY_PATTERN, memoryKiB, PropProblem } from '../core';

/** CPU and memory amounts, as Kubernetes quantities ("250m", "512Mi"). */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests and limits of a container; both are required. */
export interface ContainerResources {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

/** Requests and limits as the L1 types want them. */
export function kubeResources(resources: ContainerResources): k8s.ResourceRequirements {
  return resourceQuantities(resources, k8s.Quantity.fromString, k8s.Quantity.fromString);
}

/**
 * Requests and limits in the quantity types of a custom resource (CloudNativePG's Cluster and
 * Pooler have one type for requests and one for limits).
 */
export function resourceQuantities<R, L>(resources: ContainerResources, request: (amount: string) => R, limit: (amount: string) => L) {
  return {
    requests: { cpu: request(resources.requests.cpu), memory: request(resources.requests.memory) },
    limits: { cpu: limit(resources.limits.cpu), memory: limit(resources.limits.memory) },
  };
}

/**
 * Every way `resources` is not a complete, consistent set of requests and limits, reported
 * under `prop` (e.g. `resources.requests.cpu`).
 */
export function containerResourceProblems(resources: ContainerResources | undefined, prop = 'resources'): PropProblem[] {
  if (!resources?.requests || !resources?.limits) {
    return [{ prop, value: resources, rule: 'must set both requests and limits', fix: 'unbounded containers starve their neighbours' }];
  }
  const problems: PropProblem[] = [];
  for (const kind of ['cpu', 'memory'] as const) {
    const pattern = kind === 'cpu' ? CPU_PATTERN : MEMORY_PATTERN;
    const example = kind === 'cpu' ? '"250m" or "2"' : '"512Mi"';
    const request = resources.requests[kind];
    const limit = resources.limits[kind];
    const badRequest = !pattern.test(request ?? '');
    const badLimit = !pattern.test(limit ?? '');
    if (badRequest)
      problems.push({ prop: `${prop}.requests.${kind}`, value: request, rule: `must be a ${kind} quantity such as ${example}` });
    if (badLimit) problems.push({ prop: `${prop}.limits.${kind}`, value: limit, rule: `must be a ${kind} quantity such as ${example}` });
    const toNumber = kind === 'cpu' ? cpuMillis : memoryKiB;
    if (!badRequest && !badLimit && toNumber(request) > toNumber(limit)) {
      problems.push({ prop: `${prop}.requests.${kind}`, value: request, rule: `must not exceed the limit (${limit})` });
    }
  }
  return problems;
}
