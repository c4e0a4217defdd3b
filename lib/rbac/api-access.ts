import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ApiAccessRule, apiAccessRuleProblems, PropProblem, SECRET_ACCESS_ANNOTATION, throwIfProblems } from '../core';
import { apiGrantProblems } from './api-grants';
import { problemsOf, rfc1123LabelProblem } from '../core/validation';
import { RBAC_API_GROUP, resolveNamespace, toPolicyRule } from './_policy';

export interface ServiceApiAccessProps {
  /** The ServiceAccount granted the access (in `namespace`); also names the Role and RoleBinding `<serviceAccountName>-api`. */
  readonly serviceAccountName: string;
  /**
   * The rules, rendered in the order given; inside each rule every list is deduplicated and
   * sorted, so that reordering a list does not change the output.
   */
  readonly rules: readonly ApiAccessRule[];
  /**
   * Allow rules that touch `secrets` (or a `secrets/…` subresource). A service normally gets
   * its secrets mounted from an ExternalSecret, not read through the API.
   * @default false
   */
  readonly allowSecretAccess?: boolean;
  /**
   * Namespace of the Role, the RoleBinding and the ServiceAccount.
   * @default - the chart's namespace; one of the two must be set
   */
  readonly namespace?: string;
  /** Labels of the Role and RoleBinding. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * Least-privilege Kubernetes API access for one service: a Role with exactly the declared
 * rules and a RoleBinding of it to the service's ServiceAccount, both named
 * `<serviceAccountName>-api`. Wildcards, privilege-escalation verbs, the resources that act as
 * another pod, service account or node (`FORBIDDEN_API_RESOURCES`: pods/exec, pods/attach,
 * pods/portforward, serviceaccounts/token, nodes/proxy, …), creating pods and (unless allowed)
 * secrets are refused, every problem at once.
 *
 * @see https://kubernetes.io/docs/concepts/security/rbac-good-practices/
 */
export class ServiceApiAccess extends Construct {
  /** Name of the Role and the RoleBinding. */
  public readonly name: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly role: ApiObject;
  public readonly roleBinding: ApiObject;
  private readonly _rules: ApiAccessRule[];
  private secretAccessDeclared: boolean;

  constructor(scope: Construct, id: string, props: ServiceApiAccessProps) {
    super(scope, id);
    const problems: PropProblem[] = problemsOf(rfc1123LabelProblem('serviceAccountName', props.serviceAccountName));
    this.namespace = resolveNamespace(this, props.namespace, problems);
    problems.push(...apiAccessRuleProblems(props.rules, props.allowSecretAccess ?? false));
    if (Array.isArray(props.rules)) problems.push(...apiGrantProblems(props.rules));
    throwIfProblems(this, problems);

    this.serviceAccountName = props.serviceAccountName;
    this.name = `${props.serviceAccountName}-api`;
    this._rules = props.rules.map(toPolicyRule);
    const metadata = { name: this.name, namespace: this.namespace, labels: props.labels };

    // A Role that reads Secrets says so, so that the policy check sees the access was asked for.
    this.secretAccessDeclared = props.allowSecretAccess ?? false;
    const roleMetadata = this.secretAccessDeclared ? { ...metadata, annotations: { [SECRET_ACCESS_ANNOTATION]: 'declared' } } : metadata;
    // Rendered at synth: grants (`addRules`) may add rules after construction.
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: roleMetadata,
      rules: Lazy.any({ produce: () => this._rules.map(toPolicyRule) }),
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: RBAC_API_GROUP, kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: props.serviceAccountName, namespace: this.namespace }],
    });
  }

  /**
   * Adds rules after the ones given (a grant's): refused, every problem at once, on the same
   * terms as the props' rules. `allowSecretAccess` declares the Role's Secret access, as the prop does.
   * @param allowSecretAccess @default false
   */
  public addRules(rules: readonly ApiAccessRule[], allowSecretAccess = false): this {
    const all = [...this._rules, ...rules];
    const declared = this.secretAccessDeclared || allowSecretAccess;
    throwIfProblems(this, [...apiAccessRuleProblems(all, declared), ...apiGrantProblems(all)]);
    if (declared && !this.secretAccessDeclared) this.role.metadata.addAnnotation(SECRET_ACCESS_ANNOTATION, 'declared');
    this.secretAccessDeclared = declared;
    this._rules.push(...rules.map(toPolicyRule));
    return this;
  }

  /** The rendered rules: lists deduplicated and sorted (a copy). */
  public get rules(): ApiAccessRule[] {
    return this._rules.map(toPolicyRule);
  }
}
