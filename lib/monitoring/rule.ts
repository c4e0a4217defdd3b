/**
 * The rule model: alerting and recording rules as typed values, checked when they are made.
 * Generators return them; a RuleGroupSet renders them into a PrometheusRule.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/
 */
import { PropProblem, throwIfProblems } from '../core/errors';
import { sortedRecord } from '../core/validation';
import { isPromDuration } from './promql';
import { Severity } from './severity';

/** One step of a runbook: what to do, and the exact commands or queries for it. */
export interface RunbookStep {
  /** What the step does and how to read its result. */
  readonly text: string;
  /** Shell commands (kubectl, alp), in order. @default - none */
  readonly commands?: readonly string[];
  /** PromQL queries to run in Prometheus or Grafana Explore. @default - none */
  readonly queries?: readonly string[];
}

/** Options of the rule generators whose runbooks move traffic back to the previous colour. */
export interface SwitchBackOptions {
  /**
   * The command that moves traffic to another colour (a reviewed GitOps change), which the
   * runbooks give `--to "$PREVIOUS_COLOR"`, e.g. `npx alp switch-traffic`.
   * @default - none: the runbooks say to switch back without naming a command
   */
  readonly switchTrafficCommand?: string;
}

/**
 * The step that moves traffic back to the colour that was live before: with `command` (the
 * release tool's switch), the command with `--to "$PREVIOUS_COLOR"`, then `after`; without one,
 * the instruction alone.
 */
export function switchBackStep(text: string, command: string | undefined, ...after: string[]): RunbookStep {
  return command === undefined ? { text } : { text, commands: [`${command} --to "$PREVIOUS_COLOR"`, ...after] };
}

/**
 * The text of an alert's runbook. It describes the alert name, not one service: every rule
 * with the same alert name must carry the same runbook (RuleGroupSet checks it), and commands
 * take the alert's labels as shell variables (`variables`).
 */
export interface Runbook {
  /** What the alert means. */
  readonly meaning: string;
  /** What users or the platform suffer while it fires. */
  readonly impact: string;
  /**
   * Shell variables the commands use, each set from an alert label: `{ NAMESPACE: 'namespace' }`.
   * @default - none
   */
  readonly variables?: Readonly<Record<string, string>>;
  /** How to find the cause. */
  readonly diagnosis: readonly RunbookStep[];
  /** How to stop the impact, then how to fix the cause. */
  readonly mitigation: readonly RunbookStep[];
}

export interface AlertRuleProps {
  /** Alert name, CamelCase (`ErrorBudgetBurn`); also the runbook's file name. */
  readonly alert: string;
  /** PromQL expression; every result series is an alert. Checked for syntax at synth. */
  readonly expr: string;
  /**
   * How long the expression must hold before the alert fires, as a Prometheus duration.
   * @default - fires at the first evaluation that matches
   */
  readonly for?: string;
  /** The `severity` label, which decides the route. */
  readonly severity: Severity;
  /** `summary` annotation: one line, may use `{{ $labels.x }}` and `{{ $value }}`. */
  readonly summary: string;
  /** `description` annotation: what is wrong and where to look first. */
  readonly description: string;
  /**
   * Extra labels (e.g. `service`); `severity` is set from `severity` and may not be given here.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** The runbook that `runbook_url` points at. */
  readonly runbook: Runbook;
}

export interface RecordingRuleProps {
  /** Name of the recorded series, `level:metric:operations` (e.g. `service:http_requests:rate5m`). */
  readonly record: string;
  /** PromQL expression; checked for syntax at synth. */
  readonly expr: string;
  /** Labels added to the recorded series. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;
const RECORD_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** An alerting rule. */
export class AlertRule {
  public readonly kind = 'alert' as const;
  public readonly alert: string;
  public readonly expr: string;
  public readonly for?: string;
  public readonly severity: Severity;
  public readonly summary: string;
  public readonly description: string;
  /** Labels of the rule without `severity`, sorted by name. */
  public readonly labels: Readonly<Record<string, string>>;
  public readonly runbook: Runbook;

