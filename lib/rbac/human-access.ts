import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PropProblem, throwIfProblems } from '../core';
import { problemsOf, rfc1123LabelProblem } from '../core/validation';
import { RBAC_API_GROUP, resolveNamespace, toPolicyRule, uniqueSorted } from './_policy';
import { ApiAccessRule } from '../core';
import { READ_VERBS } from '../workload/grants';

/**
 * What a viewer may read: the workload objects of the namespace, and nothing else.
 *
 * Never `secrets`. Never `pods/log` either: logs can hold personal data and tokens that a
 * service printed by mistake, so reading them is an operator's right.
 */
export const VIEWER_RULES: readonly ApiAccessRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'endpoints', 'events', 'persistentvolumeclaims', 'pods', 'services'], verbs: READ_VERBS },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets'], verbs: READ_VERBS },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ_VERBS },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ_VERBS },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ_VERBS },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ_VERBS },
];

/**
 * What an operator may do on top of reading: read logs, restart Deployments
 * (`kubectl rollout restart` patches the pod template) and scale them (`kubectl scale` uses
 * the scale subresource).
 *
 * Not granted: `pods/exec`, `pods/attach`, `pods/portforward`, `secrets`, and `delete` of
 * anything, pods included. A rollout restart replaces pods one by one within the rollout
 * strategy, whereas deleting pods bypasses both the strategy and the PodDisruptionBudget
 * (a delete is not an eviction).
 *
 * Caveat: `patch` on deployments can change any field of the pod template (image, volumes,
 * service account), so it is as strong as creating pods in the namespace. Argo CD reverts such
 * drift; an admission policy that limits operators to the restart annotation would close it.
 */
export const OPERATOR_EXTRA_RULES: readonly ApiAccessRule[] = [
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch', 'update'] },
];

export interface HumanAccessRolesProps {
  /**
   * Start of the Role and RoleBinding names: `<prefix>-viewer`, `<prefix>-operator`.
   * @default - the namespace's name
   */
  readonly prefix?: string;
  /** OIDC groups bound to the viewer Role; none means no viewer RoleBinding. */
  readonly viewerGroups: readonly string[];
  /** OIDC groups bound to the operator Role; none means no operator RoleBinding. */
  readonly operatorGroups: readonly string[];
  /**
   * Namespace of the Roles and RoleBindings.
   * @default - the chart's namespace; one of the two must be set
   */
  readonly namespace?: string;
  /** Labels of the Roles and RoleBindings. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * The access people get to one namespace, bound to OIDC groups: a viewer Role
 * (`VIEWER_RULES`) and an operator Role (`VIEWER_RULES` plus `OPERATOR_EXTRA_RULES`), each
 * with one RoleBinding to its groups (sorted; no RoleBinding when there are none).
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects
 */
export class HumanAccessRoles extends Construct {
  public readonly namespace: string;
  public readonly viewerRoleName: string;
  public readonly operatorRoleName: string;
  /** The viewer groups, deduplicated and sorted. */
  public readonly viewerGroups: string[];
  /** The operator groups, deduplicated and sorted. */
  public readonly operatorGroups: string[];
  public readonly viewerRole: ApiObject;
  public readonly operatorRole: ApiObject;
  /** Undefined when `viewerGroups` is empty. */
  public readonly viewerBinding?: ApiObject;
  /** Undefined when `operatorGroups` is empty. */
  public readonly operatorBinding?: ApiObject;

  constructor(scope: Construct, id: string, props: HumanAccessRolesProps) {
    super(scope, id);
    const problems: PropProblem[] = [];
    this.namespace = resolveNamespace(this, props.namespace, problems);
    // Without a namespace there is no default prefix to judge: the namespace's problem says it all.
    const prefix = props.prefix ?? this.namespace;
    if (props.prefix !== undefined || this.namespace !== '') {
      const fix = 'the Role names append "-viewer" and "-operator"';
      problems.unshift(...problemsOf(rfc1123LabelProblem('prefix', prefix, { maxLength: 54, fix })));
    }
    problems.push(...groupProblems('viewerGroups', props.viewerGroups), ...groupProblems('operatorGroups', props.operatorGroups));
    throwIfProblems(this, problems);

    this.viewerRoleName = `${prefix}-viewer`;
    this.operatorRoleName = `${prefix}-operator`;
    this.viewerGroups = uniqueSorted(props.viewerGroups);
    this.operatorGroups = uniqueSorted(props.operatorGroups);
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: props.labels });

    this.viewerRole = new k8s.KubeRole(this, 'Viewer', {
      metadata: metadata(this.viewerRoleName),
      rules: VIEWER_RULES.map(toPolicyRule),
    });
    this.operatorRole = new k8s.KubeRole(this, 'Operator', {
      metadata: metadata(this.operatorRoleName),
      rules: [...VIEWER_RULES, ...OPERATOR_EXTRA_RULES].map(toPolicyRule),
    });

    const bind = (bindingId: string, roleName: string, groups: string[]) =>
      groups.length === 0
        ? undefined
        : new k8s.KubeRoleBinding(this, bindingId, {
            metadata: metadata(roleName),
            roleRef: { apiGroup: RBAC_API_GROUP, kind: 'Role', name: roleName },
            subjects: groups.map((name) => ({ kind: 'Group', apiGroup: RBAC_API_GROUP, name })),
          });
    this.viewerBinding = bind('ViewerBinding', this.viewerRoleName, this.viewerGroups);
    this.operatorBinding = bind('OperatorBinding', this.operatorRoleName, this.operatorGroups);
  }
}

function groupProblems(prop: 'viewerGroups' | 'operatorGroups', groups: readonly string[] | undefined): PropProblem[] {
  if (!Array.isArray(groups)) {
    return [{ prop, value: groups, rule: 'must be a list of OIDC group names', fix: 'pass [] to bind nobody' }];
  }
  const problems: PropProblem[] = [];
  groups.forEach((group, i) => {
    if (typeof group !== 'string' || group.trim() === '') {
      problems.push({ prop: `${prop}[${i}]`, value: group, rule: 'must be a non-empty group name' });
    } else if (group.startsWith('system:')) {
      problems.push({
        prop: `${prop}[${i}]`,
        value: group,
        rule: 'must not be a Kubernetes system group',
        fix: 'system: groups such as system:authenticated hold every user or node of a kind; bind the OIDC group of the team',
      });
    }
  });
  return problems;
}
