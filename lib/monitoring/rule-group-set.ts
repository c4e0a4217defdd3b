import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpec, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { LABEL_NAME, PropProblem, throwIfProblems } from '../core';
import { isPromDuration, promQlSyntaxError } from './promql';
import { AlertRule, Rule } from './rule';
import { DNS_1035_LABEL as DNS_LABEL, dns1035LabelProblem, problemsOf } from '../core/validation';

export interface RuleGroupSetProps {
  /**
   * The component the rules belong to, a DNS label (a service's name, or `platform`,
   * `business`, `security`): the rule group is `<component>.rules`.
   */
  readonly component: string;
  /**
   * Where the runbooks are published, without a trailing slash: every alert gets
   * `runbook_url: <runbookBaseUrl>/<alert>.md` (the files `renderRunbook` writes to
   * `dist/runbooks/`), e.g. `https://github.com/example/shop-gitops/blob/main/dist/runbooks`.
   */
  readonly runbookBaseUrl: string;
  /** The rules. More can be added with `addRules`. @default - none */
  readonly rules?: readonly Rule[];
  /**
   * Name of the PrometheusRule.
   * @default - `<component>-rules`
   */
  readonly name?: string;
  /**
   * Labels of the PrometheusRule; `app.kubernetes.io/name: <component>` is always added (the
   * policy's completeness check finds a service's rules by it).
   * @default - only the name label
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Evaluation interval of the group, as a Prometheus duration.
   * @default - Prometheus's global evaluation interval
   */
  readonly interval?: string;
  /**
   * The `namespace` label every alert of the group carries: the namespace whose
   * AlertmanagerConfig routes it. Under the Prometheus Operator's default matcher strategy
   * (`OnNamespace`) an AlertmanagerConfig sees only the alerts labelled with its own namespace, so
   * an alert labelled with a service's namespace, or with none, never reaches the platform's
   * routes. The namespace the alert is about (its series' `namespace` label, when there is one)
   * moves to `source_namespace`.
   * @default - the namespace of the chart the PrometheusRule is in (none: the alerts keep their series' namespace)
   */
  readonly alertNamespace?: string;
}

/**
 * The label that keeps the namespace an alert is about (its series' `namespace` label) when
 * RuleGroupSet sets `namespace` to the namespace that routes the alert.
 */
export const SOURCE_NAMESPACE_LABEL = 'source_namespace';

const RULE_GROUP_SET = Symbol.for('alp-deploy.RuleGroupSet');
const BASE_URL = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;

/**
 * One component's alerting and recording rules as one `PrometheusRule` (monitoring.coreos.com/v1)
 * with one group, `<component>.rules`, recording rules first. Alerts get the `severity` label and
 * the `summary`, `description` and `runbook_url` annotations.
 *
 * Checked at synth (all problems at once): every expression parses as PromQL
 * (`@prometheus-io/lezer-promql`); no two rules produce the same series; alerts that share a name
 * share a runbook.
 *
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 */
export class RuleGroupSet extends Construct {
  /** Whether `x` is a RuleGroupSet (works across copies of this module). */
  public static isRuleGroupSet(x: unknown): x is RuleGroupSet {
    return typeof x === 'object' && x !== null && RULE_GROUP_SET in x;
  }

  /** Every RuleGroupSet under `scope` (e.g. an App), in construct-tree order. */
  public static allIn(scope: IConstruct): RuleGroupSet[] {
    return scope.node.findAll().filter((c): c is RuleGroupSet => RuleGroupSet.isRuleGroupSet(c));
  }

