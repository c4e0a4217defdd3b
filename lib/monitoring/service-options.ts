import { PropProblem, throwIfProblems } from '../core/errors';
import { isDns1035Label } from '../core/validation';
import { HttpMetricNames } from './metric-names';
import { LabelMatcher, labelEq, labelIn } from './promql';
import { SwitchBackOptions } from './rule';

/** Which service the rules and dashboards are about, and where it runs. */
export interface ServiceSignalOptions extends SwitchBackOptions {
  /**
   * The service's name: its Kubernetes Service (the `service` label that scraping adds), its
   * Deployment, HorizontalPodAutoscaler, PodDisruptionBudget and container (as HardenedService
   * names them all).
   */
  readonly service: string;
  /**
   * The namespaces its pods run in: both colours' (e.g. `shop-blue`, `shop-green`). The SLO is
   * computed over all of them together, which is what users see whichever colour is live.
   */
  readonly namespaces: readonly string[];
  /**
   * Names of its HTTP metrics.
   * @default - `http_requests_total` with a `code` label, `http_request_duration_seconds`
   */
  readonly metrics?: HttpMetricNames;
}

/** The problems of the service and namespaces options. */
export function serviceOptionProblems(options: ServiceSignalOptions): PropProblem[] {
  const problems: PropProblem[] = [];
  if (!isDns1035Label(options.service)) {
    problems.push({ prop: 'service', value: options.service, rule: 'must be a DNS label (lowercase letters, digits, "-")' });
  }
  problems.push(...namespaceProblems(options.namespaces));
  return problems;
}

/** The problems of a namespaces option. */
export function namespaceProblems(namespaces: readonly string[] | undefined): PropProblem[] {
  if (!Array.isArray(namespaces) || namespaces.length === 0) {
    const fix = "list the colours' namespaces, e.g. shop-blue and shop-green";
    return [{ prop: 'namespaces', value: namespaces, rule: 'must list at least one namespace', fix }];
  }
  return namespaces.flatMap((ns, i) =>
    isDns1035Label(ns, Infinity) ? [] : [{ prop: `namespaces[${i}]`, value: ns, rule: 'must be a namespace name (a DNS label)' }],
  );
}

/** Throws one error for a generator function, one line per problem: `<fn>: '<prop>' (<value>) must …`. */
export function throwOptionProblems(fn: string, problems: readonly PropProblem[]): void {
  throwIfProblems(fn, problems, 'options');
}

/** Matchers for the service's own series (`service` and `namespace`, as scraping labels them). */
export function serviceMatchers(options: ServiceSignalOptions): LabelMatcher[] {
  return [labelEq('service', options.service), labelIn('namespace', options.namespaces)];
}

/**
 * Matchers for kube-state-metrics and cAdvisor series of the service's objects: `label` names
 * the object (`deployment`, `container`, `horizontalpodautoscaler`, `poddisruptionbudget`).
 */
export function objectMatchers(options: ServiceSignalOptions, label: string): LabelMatcher[] {
  return [labelIn('namespace', options.namespaces), labelEq(label, options.service)];
}
