/**
 * RBAC least privilege (CIS Kubernetes Benchmark section 5.1).
 */
import { ESCALATION_VERBS, SECRET_ACCESS_ANNOTATION } from '../../core';
import { ManifestObject, PolicyRule, RuleInfo, violation } from '../findings';
import { PolicyContext } from './_context';
import { inputRule, perObjectRule, Report } from './_rule';
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

/**
 * A rule that judges each entry of the `rules` of every Role and ClusterRole; `at` is the
 * entry's path (`rules[i]`) and findings name its role.
 */
function perRoleEntryRule(info: RuleInfo, judge: (entry: any, at: string, report: Report, role: ManifestObject) => void): PolicyRule {
  return perObjectRule(info, roles, (role, report) => {
    asArray(role.manifest.rules).forEach((entry: any, i: number) => judge(entry, `rules[${i}]`, report, role));
  });
}

export const RBAC_NO_WILDCARD = perRoleEntryRule(
  {
    id: 'RBAC-NO-WILDCARD',
    severity: 'error',
    title: "Roles do not use the wildcard '*'",
    rationale: "A '*' grants every current and future API group, resource, verb or object, including ones added after review.",
    source: 'CIS Kubernetes Benchmark 5.1.3',
    fix: 'List the API groups, resources and verbs the subject needs.',
    helpUri: CIS_URI,
  },
  (entry, at, report) => {
    for (const field of RULE_LISTS) {
      asArray(entry?.[field]).forEach((value: unknown, j: number) => {
        if (typeof value === 'string' && value.includes('*')) {
          report(violation(`${at}.${field}[${j}]`, value, "must not contain the wildcard '*'", `list the ${field} explicitly`));
        }
      });
    }
  },
);

export const RBAC_NO_SECRET_READ = perRoleEntryRule(
  {
    id: 'RBAC-NO-SECRET-READ',
    severity: 'error',
    title: 'Roles do not read Secrets unless declared',
    rationale: 'get, list or watch on Secrets hands out every credential in the namespace; workloads get theirs mounted instead.',
    source: 'CIS Kubernetes Benchmark 5.1.2',
    fix: `Mount the secret from an ExternalSecret; if the role must read Secrets through the API, annotate it '${SECRET_ACCESS_ANNOTATION}: declared' (ServiceApiAccess 'allowSecretAccess: true').`,
    helpUri: CIS_URI,
  },
  (entry, at, report, role) => {
    if (role.manifest.metadata?.annotations?.[SECRET_ACCESS_ANNOTATION] === 'declared') return;
    const verbs = asArray(entry?.verbs).filter((v) => READ_VERBS.includes(v));
    const groups = asArray(entry?.apiGroups);
    if (verbs.length === 0 || !(groups.includes('') || groups.includes('*'))) return;
    asArray(entry?.resources).forEach((resource: unknown, j: number) => {
      if (resource !== 'secrets') return;
      report(
        violation(
          `${at}.resources[${j}]`,
          resource,
          `must not be secrets with ${verbs.join(', ')} unless the role is annotated '${SECRET_ACCESS_ANNOTATION}: declared'`,
          'mount the secret from an ExternalSecret instead of reading it through the API',
        ),
      );
    });
  },
);

export const RBAC_NO_ESCALATION = perRoleEntryRule(
  {
    id: 'RBAC-NO-ESCALATION',
    severity: 'error',
    title: 'Roles do not grant escalate, bind or impersonate',
    rationale: 'These verbs let the holder give itself permissions beyond its role.',
    source: 'CIS Kubernetes Benchmark 5.1.8',
    fix: 'Remove the verb; grant the permissions the subject needs directly.',
    helpUri: CIS_URI,
  },
  (entry, at, report) => {
    asArray(entry?.verbs).forEach((verb: unknown, j: number) => {
      if (typeof verb !== 'string' || !ESCALATION_VERBS.includes(verb)) return;
      report(
        violation(
          `${at}.verbs[${j}]`,
          verb,
          'must not be escalate, bind or impersonate',
          'it lets the holder grant itself permissions beyond this role',
        ),
      );
    });
  },
);

/** A resource and the verbs on it that a rule refuses, in one API group. */
interface Grant {
  readonly group: string;
  readonly resource: string;
  /** The verbs that give the power; `'*'` always counts. */
  readonly verbs: readonly string[];
  /** What the grant lets the holder do, completing "it lets the holder …". */
  readonly power: string;
}

/**
 * A rule that reports every `rules[i].resources[j]` of a Role or ClusterRole that names one of
 * `grants` in an API group the entry covers (`''`, the group, or `'*'`) with one of its verbs (or
 * `'*'`); `fix` ends each finding. Wildcard resources are RBAC-NO-WILDCARD's.
 */
