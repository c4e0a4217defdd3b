import { ALLOWED_API_VERBS, ApiAccessRule, PropProblem } from '../core';
import { READ_VERBS } from '../workload/grants';

/**
 * Kubernetes API resources a service is never granted, whatever the verb: each lets the holder
 * act as someone else (another pod, another service account, the node), which is privilege
 * escalation in all but name.
 *
 * @see https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
 */
export const FORBIDDEN_API_RESOURCES: Readonly<Record<string, string>> = {
  'pods/exec': "it runs commands in any pod of the namespace, with that pod's service account and secrets",
  'pods/attach': 'it attaches to the processes of any pod of the namespace',
  'pods/portforward': "it reaches any pod's ports past the NetworkPolicies and the mesh",
  'pods/proxy': "it reaches any pod's ports past the NetworkPolicies and the mesh",
  'pods/ephemeralcontainers': 'it adds a container, running any image, to any pod of the namespace',
  'services/proxy': "it reaches any service's ports past the NetworkPolicies and the mesh",
  'serviceaccounts/token': 'it mints tokens of any service account of the namespace',
  'nodes/proxy': 'it reaches the kubelet API, which runs commands in every pod of the node',
};

/** Verbs on `pods` that start a pod: it may run any image as any service account of the namespace. */
export const POD_CREATING_VERBS: readonly string[] = ['create'];

/**
 * The Kubernetes API rules of one service that grant more than the service's own reach, beyond
 * what `apiAccessRuleProblems` (lib/core) already refuses (wildcards, escalate, bind,
 * impersonate, secrets without `allowSecretAccess`): the resources of `FORBIDDEN_API_RESOURCES`,
 * creating pods, and Secrets other than the service's own. Props are `rules[i].<list>[j]`.
 *
 * @param ownSecrets the Secrets the service owns: rules on `secrets` must name some of them in
 *   `resourceNames`, and only read them. @default - any Secret may be named (only the resources and verbs are checked)
 */
export function apiGrantProblems(rules: readonly ApiAccessRule[], ownSecrets?: readonly string[]): PropProblem[] {
  const problems: PropProblem[] = [];
  rules.forEach((rule, i) => {
    const resources = Array.isArray(rule.resources) ? rule.resources : [];
    const verbs = Array.isArray(rule.verbs) ? rule.verbs : [];
    resources.forEach((resource, j) => {
      const prop = `rules[${i}].resources[${j}]`;
      const key = String(resource).toLowerCase();
      if (Object.hasOwn(FORBIDDEN_API_RESOURCES, key)) {
        problems.push({
          prop,
          value: resource,
          rule: `must not be ${key}: ${FORBIDDEN_API_RESOURCES[key]}`,
          fix: 'remove it; no service is granted it (operators use their own access)',
        });
      }
      if (resource === 'pods') {
        for (const verb of verbs.filter((v) => POD_CREATING_VERBS.includes(v))) {
          problems.push({
            prop,
            value: resource,
            rule: `must not be granted with the verb "${verb}": a pod it creates may run any image as any service account of the namespace`,
            fix: 'create a Job or a Deployment through the spec instead',
          });
        }
      }
      if (resource === 'secrets' && ownSecrets !== undefined) problems.push(...secretGrantProblems(rule, prop, verbs, ownSecrets));
    });
    if (ownSecrets !== undefined && resources.includes('secrets') && Array.isArray(rule.resourceNames)) {
      rule.resourceNames.forEach((name, j) => {
        if (!ownSecrets.includes(name)) {
          problems.push({
            prop: `rules[${i}].resourceNames[${j}]`,
            value: name,
            rule: `must name one of the service's own Secrets (${ownSecrets.length > 0 ? ownSecrets.join(', ') : "it declares no 'secrets'"})`,
            fix: "declare the secret under the service's 'secrets' (Vault) instead of reading another service's; give other resources a rule of their own",
          });
        }
      });
    }
  });
  return problems;
}

/** A rule on `secrets` (at `prop`): limited by `resourceNames`, and read only. */
function secretGrantProblems(rule: ApiAccessRule, prop: string, verbs: readonly string[], ownSecrets: readonly string[]): PropProblem[] {
  const problems: PropProblem[] = [];
  const names = Array.isArray(rule.resourceNames) ? rule.resourceNames : [];
  const own = ownSecrets.length > 0 ? `one of ${ownSecrets.join(', ')}` : "none: the service declares no 'secrets'";
  if (names.length === 0) {
    problems.push({
      prop,
      value: 'secrets',
      rule: "must be limited by 'resourceNames' to the service's own Secrets (the ones its 'secrets' entries make)",
      fix: `name them in resourceNames (${own})`,
    });
  }
  // Verbs outside ALLOWED_API_VERBS are refused by apiAccessRuleProblems already (and not echoed here).
  for (const verb of verbs.filter((v) => ALLOWED_API_VERBS.includes(v) && !READ_VERBS.includes(v))) {
    problems.push({
      prop,
      value: 'secrets',
      rule: `must only be read (${READ_VERBS.join(', ')}), not granted "${verb}"`,
      fix: 'Secrets are written by External Secrets from Vault, not by services',
    });
  }
  return problems;
}

/** An object a service's API rules name that the platform does not generate, and who provides it. */
export interface ExternalApiObject {
  readonly resource: string;
  readonly name: string;
  readonly providedBy: string;
}

/**
 * The objects a service's API rules name (`resourceNames`) that exist nowhere: a grant on an
 * object that nobody creates is unusable. The platform generates, in the service's namespace,
 * only objects named after the service (its Deployment, Service, ServiceAccount, …) and its
 * Secrets (`<service>-<secret>`, checked by `apiGrantProblems`); every other name must be
 * declared in `externalObjects` with the same resource. Props are `rules[i].resourceNames[j]`.
 */
export function undeclaredObjectProblems(
  service: string,
  rules: readonly ApiAccessRule[],
  externalObjects: readonly ExternalApiObject[] = [],
): PropProblem[] {
  const problems: PropProblem[] = [];
  rules.forEach((rule, i) => {
    // Wildcards are refused on their own (the core API rules): they name no object to look for.
    const resources = (Array.isArray(rule.resources) ? rule.resources : []).filter(
      (r) => r !== 'secrets' && !r.startsWith('secrets/') && r !== '*',
    );
    if (resources.length === 0 || !Array.isArray(rule.resourceNames)) return;
    rule.resourceNames.forEach((name, j) => {
      if (name === service || name === '*') return;
      const missing = resources.filter((resource) => !externalObjects.some((o) => o.name === name && o.resource === resource));
      if (missing.length === 0) return;
      problems.push({
        prop: `rules[${i}].resourceNames[${j}]`,
        value: name,
        rule: `must name an object that exists: the platform generates no ${missing.join(', ')} '${name}'`,
        fix: `declare it in 'kubernetesApi.externalObjects' ({ resource: '${missing[0]}', name: '${name}', providedBy: '<who creates it>' }), or remove the rule`,
      });
    });
  });
  return problems;
}
