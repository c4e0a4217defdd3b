import { PropProblem } from './errors';

/** The verbs a service may be granted, in Kubernetes' usual order. */
export const ALLOWED_API_VERBS: readonly string[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** Verbs that let the holder grant itself more than its Role says; never granted. */
export const ESCALATION_VERBS: readonly string[] = ['escalate', 'bind', 'impersonate'];

/**
 * One rule of a Role: the verbs allowed on the resources of the API groups.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#role-and-clusterrole
 */
export interface ApiAccessRule {
  /** API groups; `''` is the core group (pods, configmaps, …). No `*`. */
  readonly apiGroups: readonly string[];
  /** Resources, with subresources as `pods/log`. No `*`. */
  readonly resources: readonly string[];
  /** Verbs, from `ALLOWED_API_VERBS`. No `*`. */
  readonly verbs: readonly string[];
  /**
   * Restricts the rule to these object names. Must not be empty when set.
   * @default - every object of the resources
   */
  readonly resourceNames?: readonly string[];
}

const LIST_FIELDS = ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const;

/**
 * Every way `rules` break least privilege: wildcards, escalation verbs, unknown verbs, empty
 * lists (which mean "everything") and, unless allowed, Secrets. Shared by the spec's
 * validation and the ServiceApiAccess construct, so both report the same rules.
 */
export function apiAccessRuleProblems(rules: readonly ApiAccessRule[] | undefined, allowSecretAccess: boolean): PropProblem[] {
  if (!Array.isArray(rules) || rules.length === 0) {
    return [
      {
        prop: 'rules',
        value: rules,
        rule: 'must contain at least one rule',
        fix: 'a service that does not call the Kubernetes API needs no ServiceApiAccess',
      },
    ];
  }
  const problems: PropProblem[] = [];
  rules.forEach((rule, i) => {
    for (const field of LIST_FIELDS) {
      const list = rule[field];
      if (field === 'resourceNames' && list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0) {
        problems.push({
          prop: `rules[${i}].${field}`,
          value: list,
          rule: 'must not be empty',
          fix: field === 'resourceNames' ? 'an empty resourceNames matches every object; omit it, or name the objects' : undefined,
        });
        continue;
      }
      list.forEach((value, j) => {
        const prop = `rules[${i}].${field}[${j}]`;
        if (value.includes('*')) {
          problems.push({ prop, value, rule: "must not contain the wildcard '*'", fix: `list the ${field} explicitly` });
        } else if (field === 'verbs' && ESCALATION_VERBS.includes(value)) {
          problems.push({
            prop,
            value,
            rule: 'must not be escalate, bind or impersonate',
            fix: 'these verbs let the holder grant itself permissions beyond its Role',
          });
        } else if (field === 'verbs' && !ALLOWED_API_VERBS.includes(value)) {
          problems.push({ prop, value, rule: `must be one of ${ALLOWED_API_VERBS.join(', ')}` });
        } else if ((field === 'resources' || field === 'resourceNames') && value === '') {
          problems.push({ prop, value, rule: 'must not be an empty string' });
        } else if (field === 'resources' && !allowSecretAccess && (value === 'secrets' || value.startsWith('secrets/'))) {
          problems.push({
            prop,
            value,
            rule: "must not be secrets unless 'allowSecretAccess' is true",
            fix: 'mount the secret into the pod from an ExternalSecret instead of reading it through the API',
          });
        }
      });
    }
  });
  return problems;
}
