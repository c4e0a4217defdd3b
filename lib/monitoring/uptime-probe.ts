import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Probe, ProbeSpecProberScheme } from '../../imports/probe-monitoring.coreos.com';
import { LABEL_NAME, PropProblem, throwIfProblems } from '../core';
import { durationSeconds, isPromDuration } from './promql';
import { DNS_1035_LABEL as DNS_LABEL } from '../core/validation';

export interface UptimeProbeProps {
  /** Name of the Probe (e.g. the public service's name). */
  readonly name: string;
  /** The public HTTPS URL to check, e.g. `https://learn.example.com/healthz`. */
  readonly url: string;
  /**
   * The blackbox exporter, as `host:port` (the prober's Service), e.g.
   * `blackbox-exporter.monitoring.svc:9115`.
   */
  readonly proberUrl: string;
  /**
   * The blackbox exporter module.
   * @default 'http_2xx'
   */
  readonly module?: string;
  /**
   * How often to probe, as a Prometheus duration.
   * @default '60s'
   */
  readonly interval?: string;
  /**
   * Probe timeout, at most `interval`.
   * @default '10s'
   */
  readonly scrapeTimeout?: string;
  /** Labels of the Probe object. @default - only `app.kubernetes.io/name: <name>` */
  readonly labels?: Record<string, string>;
}

/**
 * A blackbox probe (monitoring.coreos.com/v1 `Probe`) of one public HTTPS endpoint: Prometheus
 * asks the blackbox exporter to fetch the URL with the `http_2xx` module and records
 * `probe_success`, which `platformHealthRules`' `EndpointDown` alerts on. It checks the path users
 * take (DNS, TLS, the edge gateway, the live colour), which the services' own metrics cannot see.
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Probe
 */
export class UptimeProbe extends Construct {
  public readonly name: string;
  public readonly url: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: UptimeProbeProps) {
    super(scope, id);
    const timing = probeTiming(props);
    throwIfProblems(this, probeProblems(props, timing));
    this.name = props.name;
    this.url = props.url;
    this.resource = new Probe(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels, [LABEL_NAME]: props.name } },
      spec: {
        jobName: 'uptime',
        module: props.module ?? 'http_2xx',
        interval: timing.interval,
        scrapeTimeout: timing.timeout,
        prober: { url: props.proberUrl, scheme: ProbeSpecProberScheme.HTTP, path: '/probe' },
        targets: { staticConfig: { static: [props.url], labels: { probe: props.name } } },
      },
    });
  }
}

const HTTPS_URL = /^https:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?(\/\S*)?$/;
const HOST_PORT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/;

/** How often the probe runs and how long it may take, with their defaults applied. */
function probeTiming(props: UptimeProbeProps): { readonly interval: string; readonly timeout: string } {
  return { interval: props.interval ?? '60s', timeout: props.scrapeTimeout ?? '10s' };
}

function probeProblems(props: UptimeProbeProps, { interval, timeout }: ReturnType<typeof probeTiming>): PropProblem[] {
  const problems: PropProblem[] = [];
  if (typeof props.name !== 'string' || !DNS_LABEL.test(props.name))
    problems.push({ prop: 'name', value: props.name, rule: 'must be a DNS label' });
  if (typeof props.url !== 'string' || !HTTPS_URL.test(props.url)) {
    problems.push({
      prop: 'url',
      value: props.url,
      rule: 'must be an https:// URL with a fully qualified host',
      fix: 'uptime is checked the way users connect, over TLS',
    });
  }
  if (typeof props.proberUrl !== 'string' || !HOST_PORT.test(props.proberUrl)) {
    problems.push({ prop: 'proberUrl', value: props.proberUrl, rule: 'must be host:port such as "blackbox-exporter.monitoring.svc:9115"' });
  }
  if (props.module !== undefined && !/^[a-z0-9_]+$/.test(props.module))
    problems.push({ prop: 'module', value: props.module, rule: 'must be a blackbox exporter module name such as "http_2xx"' });
  const badInterval = !isPromDuration(interval);
  if (badInterval) problems.push({ prop: 'interval', value: interval, rule: 'must be a Prometheus duration such as "60s"' });
  if (!isPromDuration(timeout))
    problems.push({ prop: 'scrapeTimeout', value: timeout, rule: 'must be a Prometheus duration such as "10s"' });
  else if (!badInterval && durationSeconds(timeout) > durationSeconds(interval))
    problems.push({ prop: 'scrapeTimeout', value: timeout, rule: `must not exceed 'interval' (${interval})` });
  return problems;
}