  public readonly component: string;
  /** The rule group's name: `<component>.rules`. */
  public readonly groupName: string;
  public readonly runbookBaseUrl: string;
  /** The `namespace` label of the alerts (see `RuleGroupSetProps.alertNamespace`), if any. */
  public readonly alertNamespace?: string;
  public readonly resource: ApiObject;
  private readonly _rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: RuleGroupSetProps) {
    super(scope, id);
    throwIfProblems(this, groupProblems(props));
    Object.defineProperty(this, RULE_GROUP_SET, { value: true });
    this.component = props.component;
    this.groupName = `${props.component}.rules`;
    this.runbookBaseUrl = props.runbookBaseUrl.replace(/\/+$/, '');
    this.alertNamespace = props.alertNamespace ?? Chart.of(this).namespace;
    this.resource = new PrometheusRule(this, 'Resource', {
      metadata: { name: props.name ?? `${props.component}-rules`, labels: { ...props.labels, [LABEL_NAME]: props.component } },
      spec: Lazy.any({ produce: () => this.renderSpec(props.interval) }),
    });
    this.addRules(...(props.rules ?? []));
    this.node.addValidation({ validate: () => this.validateRules() });
  }

  /** Adds rules to the group. */
  public addRules(...rules: Rule[]): this {
    this._rules.push(...rules);
    return this;
  }

  /** The rules, recording rules first, each kind in the order added. */
  public get rules(): Rule[] {
    return [...this._rules.filter((r) => r.kind === 'record'), ...this._rules.filter((r) => r.kind === 'alert')];
  }

  /** The alerting rules. */
  public get alerts(): AlertRule[] {
    return this._rules.filter((r): r is AlertRule => r.kind === 'alert');
  }

  /** The `runbook_url` of an alert. */
  public runbookUrl(alert: string): string {
    return `${this.runbookBaseUrl}/${alert}.md`;
  }

  // The binding converts the resolved spec from its props shape, so the spec is written in it.
  private renderSpec(interval: string | undefined): PrometheusRuleSpec {
    return {
      groups: [
        {
          name: this.groupName,
          interval,
          rules: this.rules.map((rule) =>
            rule.kind === 'record'
              ? { record: rule.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr), labels: nonEmpty(rule.labels) }
              : {
                  alert: rule.alert,
                  expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
                  for: rule.for,
                  labels: { ...rule.labels, ...this.routingLabels(), severity: rule.severity.label },
                  annotations: { description: rule.description, runbook_url: this.runbookUrl(rule.alert), summary: rule.summary },
                },
          ),
        },
      ],
    };
  }

  // Prometheus expands label templates against the series' own labels and drops a label whose
  // value expands to '' (an alert whose series has no namespace gets no source_namespace).
  private routingLabels(): Record<string, string> {
    if (this.alertNamespace === undefined) return {};
    return { namespace: this.alertNamespace, [SOURCE_NAMESPACE_LABEL]: '{{ $labels.namespace }}' };
  }

  private validateRules(): string[] {
    const errors: string[] = [];
    const seen = new Map<string, string>();
    const runbooks = new Map<string, string>();
    for (const rule of this.rules) {
      const what = `${rule.kind === 'alert' ? 'alert' : 'recording rule'} '${rule.name}' in group '${this.groupName}'`;
      const syntax = typeof rule.expr === 'string' ? promQlSyntaxError(rule.expr) : { description: 'it is not a string' };
      if (syntax) errors.push(`${what}: 'expr' (${JSON.stringify(rule.expr)}) must be valid PromQL; syntax error ${syntax.description}`);
      const identity = `${rule.name}${JSON.stringify(rule.labels)}${rule.kind === 'alert' ? rule.severity.label : ''}`;
      if (seen.has(identity))
        errors.push(`${what}: duplicates another rule with the same name and labels; give it distinguishing labels or remove it`);
      seen.set(identity, what);
      if (rule.kind === 'alert') {
        const runbook = JSON.stringify(rule.runbook);
        if (runbooks.has(rule.alert) && runbooks.get(rule.alert) !== runbook) {
          errors.push(`${what}: has a different runbook than another '${rule.alert}' rule; alerts with one name share one runbook file`);
        }
        runbooks.set(rule.alert, runbook);
      }
    }
    return errors;
  }
}

function groupProblems(props: RuleGroupSetProps): PropProblem[] {
  const problems = problemsOf(
    dns1035LabelProblem('component', props.component, {
      maxLength: 57,
      rule: 'must be a DNS label of at most 57 characters',
      fix: 'the PrometheusRule is named <component>-rules',
    }),
  );
  if (typeof props.runbookBaseUrl !== 'string' || !BASE_URL.test(props.runbookBaseUrl)) {
    problems.push({
      prop: 'runbookBaseUrl',
      value: props.runbookBaseUrl,
      rule: 'must be an http(s) URL such as "https://git.example.com/shop/blob/main/dist/runbooks"',
    });
  }
  if (props.alertNamespace !== undefined && (typeof props.alertNamespace !== 'string' || !DNS_LABEL.test(props.alertNamespace))) {
    problems.push({ prop: 'alertNamespace', value: props.alertNamespace, rule: 'must be a namespace name (a DNS label)' });
  }
  if (props.interval !== undefined && !isPromDuration(props.interval)) {
    problems.push({ prop: 'interval', value: props.interval, rule: 'must be a Prometheus duration such as "30s" or "1m"' });
  }
  return problems;
}

function nonEmpty(record: Readonly<Record<string, string>>): Record<string, string> | undefined {
  return Object.keys(record).length === 0 ? undefined : { ...record };
}
