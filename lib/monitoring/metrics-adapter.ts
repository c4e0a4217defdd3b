import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as yaml from 'js-yaml';
import {
  AdapterConfig,
  adapterConfigFor,
  AdapterRule,
  AdapterRuleRequest,
  METRICS_ADAPTER_CONFIG_KEY,
  METRICS_ADAPTER_CONFIG_LABEL,
  METRICS_ADAPTER_CONFIG_NAME,
  PROMETHEUS_ADAPTER,
} from '../autoscaling';
import { LABEL_COMPONENT, LABEL_NAME, PropProblem, throwIfProblems } from '../core';
import { isPromDuration, promQlSyntaxError } from './promql';

export interface MetricsAdapterConfigProps {
  /** The custom and external metrics the HPAs scale on, each with the namespaces of those HPAs. */
  readonly metrics: readonly AdapterRuleRequest[];
  /**
   * Name of the ConfigMap: install prometheus-adapter in the same namespace with
   * `rules.existing` set to it.
   * @default METRICS_ADAPTER_CONFIG_NAME ('prometheus-adapter-config')
   */
  readonly name?: string;
  /**
   * The range of `rate()` for metrics served as a rate (`<base>_per_second` from `<base>_total`),
   * as a Prometheus duration: at least four scrape intervals.
   * @default '2m'
   */
  readonly rateWindow?: string;
}

/**
 * prometheus-adapter's configuration as a ConfigMap (key `config.yaml`), generated from the
 * metrics the HPAs scale on: a `rules:` entry per `Pods` metric (custom metrics API, per pod) and
 * an `externalRules:` entry per `External` metric (external metrics API, per namespace), each
 * yielding exactly the metric's name (see `adapterRuleFor`). Labelled
 * `alp-deploy.io/metrics-adapter-config: prometheus-adapter`, by which `alp verify` finds it.
 *
 * Checked at synth: every `seriesQuery` is one series selector and every `metricsQuery` is valid
 * PromQL once the adapter fills in its template (`<<.Series>>`, `<<.LabelMatchers>>`, `<<.GroupBy>>`).
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 */
export class MetricsAdapterConfig extends Construct {
  public readonly name: string;
  /** The adapter config, as written to `config.yaml`. */
  public readonly config: AdapterConfig;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: MetricsAdapterConfigProps) {
    super(scope, id);
    const rateWindow = props.rateWindow ?? '2m';
    throwIfProblems(
      this,
      isPromDuration(rateWindow) ? [] : [{ prop: 'rateWindow', value: rateWindow, rule: 'must be a Prometheus duration such as "2m"' }],
    );
    this.name = props.name ?? METRICS_ADAPTER_CONFIG_NAME;
    this.config = adapterConfigFor(props.metrics, { rateWindow });
    throwIfProblems(this, adapterConfigProblems(this.config));
    this.resource = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          [LABEL_NAME]: PROMETHEUS_ADAPTER,
          [LABEL_COMPONENT]: 'metrics-adapter',
          [METRICS_ADAPTER_CONFIG_LABEL]: PROMETHEUS_ADAPTER,
        },
      },
      data: { [METRICS_ADAPTER_CONFIG_KEY]: yaml.dump(this.config, { lineWidth: 0, noRefs: true }) },
    });
  }
}

/** The problems of every rule's queries, as props of the config (`rules[0].metricsQuery`). */
function adapterConfigProblems(config: AdapterConfig): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const list of ['rules', 'externalRules'] as const) {
    (config[list] ?? []).forEach((rule, i) => problems.push(...ruleProblems(rule, `${list}[${i}]`, list === 'rules')));
  }
  return problems;
}

function ruleProblems(rule: AdapterRule, at: string, pods: boolean): PropProblem[] {
  const problems: PropProblem[] = [];
  const selector = promQlSyntaxError(rule.seriesQuery);
  if (selector || !/^[a-zA-Z_:][a-zA-Z0-9_:]*\{[^{}]*\}$/.test(rule.seriesQuery)) {
    problems.push({
      prop: `${at}.seriesQuery`,
      value: rule.seriesQuery,
      rule: `must be one series selector${selector ? `; syntax error ${selector.description}` : ''}`,
    });
  }
  const series = rule.seriesQuery.replace(/\{.*$/, '');
  const filled = rule.metricsQuery
    .replace(/<<\.Series>>/g, series)
    .replace(/<<\.LabelMatchers>>/g, pods ? 'namespace="example",pod=~"example-1|example-2"' : 'namespace="example"')
    .replace(/<<\.GroupBy>>/g, pods ? 'pod' : 'namespace');
  const syntax = promQlSyntaxError(filled);
  const error = /<<|>>/.test(filled)
    ? 'a template field other than .Series, .LabelMatchers and .GroupBy is left'
    : syntax && `syntax error ${syntax.description}`;
  if (error)
    problems.push({
      prop: `${at}.metricsQuery`,
      value: rule.metricsQuery,
      rule: `must be valid PromQL once the adapter fills in its template; ${error}`,
    });
  return problems;
}
