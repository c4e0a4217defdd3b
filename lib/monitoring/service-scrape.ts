import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitor-monitoring.coreos.com';
import { AlpError, formatProblem, LABEL_COLOR, LABEL_NAME, LABEL_VERSION, PropProblem, throwIfProblems } from '../core';
import { HardenedService } from '../workload';
import { COLOR_LABEL, VERSION_LABEL } from './metric-names';
import { durationSeconds, isPromDuration } from './promql';
import { DNS_1035_LABEL as DNS_LABEL, RFC_1123_LABEL as PORT_NAME } from '../core/validation';

/** How to scrape, for `ServiceScrape.forService`. */
export interface ServiceScrapeOptions {
  /**
   * Name of the Service port that serves the metrics.
   * @default 'metrics'
   */
  readonly port?: string;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval, as a Prometheus duration.
   * @default '30s'
   */
  readonly interval?: string;
  /**
   * Scrape timeout, at most `interval`.
   * @default '10s'
   */
  readonly scrapeTimeout?: string;
  /** Extra labels of the ServiceMonitor object. @default - none */
  readonly labels?: Record<string, string>;
}

export interface ServiceScrapeProps extends ServiceScrapeOptions {
  /** Name of the ServiceMonitor (usually the service's name). */
  readonly name: string;
  /** Labels of the Service(s) to scrape. */
  readonly selector: Record<string, string>;
  /**
   * The namespace of the Service(s); the ServiceMonitor's `namespaceSelector` names exactly it.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * A ServiceMonitor (monitoring.coreos.com/v1) that scrapes a service's `metrics` port over plain
 * HTTP inside the cluster (the mesh's mutual TLS encrypts it; TLS verification is never turned
 * off, `insecureSkipVerify` is not set). Its `namespaceSelector` names exactly the service's
 * namespace. Every series gets the pod's colour and version as the `color` and `version`
 * labels, from the pod labels `alp-deploy.io/color` and `app.kubernetes.io/version`.
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
 */
export class ServiceScrape extends Construct {
  /** A ServiceScrape of a HardenedService's `metrics` port, in its namespace. */
  public static forService(
    scope: Construct,
    id: string,
    service: HardenedService,
    options: ServiceScrapeOptions & { readonly namespace?: string } = {},
  ): ServiceScrape {
    if (service.metricsPort === undefined) {
      const problem = {
        prop: 'metricsPort',
        value: undefined,
        rule: `must be set on HardenedService '${service.name}' to scrape it`,
        fix: 'give the service a metrics port',
      };
      throw new AlpError(`${scope.node.path}/${id}: ${formatProblem(problem)}`);
    }
    return new ServiceScrape(scope, id, { ...options, name: service.name, selector: service.selector });
  }

  public readonly name: string;
  /** The namespace whose Services are scraped. */
  public readonly namespace: string;
  public readonly interval: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceScrapeProps) {
    super(scope, id);
    const namespace = props.namespace ?? Chart.of(this).namespace;
    const interval = props.interval ?? '30s';
    const timeout = props.scrapeTimeout ?? '10s';
    throwIfProblems(this, scrapeProblems(props, namespace, interval, timeout));
    this.name = props.name;
    this.namespace = namespace!;
    this.interval = interval;

    this.resource = new ServiceMonitor(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels, [LABEL_NAME]: props.name } },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        namespaceSelector: { matchNames: [namespace!] },
        endpoints: [
          {
            port: props.port ?? 'metrics',
            path: props.path ?? '/metrics',
            scheme: ServiceMonitorSpecEndpointsScheme.HTTP,
            interval,
            scrapeTimeout: timeout,
            honorLabels: false,
            relabelings: [podLabel(LABEL_COLOR, COLOR_LABEL), podLabel(LABEL_VERSION, VERSION_LABEL)],
          },
        ],
      },
    });
  }
}

/** Copies a pod label onto the target (and so onto every series) as `target`. */
function podLabel(podLabelName: string, target: string) {
  return {
    action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
    sourceLabels: [`__meta_kubernetes_pod_label_${podLabelName.replace(/[^a-zA-Z0-9_]/g, '_')}`],
    targetLabel: target,
  };
}

function scrapeProblems(props: ServiceScrapeProps, namespace: string | undefined, interval: string, timeout: string): PropProblem[] {
  const problems: PropProblem[] = [];
  if (typeof props.name !== 'string' || !DNS_LABEL.test(props.name) || props.name.length > 63) {
    problems.push({ prop: 'name', value: props.name, rule: 'must be a DNS label' });
  }
  if (!props.selector || Object.keys(props.selector).length === 0) {
    problems.push({
      prop: 'selector',
      value: props.selector,
      rule: 'must name at least one label',
      fix: 'an empty selector would scrape every Service of the namespace',
    });
  }
  if (namespace === undefined) {
    problems.push({
      prop: 'namespace',
      value: namespace,
      rule: 'must be set, here or on the chart',
      fix: "the namespaceSelector names the service's namespace",
    });
  }
  const port = props.port ?? 'metrics';
  if (!PORT_NAME.test(port) || port.length > 15) problems.push({ prop: 'port', value: port, rule: 'must be the name of a Service port' });
  if (props.path !== undefined && !props.path.startsWith('/'))
    problems.push({ prop: 'path', value: props.path, rule: 'must start with "/"' });
  const badInterval = !isPromDuration(interval);
  if (badInterval) problems.push({ prop: 'interval', value: interval, rule: 'must be a Prometheus duration such as "30s"' });
  if (!isPromDuration(timeout)) {
    problems.push({ prop: 'scrapeTimeout', value: timeout, rule: 'must be a Prometheus duration such as "10s"' });
  } else if (!badInterval && durationSeconds(timeout) > durationSeconds(interval)) {
    problems.push({ prop: 'scrapeTimeout', value: timeout, rule: `must not exceed 'interval' (${interval})` });
  }
  return problems;
}
