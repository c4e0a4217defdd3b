/**
 * RBAC least privilege (CIS Kubernetes Benchmark section 5.1).
 */
import { ESCALATION_VERBS, SECRET_ACCESS_ANNOTATION } from '../../core';
import { ManifestObject, PolicyRule, violation } from '../findings';
import { ctxOf, PolicyContext } from './_context';
import { asArray } from './_selectors';

export { SECRET_ACCESS_ANNOTATION };

const RULE_LISTS = ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'] as const;
const READ_VERBS = ['get', 'list', 'watch', '*'];
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const CIS_URI = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';


function roles(ctx: PolicyContext): ManifestObject[] {
  return [...ctx.ofKind(RBAC_GROUP, 'Role'), ...ctx.ofKind(RBAC_GROUP, 'ClusterRole')];
}

function bindings(ctx: PolicyContext): ManifestObject[] {
  return [...ctx.ofKind(RBAC_GROUP, 'RoleBinding'), ...ctx.ofKind(RBAC_GROUP, 'ClusterRoleBinding')];
}

export const RBAC_NO_WILDCARD: PolicyRule = {
  id: 'RBAC-NO-WILDCARD',
  severity: 'error',
  title: "Roles do not use the wildcard '*'",
  rationale: "A '*' grants every current and future API group, resource, verb or object, including ones added after review.",
  source: 'CIS Kubernetes Benchmark 5.1.3',
  fix: 'List the API groups, resources and verbs the subject needs.',
  helpUri: CIS_URI,
  check(context) {
    const ctx = ctxOf(context);
    for (const role of roles(ctx)) {
      asArray(role.manifest.rules).forEach((rule: any, i: number) => {
        for (const field of RULE_LISTS) {
          asArray(rule?.[field]).forEach((value: unknown, j: number) => {
            if (typeof value === 'string' && value.includes('*')) {
              ctx.report(RBAC_NO_WILDCARD, role, violation(`rules[${i}].${field}[${j}]`, value, "must not contain the wildcard '*'", `list the ${field} explicitly`));
            }
          });
        }
      });
    }
  },
};

export const RBAC_NO_SECRET_READ: PolicyRule = {
  id: 'RBAC-NO-SECRET-READ',
  severity: 'error',
  title: 'Roles do not read Secrets unless declared',
  rationale: 'get, list or watch on Secrets hands out every credential in the namespace; workloads get theirs mounted instead.',
  source: 'CIS Kubernetes Benchmark 5.1.2',
  fix: `Mount the secret from an ExternalSecret; if the role must read Secrets through the API, annotate it '${SECRET_ACCESS_ANNOTATION}: declared' (ServiceApiAccess 'allowSecretAccess: true').`,
  helpUri: CIS_URI,
  check(context) {
    const ctx = ctxOf(context);
    for (const role of roles(ctx)) {
      if (role.manifest.metadata?.annotations?.[SECRET_ACCESS_ANNOTATION] === 'declared') continue;
      asArray(role.manifest.rules).forEach((rule: any, i: number) => {
        const verbs = asArray(rule?.verbs).filter((v) => READ_VERBS.includes(v));
        const groups = asArray(rule?.apiGroups);
        if (verbs.length === 0 || !(groups.includes('') || groups.includes('*'))) return;
        asArray(rule?.resources).forEach((resource: unknown, j: number) => {
          if (resource === 'secrets') {
            ctx.report(RBAC_NO_SECRET_READ, role, violation(`rules[${i}].resources[${j}]`, resource,
              `must not be secrets with ${verbs.join(', ')} unless the role is annotated '${SECRET_ACCESS_ANNOTATION}: declared'`,
              'mount the secret from an ExternalSecret instead of reading it through the API'));
          }
        });
      });
    }
  },
};

export const RBAC_NO_ESCALATION: PolicyRule = {
  id: 'RBAC-NO-ESCALATION',
  severity: 'error',
  title: 'Roles do not grant escalate, bind or impersonate',
  rationale: 'These verbs let the holder give itself permissions beyond its role.',
  source: 'CIS Kubernetes Benchmark 5.1.8',
  fix: 'Remove the verb; grant the permissions the subject needs directly.',
  helpUri: CIS_URI,
  check(context) {
    const ctx = ctxOf(context);
    for (const role of roles(ctx)) {
      asArray(role.manifest.rules).forEach((rule: any, i: number) => {
        asArray(rule?.verbs).forEach((verb: unknown, j: number) => {
          if (typeof verb === 'string' && ESCALATION_VERBS.includes(verb)) {
            ctx.report(RBAC_NO_ESCALATION, role, violation(`rules[${i}].verbs[${j}]`, verb, 'must not be escalate, bind or impersonate', 'it lets the holder grant itself permissions beyond this role'));
          }
        });
      });
    }
  },
};