function grantRule(info: RuleInfo, grants: readonly Grant[], fix: string): PolicyRule {
  return perRoleEntryRule(info, (entry, at, report) => {
    const groups = asArray(entry?.apiGroups);
    const verbs = asArray(entry?.verbs).filter((v): v is string => typeof v === 'string');
    asArray(entry?.resources).forEach((resource: unknown, j: number) => {
      const grant = grants.find((g) => g.resource === resource && (groups.includes(g.group) || groups.includes('*')));
      if (!grant) return;
      const given = verbs.filter((v) => v === '*' || grant.verbs.includes(v));
      if (given.length === 0) return;
      report(
        violation(
          `${at}.resources[${j}]`,
          resource,
          `must not be granted with ${given.join(', ')}: it lets the holder ${grant.power}`,
          fix,
        ),
      );
    });
  });
}

/** Workload kinds whose creation runs pods: every one of them can mount any ServiceAccount and Secret of the namespace. */
const WORKLOAD_RESOURCES: readonly Grant[] = [
  ['', 'pods'],
  ['', 'replicationcontrollers'],
  ['apps', 'deployments'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
].map(([group, resource]) => ({
  group,
  resource,
  verbs: ['create'],
  power: 'run any image as any ServiceAccount of the namespace, with its Secrets mounted',
}));

/** What exec, attach and port-forward let the holder do. */
const INTO_PODS = 'run commands in, attach to or connect to the pods of the namespace, with their tokens and secrets';

export const RBAC_NO_POD_EXEC = grantRule(
  {
    id: 'RBAC-NO-POD-EXEC',
    severity: 'error',
    title: 'Roles do not open a shell, attach or port-forward into pods',
    rationale:
      "Exec, attach, port-forward and ephemeral containers reach inside running pods: their processes, tokens, mounted secrets and unexposed ports. In Kubernetes 1.28 both 'create' (SPDY) and 'get' (WebSocket) open exec, attach and port-forward.",
    source: 'Kubernetes RBAC good practices, "Escalation risks"; CIS Kubernetes Benchmark 5.1 (least privilege)',
    fix: 'Remove the resource from the role; grant debugging access just in time through a break-glass role outside the manifests.',
    helpUri: CIS_URI,
  },
  [
    { group: '', resource: 'pods/exec', verbs: ['create', 'get'], power: INTO_PODS },
    { group: '', resource: 'pods/attach', verbs: ['create', 'get'], power: INTO_PODS },
    { group: '', resource: 'pods/portforward', verbs: ['create', 'get'], power: INTO_PODS },
    {
      group: '',
      resource: 'pods/ephemeralcontainers',
      verbs: ['update', 'patch'],
      power: 'add a debug container with any image to a running pod',
    },
  ],
  'use a break-glass role outside the manifests for debugging',
);

export const RBAC_NO_WORKLOAD_CREATE = grantRule(
  {
    id: 'RBAC-NO-WORKLOAD-CREATE',
    severity: 'error',
    title: 'Roles do not create pods or workloads',
    rationale:
      'Whoever creates a pod, or a workload that makes pods, can run it as any ServiceAccount of the namespace and read every Secret it mounts.',
    source: 'Kubernetes RBAC good practices, "Workload creation"; CIS Kubernetes Benchmark 5.1.4',
    fix: 'Deploy workloads through GitOps (Argo CD) instead of granting create; remove the verb from the role.',
    helpUri: CIS_URI,
  },
  WORKLOAD_RESOURCES,
  'deploy workloads through Argo CD instead',
);

export const RBAC_NO_TOKEN_CREATE = grantRule(
  {
    id: 'RBAC-NO-TOKEN-CREATE',
    severity: 'error',
    title: 'Roles do not mint ServiceAccount tokens',
    rationale: "'create' on serviceaccounts/token issues a token for any ServiceAccount of the namespace, with all of its permissions.",
    source: 'Kubernetes RBAC good practices, "Escalation risks"',
    fix: 'Remove the grant; workloads get their own token projected by the kubelet.',
    helpUri: CIS_URI,
  },
  [{ group: '', resource: 'serviceaccounts/token', verbs: ['create'], power: 'act as any ServiceAccount of the namespace' }],
  'workloads get their own token projected by the kubelet',
);

export const RBAC_NO_NODE_PROXY = grantRule(
  {
    id: 'RBAC-NO-NODE-PROXY',
    severity: 'error',
    title: 'Roles do not reach the kubelet API through nodes/proxy',
    rationale:
      "nodes/proxy reaches the kubelet API directly, which runs commands in any pod of the node and bypasses audit logging and admission control; 'get' alone is enough.",
    source: 'Kubernetes RBAC good practices, "Escalation risks"; CIS Kubernetes Benchmark 5.1',
    fix: "Remove the grant; read node metrics through the metrics API or the kubelet's /metrics scraped by Prometheus.",
    helpUri: CIS_URI,
  },
  [
    {
      group: '',
      resource: 'nodes/proxy',
      verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      power: 'use the kubelet API of every node, which runs commands in any pod',
    },
  ],
  'read node metrics through the metrics API instead',
);

export const RBAC_NO_CLUSTER_ADMIN = perObjectRule(
  {
    id: 'RBAC-NO-CLUSTER-ADMIN',
    severity: 'error',
    title: 'Nothing is bound to cluster-admin',
    rationale: 'cluster-admin is every permission on every object of the cluster.',
    source: 'CIS Kubernetes Benchmark 5.1.1',
    fix: 'Bind a Role with the permissions the subject needs.',
    helpUri: CIS_URI,
  },
  bindings,
  (binding, report) => {
    const ref = binding.manifest.roleRef;
    if (ref?.kind === 'ClusterRole' && ref?.name === 'cluster-admin') {
      report(violation('roleRef.name', ref.name, 'must not be cluster-admin', 'bind a Role with only the permissions needed'));
    }
  },
);

export const RBAC_NO_DEFAULT_SERVICE_ACCOUNT = inputRule(
  {
    id: 'RBAC-NO-DEFAULT-SERVICE-ACCOUNT',
    severity: 'error',
    title: 'Pods and bindings do not use the default service account',
    rationale: "Every pod of a namespace shares the 'default' service account: permissions given to it reach them all.",
    source: 'CIS Kubernetes Benchmark 5.1.5',
    fix: "Give each workload its own ServiceAccount and set 'serviceAccountName'.",
    helpUri: CIS_URI,
  },
  (ctx, report) => {
    for (const pod of ctx.pods) {
      const name = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
      if (name === undefined || name === '' || name === 'default') {
        report(
          pod.object,
          violation(`${pod.specPath}.serviceAccountName`, name, "must name the workload's own ServiceAccount, not 'default'"),
        );
      }
    }
    for (const binding of bindings(ctx)) {
      asArray(binding.manifest.subjects).forEach((subject: any, i: number) => {
        if (subject?.kind === 'ServiceAccount' && subject?.name === 'default') {
          report(
            binding,
            violation(
              `subjects[${i}].name`,
              subject.name,
              "must not be the 'default' ServiceAccount",
              'every pod without its own ServiceAccount would get these permissions',
            ),
          );
        }
      });
    }
  },
);

export const RBAC_TOKEN_AUTOMOUNT = inputRule(
  {
    id: 'RBAC-TOKEN-AUTOMOUNT',
    severity: 'warning',
    title: 'API tokens are mounted only where they are used',
    rationale: 'A mounted token whose account has no role is of use only to an attacker in the pod.',
    source: 'CIS Kubernetes Benchmark 5.1.6',
    fix: "Set 'automountServiceAccountToken: false' on the pod or its ServiceAccount, unless the pod calls the Kubernetes API.",
    helpUri: CIS_URI,
  },
  (ctx, report, skip) => {
    const bound = new Set<string>();
    for (const binding of bindings(ctx)) {
      for (const subject of asArray(binding.manifest.subjects)) {
        if (subject?.kind !== 'ServiceAccount' || typeof subject?.name !== 'string') continue;
        const ns = subject.namespace ?? (binding.kind === 'RoleBinding' ? ctx.namespaceOf(binding) : undefined);
        if (ns) bound.add(`${ctx.scopeOf(binding, ns)}/${subject.name}`);
      }
    }
    const accounts = new Map(ctx.ofKind('', 'ServiceAccount').map((sa) => [`${ctx.scopeOf(sa)}/${sa.name}`, sa]));
    const unjudged: string[] = [];
    for (const pod of ctx.pods) {
      if (pod.spec.automountServiceAccountToken === false) continue;
      const name = (pod.spec.serviceAccountName ?? pod.spec.serviceAccount) || 'default';
      const id = `${pod.scope}/${name}`;
      const account = accounts.get(id);
      // Without its ServiceAccount the input tells neither whether the account turns mounting off
      // nor which bindings it has: judged where the account is, so that a part of the manifests
      // (one folder, one file) gets the verdict of the whole.
      if (!account) {
        unjudged.push(pod.object.label);
        continue;
      }
      const automount = pod.spec.automountServiceAccountToken ?? account.manifest.automountServiceAccountToken ?? true;
      if (automount !== true || bound.has(id)) continue;
      const own = pod.spec.automountServiceAccountToken;
      report(
        pod.object,
        violation(
          `${pod.specPath}.automountServiceAccountToken`,
          own,
          `should be false: ServiceAccount '${name}' is bound to no role in the manifests`,
          own === undefined ? `the token is mounted by default, and ${account.label} does not turn it off` : undefined,
        ),
      );
    }
    if (unjudged.length > 0) {
      const shown = unjudged.slice(0, 3).join(', ') + (unjudged.length > 3 ? ` and ${unjudged.length - 3} more` : '');
      skip(
        `the ServiceAccounts of ${shown} are not in the manifests, which do not turn token mounting off in the pod: judged with their ServiceAccounts`,
      );
    }
  },
);

/** The RBAC rules. */
export const RBAC_RULES: readonly PolicyRule[] = [
  RBAC_NO_WILDCARD,
  RBAC_NO_SECRET_READ,
  RBAC_NO_ESCALATION,
  RBAC_NO_POD_EXEC,
  RBAC_NO_WORKLOAD_CREATE,
  RBAC_NO_TOKEN_CREATE,
  RBAC_NO_NODE_PROXY,
  RBAC_NO_CLUSTER_ADMIN,
  RBAC_NO_DEFAULT_SERVICE_ACCOUNT,
  RBAC_TOKEN_AUTOMOUNT,
];
