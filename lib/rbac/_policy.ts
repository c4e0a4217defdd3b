/**
 * Helpers shared by the RBAC constructs; not exported from the package.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PropProblem } from '../core/errors';
import { problemsOf, rfc1123LabelProblem } from '../core/validation';

/** The API group of Role, RoleBinding and the Group subject kind. */
export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';

/** A list's distinct entries in code-unit order: the same input always renders the same way. */
export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** The policy rule with its lists deduplicated and sorted. */
export function toPolicyRule(rule: {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}): { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] } {
  return {
    apiGroups: uniqueSorted(rule.apiGroups),
    resources: uniqueSorted(rule.resources),
    verbs: uniqueSorted(rule.verbs),
    resourceNames: rule.resourceNames === undefined ? undefined : uniqueSorted(rule.resourceNames),
  };
}

/**
 * The namespace of namespaced RBAC objects: the prop, else the chart's. A Role without one
 * would land in whatever namespace it is applied to, so a missing namespace is a problem.
 */
export function resolveNamespace(scope: Construct, namespace: string | undefined, problems: PropProblem[]): string {
  const resolved = namespace ?? Chart.of(scope).namespace;
  if (resolved === undefined) {
    problems.push({
      prop: 'namespace',
      value: undefined,
      rule: 'must be set, here or on the chart',
      fix: 'Roles and RoleBindings are namespaced',
    });
  } else {
    problems.push(...problemsOf(rfc1123LabelProblem('namespace', resolved)));
  }
  return resolved ?? '';
}