export const RBAC_NO_CLUSTER_ADMIN: PolicyRule = {
  id: 'RBAC-NO-CLUSTER-ADMIN',
  severity: 'error',
  title: 'Nothing is bound to cluster-admin',
  rationale: 'cluster-admin is every permission on every object of the cluster.',
  source: 'CIS Kubernetes Benchmark 5.1.1',
  fix: 'Bind a Role with the permissions the subject needs.',
  helpUri: CIS_URI,
  check(context) {
    const ctx = ctxOf(context);
    for (const binding of bindings(ctx)) {
      const ref = binding.manifest.roleRef;
      if (ref?.kind === 'ClusterRole' && ref?.name === 'cluster-admin') {
        ctx.report(RBAC_NO_CLUSTER_ADMIN, binding, violation('roleRef.name', ref.name, 'must not be cluster-admin', 'bind a Role with only the permissions needed'));
      }
    }
  },
};

export const RBAC_NO_DEFAULT_SERVICE_ACCOUNT: PolicyRule = {
  id: 'RBAC-NO-DEFAULT-SERVICE-ACCOUNT',
  severity: 'error',
  title: 'Pods and bindings do not use the default service account',
  rationale: "Every pod of a namespace shares the 'default' service account: permissions given to it reach them all.",
  source: 'CIS Kubernetes Benchmark 5.1.5',
  fix: "Give each workload its own ServiceAccount and set 'serviceAccountName'.",
  helpUri: CIS_URI,
  check(context) {
    const ctx = ctxOf(context);
    for (const pod of ctx.pods) {
      const name = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
      if (name === undefined || name === '' || name === 'default') {
        ctx.report(RBAC_NO_DEFAULT_SERVICE_ACCOUNT, pod.object, violation(`${pod.specPath}.serviceAccountName`, name, "must name the workload's own ServiceAccount, not 'default'"));
      }
    }
    for (const binding of bindings(ctx)) {
      asArray(binding.manifest.subjects).forEach((subject: any, i: number) => {
        if (subject?.kind === 'ServiceAccount' && subject?.name === 'default') {
          ctx.report(RBAC_NO_DEFAULT_SERVICE_ACCOUNT, binding, violation(`subjects[${i}].name`, subject.name, "must not be the 'default' ServiceAccount", 'every pod without its own ServiceAccount would get these permissions'));
        }
      });
    }
  },
};

export const RBAC_TOKEN_AUTOMOUNT: PolicyRule = {
  id: 'RBAC-TOKEN-AUTOMOUNT',
  severity: 'warning',
  title: 'API tokens are mounted only where they are used',
  rationale: 'A mounted token whose account has no role is of use only to an attacker in the pod.',
  source: 'CIS Kubernetes Benchmark 5.1.6',
  fix: "Set 'automountServiceAccountToken: false' on the pod or its ServiceAccount, unless the pod calls the Kubernetes API.",
  helpUri: CIS_URI,
  check(context) {
    const ctx = ctxOf(context);
    const bound = new Set<string>();
    for (const binding of bindings(ctx)) {
      for (const subject of asArray(binding.manifest.subjects)) {
        if (subject?.kind !== 'ServiceAccount' || typeof subject?.name !== 'string') continue;
        const ns = subject.namespace ?? (binding.kind === 'RoleBinding' ? ctx.namespaceOf(binding) : undefined);
        if (ns) bound.add(`${ctx.scopeOf(binding, ns)}/${subject.name}`);
      }
    }
    const accounts = new Map(ctx.ofKind('', 'ServiceAccount').map((sa) => [`${ctx.scopeOf(sa)}/${sa.name}`, sa]));
    for (const pod of ctx.pods) {
      const name = (pod.spec.serviceAccountName ?? pod.spec.serviceAccount) || 'default';
      const id = `${pod.scope}/${name}`;
      const account = accounts.get(id);
      const automount = pod.spec.automountServiceAccountToken ?? account?.manifest.automountServiceAccountToken ?? true;
      if (automount !== true || bound.has(id)) continue;
      const own = pod.spec.automountServiceAccountToken;
      ctx.report(RBAC_TOKEN_AUTOMOUNT, pod.object, violation(`${pod.specPath}.automountServiceAccountToken`, own,
        `should be false: ServiceAccount '${name}' is bound to no role in the manifests`,
        own === undefined ? `the token is mounted by default${account ? `, and ${account.label} does not turn it off` : ''}` : undefined));
    }
  },
};

/** The RBAC rules. */
export const RBAC_RULES: readonly PolicyRule[] = [
  RBAC_NO_WILDCARD, RBAC_NO_SECRET_READ, RBAC_NO_ESCALATION, RBAC_NO_CLUSTER_ADMIN, RBAC_NO_DEFAULT_SERVICE_ACCOUNT, RBAC_TOKEN_AUTOMOUNT,
];