  constructor(props: AlertRuleProps) {
    const problems: PropProblem[] = [];
    if (typeof props.alert !== 'string' || !ALERT_NAME.test(props.alert)) {
      problems.push({
        prop: 'alert',
        value: props.alert,
        rule: 'must be a CamelCase name of letters and digits, such as "ErrorBudgetBurn"',
        fix: "it is also the runbook's file name",
      });
    }
    if (props.for !== undefined && !isPromDuration(props.for)) {
      problems.push({ prop: 'for', value: props.for, rule: 'must be a Prometheus duration such as "5m" or "1h"' });
    }
    if (!(props.severity instanceof Severity)) {
      problems.push({ prop: 'severity', value: props.severity, rule: 'must be a Severity, e.g. Severity.page()' });
    }
    for (const prop of ['summary', 'description'] as const) {
      if (typeof props[prop] !== 'string' || props[prop].trim() === '')
        problems.push({ prop, value: props[prop], rule: 'must not be empty' });
    }
    problems.push(...labelProblems(props.labels, ['severity']));
    problems.push(...runbookProblems(props.runbook));
    throwIfProblems(`AlertRule '${props.alert}'`, problems);

    this.alert = props.alert;
    this.expr = props.expr;
    this.for = props.for;
    this.severity = props.severity;
    this.summary = props.summary;
    this.description = props.description;
    this.labels = sortedRecord(props.labels ?? {});
    this.runbook = props.runbook;
  }

  /** The rule's name: its alert name. */
  public get name(): string {
    return this.alert;
  }
}

/** A recording rule. */
export class RecordingRule {
  public readonly kind = 'record' as const;
  public readonly record: string;
  public readonly expr: string;
  /** Labels added to the series, sorted by name. */
  public readonly labels: Readonly<Record<string, string>>;

  constructor(props: RecordingRuleProps) {
    const problems: PropProblem[] = [];
    if (typeof props.record !== 'string' || !RECORD_NAME.test(props.record)) {
      problems.push({ prop: 'record', value: props.record, rule: 'must be a metric name such as "service:http_requests:rate5m"' });
    }
    problems.push(...labelProblems(props.labels, []));
    throwIfProblems(`RecordingRule '${props.record}'`, problems);
    this.record = props.record;
    this.expr = props.expr;
    this.labels = sortedRecord(props.labels ?? {});
  }

  /** The rule's name: the recorded series. */
  public get name(): string {
    return this.record;
  }
}

/** An alerting or a recording rule. */
export type Rule = AlertRule | RecordingRule;

/** The alerting rules among `rules`. */
export function alertsOf(rules: readonly Rule[]): AlertRule[] {
  return rules.filter((r): r is AlertRule => r.kind === 'alert');
}

function labelProblems(labels: Readonly<Record<string, string>> | undefined, reserved: readonly string[]): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const [name, value] of Object.entries(labels ?? {})) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      problems.push({
        prop: `labels.${name}`,
        value,
        rule: 'must have a label name of letters, digits and "_" that does not start with "__"',
      });
    } else if (reserved.includes(name)) {
      problems.push({ prop: `labels.${name}`, value, rule: 'must not be set here', fix: `'${name}' comes from its own prop` });
    } else if (typeof value !== 'string' || value === '') {
      problems.push({ prop: `labels.${name}`, value, rule: 'must be a non-empty string' });
    }
  }
  return problems;
}

function runbookProblems(runbook: Runbook | undefined): PropProblem[] {
  if (!runbook || typeof runbook !== 'object')
    return [{ prop: 'runbook', value: runbook, rule: 'must be set', fix: 'every alert needs a runbook' }];
  const problems: PropProblem[] = [];
  for (const prop of ['meaning', 'impact'] as const) {
    if (typeof runbook[prop] !== 'string' || runbook[prop].trim() === '')
      problems.push({ prop: `runbook.${prop}`, value: runbook[prop], rule: 'must not be empty' });
  }
  for (const prop of ['diagnosis', 'mitigation'] as const) {
    if (!Array.isArray(runbook[prop]) || runbook[prop].length === 0)
      problems.push({ prop: `runbook.${prop}`, value: runbook[prop], rule: 'must list at least one step' });
  }
  return problems;
}
