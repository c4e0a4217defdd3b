import { Construct } from 'constructs';
import { GoldenSignalOptions, goldenSignalRules } from './golden-signal-rules';
import { RuleGroupSet } from './rule-group-set';
import { SloRuleOptions, sloRules } from './slo-rules';

export interface ServiceRulesProps extends GoldenSignalOptions, SloRuleOptions {
  /** Where the runbooks are published (see RuleGroupSetProps.runbookBaseUrl). */
  readonly runbookBaseUrl: string;
  /** Extra labels of the PrometheusRule. @default - only `app.kubernetes.io/name: <service>` */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A service's complete rule set: one PrometheusRule `<service>-rules` (labelled
 * `app.kubernetes.io/name: <service>`) with the group `<service>.rules`, holding its golden
 * signals (`goldenSignalRules`) and its SLO burn-rate alerts (`sloRules`).
 */
export class ServiceRules extends RuleGroupSet {
  constructor(scope: Construct, id: string, props: ServiceRulesProps) {
    super(scope, id, {
      component: props.service,
      runbookBaseUrl: props.runbookBaseUrl,
      labels: props.labels,
      rules: [...goldenSignalRules(props), ...sloRules(props)],
    });
  }
}
