import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AlertmanagerConfig,
  AlertmanagerConfigSpecInhibitRules,
  AlertmanagerConfigSpecInhibitRulesSourceMatchMatchType,
  AlertmanagerConfigSpecInhibitRulesTargetMatchMatchType,
  AlertmanagerConfigSpecReceivers,
  AlertmanagerConfigSpecRoute,
} from '../../imports/alertmanagerconfig-monitoring.coreos.com';
import { PropProblem, throwIfProblems } from '../core';
import { pascalCase } from '../core/names';
import { ServiceSecret } from '../security';
import { isPromDuration } from './promql';

/** Where a credential lives in the secret store. */
export interface RoutingCredential {
  /** Path of the secret in the store, e.g. `ops/alerting/pagerduty`. */
  readonly remoteKey: string;
  /**
   * Property of the remote secret, and key of the Kubernetes Secret.
   * @default - `routing-key` for PagerDuty, `api-url` for Slack, `url` for the dead man's switch
   */
  readonly key?: string;
}

export interface AlertRoutingProps {
  /** The ClusterSecretStore the credentials are read from (e.g. a VaultSecretStore's name). */
  readonly storeName: string;
  /** The PagerDuty Events API v2 integration (routing) key of the platform's PagerDuty service. */
  readonly pagerDuty: RoutingCredential;
  /** The Slack incoming-webhook URL. */
  readonly slack: RoutingCredential & {
    /** The channel warnings are posted to, e.g. `#ops-alerts`. */
    readonly channel: string;
  };
  /**
   * The dead man's switch (e.g. healthchecks.io, Dead Man's Snitch, PagerDuty's heartbeat): a
   * webhook URL, read from the store, that expects the Watchdog alert every `watchdogInterval` and
   * alarms through its own channel when it stops (Prometheus, Alertmanager or their network down).
   */
  readonly deadMansSwitch: RoutingCredential;
  /**
   * How often the still-firing Watchdog is sent to the dead man's switch; the switch's own period
   * must be longer (its grace time covers one missed call).
   * @default '1m'
   */
  readonly watchdogInterval?: string;
  /**
   * Name of the AlertmanagerConfig; the credential Secrets are `<name>-pagerduty`, `<name>-slack`
   * and `<name>-deadmansswitch`.
   * @default 'alert-routing'
   */
  readonly name?: string;
  /**
   * Labels alerts are grouped by into one notification (one PagerDuty incident).
   * @default ALERT_IDENTITY_LABELS
   */
  readonly groupBy?: readonly string[];
  /**
   * How long to wait for more alerts of a new group before the first notification.
   * @default '30s'
   */
  readonly groupWait?: string;
  /**
   * How long to wait before notifying about new alerts of a group already notified.
   * @default '5m'
   */
  readonly groupInterval?: string;
  /**
   * How often a still-firing `critical` alert is sent to PagerDuty again.
   * @default '1h'
   */
  readonly pageRepeatInterval?: string;
  /**
   * How often a still-firing `warning` alert is posted to Slack again.
   * @default '12h'
   */
  readonly ticketRepeatInterval?: string;
  /**
   * Labels that must be equal for a firing `critical` alert to silence a `warning` one: the
   * alert's name and every label that identifies what it is about (a label absent from both
   * alerts counts as equal), so that one certificate's, service's or database's page never hides
   * another one's ticket. Labels that tell the variants of one alert apart (an SLO alert's
   * `long_window`, `short_window`) must not be listed, or the page would never silence its ticket.
   * @default ALERT_IDENTITY_LABELS
   */
  readonly inhibitEqual?: readonly string[];
  /**
   * Webhooks that alerts of given names are also sent to (e.g. a CI pipeline trigger that acts
   * on them), before and besides their severity's route: each route has `continue: true`.
   * @default - none
   */
  readonly webhooks?: readonly AlertWebhook[];
  /** Labels of every object. @default - none */
  readonly labels?: Record<string, string>;
}

/** A webhook receiver for the alerts of some names; its URL (which may carry a token) comes from the secret store. */
export interface AlertWebhook {
  /** Receiver name, a DNS label (the URL's Secret is `<AlertRouting name>-<receiver>`). */
  readonly receiver: string;
  /** The alert names sent to it. */
  readonly alertnames: readonly string[];
  /** Where the webhook URL lives. @default key - `url` */
  readonly url: RoutingCredential;
  /**
   * Labels the alerts are grouped by into one call.
   * @default ['alertname']
   */
  readonly groupBy?: readonly string[];
  /**
   * How often a still-firing group is sent again (the receiver must treat repeats as no-ops).
   * @default '1h'
   */
  readonly repeatInterval?: string;
  /**
   * Whether resolved alerts are sent too.
   * @default false
   */
  readonly sendResolved?: boolean;
}

/**
 * The labels that identify what an alert is about, as the platform's generated alerts carry
 * them: alerts are grouped by them into one notification (one PagerDuty incident), and a page
 * silences only the ticket that agrees on all of them. Labels that tell the variants of one alert
 * apart (`severity`, `reason`, an SLO alert's `long_window` and `short_window`, an analysis metric's `phase`) are not listed.
 */
export const ALERT_IDENTITY_LABELS: readonly string[] = [
  'alertname',
  'namespace',
  'source_namespace', // the routing namespace; the namespace the alert is about
  'service',
  'pod',
  'container', // a service's workload
  'exported_namespace',
  'name', // a Certificate (in cert-manager's metrics); an APIService's name
  'cluster',
  'schedule',
  'backup_tool',
  'cronjob', // a database, a Velero schedule, the restore drill
  'horizontalpodautoscaler',
  'metric', // autoscaling
  'instance',
  'exporter', // a probed endpoint; an OpenTelemetry collector exporter
  'region',
  'color',
  'application', // a sync hook's analysis: its region, the colour it analysed, its Argo CD Application
];

/** Severity label values that page (kube-prometheus' and the SRE workbook's names). */
export const PAGE_SEVERITIES = 'critical|page';
/** Severity label values that open a ticket. */
export const TICKET_SEVERITIES = 'warning|ticket';

/**
 * Alert routing as an AlertmanagerConfig (monitoring.coreos.com/v1alpha1) plus the
 * ExternalSecrets that bring its credentials from the secret store (no credential is in git):
 *
 * - `severity` `critical` (or `page`) → receiver `pagerduty` (PagerDuty Events v2, routing key
 *   from the Secret), repeated every `pageRepeatInterval`;
 * - `severity` `warning` (or `ticket`) → receiver `slack` (webhook URL from the Secret), repeated
 *   every `ticketRepeatInterval`;
 * - `alertname: Watchdog` → receiver `watchdog`: a webhook to the dead man's switch, every
 *   `watchdogInterval`;
 * - anything else → `slack`, so that no alert is dropped;
 * - grouped by `groupBy`, by default the identity (`ALERT_IDENTITY_LABELS`: two certificates or
 *   two backup schedules are two notifications); a firing `critical` alert inhibits the `warning` alert of the same
 *   identity, `inhibitEqual` (the alert's name and every identifying label: several services
 *   share `ServiceErrorBudgetBurn`, several certificates `CertificateExpiring`, and one's page
 *   must not hide another's ticket).
 *
 * Escalation levels of the production guide:
 * - **L1** (automated monitoring, basic troubleshooting): the rules, Alertmanager, self-healing;
 *   `warning` alerts in Slack, triaged in working hours with the runbooks.
 * - **L2** (on-call engineer for critical issues): `critical` alerts page the on-call engineer
 *   through the PagerDuty service of the routing key (first step of its escalation policy).
 * - **L3** (senior engineer, architect) and **L4** (vendor support, external experts): later
 *   steps of that PagerDuty escalation policy, reached when a page is not acknowledged or the
 *   on-call engineer escalates. They are configured in PagerDuty, not here.
 *
 * Where it takes effect: under the Prometheus Operator's default matcher strategy
 * (`Alertmanager.spec.alertmanagerConfigMatcherStrategy.type: OnNamespace`), the operator adds
 * `namespace="<this object's namespace>"` to the top route and to both sides of every inhibit
 * rule, and sets `continue: true` on the top route: this object routes only the alerts labelled
 * with its own namespace, and every other alert falls through to the global configuration's root
 * receiver. Put it in the namespace of the PrometheusRules (RuleGroupSet labels their alerts
 * `namespace: <its namespace>`, keeping the series' own in `source_namespace`); no Alertmanager
 * setting is needed. With `None`, or `OnNamespaceExceptForAlertmanagerNamespace` (operator
 * v0.84+) and this object in the Alertmanager's namespace, it would route every alert of the cluster.
 *
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 */
export class AlertRouting extends Construct {
  public readonly name: string;
  /** The ExternalSecret (and Secret) holding the PagerDuty routing key. */
  public readonly pagerDutySecret: ServiceSecret;
  /** The ExternalSecret (and Secret) holding the Slack webhook URL. */
  public readonly slackSecret: ServiceSecret;
  /** The ExternalSecret (and Secret) holding the dead man's switch's webhook URL. */
  public readonly deadMansSwitchSecret: ServiceSecret;
  /** The ExternalSecret (and Secret) of each webhook's URL, by receiver. */
  public readonly webhookSecrets: ReadonlyMap<string, ServiceSecret>;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const { name, groupBy, inhibitEqual, timing } = routingSettings(props);
    throwIfProblems(this, routingProblems(props, timing, groupBy, inhibitEqual));
    this.name = name;

    const secret = (secretId: string, suffix: string, credential: RoutingCredential, defaultKey: string): SecretKeyRef => {
      const key = credential.key ?? defaultKey;
      return {
        secret: new ServiceSecret(this, secretId, {
          name: `${name}-${suffix}`,
          storeName: props.storeName,
          remoteKey: credential.remoteKey,
          keys: [key],
          labels: props.labels,
        }),
        key,
      };
    };
    const credentials: RoutingSecrets = {
      pagerDuty: secret('PagerDutySecret', 'pagerduty', props.pagerDuty, 'routing-key'),
      slack: secret('SlackSecret', 'slack', props.slack, 'api-url'),
      deadMansSwitch: secret('DeadMansSwitchSecret', 'deadmansswitch', props.deadMansSwitch, 'url'),
    };
    this.pagerDutySecret = credentials.pagerDuty.secret;
    this.slackSecret = credentials.slack.secret;
    this.deadMansSwitchSecret = credentials.deadMansSwitch.secret;
    const webhooks = (props.webhooks ?? []).map((w) => ({
      webhook: w,
      ref: secret(`${pascalCase(w.receiver)}WebhookSecret`, w.receiver, w.url, 'url'),
    }));
    this.webhookSecrets = new Map(webhooks.map((w) => [w.webhook.receiver, w.ref.secret]));

    this.resource = new AlertmanagerConfig(this, 'Resource', {
      metadata: { name, labels: props.labels },
      spec: {
        route: routeTree(groupBy, timing, props.webhooks ?? []),
        receivers: [...receivers(credentials, props.slack.channel), ...webhooks.map((w) => webhookReceiver(w.webhook, w.ref))],
        inhibitRules: [pageInhibitsTicket(inhibitEqual)],
      },
    });
  }
}

/** A firing `critical` alert silences the `warning` alert of the same identity (`equal`). */
function pageInhibitsTicket(equal: string[]): AlertmanagerConfigSpecInhibitRules {
  return {
    sourceMatch: [
      { name: 'severity', matchType: AlertmanagerConfigSpecInhibitRulesSourceMatchMatchType.VALUE_EQUAL_TILDE, value: PAGE_SEVERITIES },
    ],
    targetMatch: [
      { name: 'severity', matchType: AlertmanagerConfigSpecInhibitRulesTargetMatchMatchType.VALUE_EQUAL_TILDE, value: TICKET_SEVERITIES },
    ],
    equal,
  };
}

/** The props that shape the route tree, with their defaults applied. */
function routingSettings(props: AlertRoutingProps) {
  const timing: RoutingTiming = {
    watchdogInterval: props.watchdogInterval ?? '1m',
    groupWait: props.groupWait ?? '30s',
    groupInterval: props.groupInterval ?? '5m',
    pageRepeatInterval: props.pageRepeatInterval ?? '1h',
    ticketRepeatInterval: props.ticketRepeatInterval ?? '12h',
  };
  return {
    name: props.name ?? 'alert-routing',
    groupBy: [...(props.groupBy ?? ALERT_IDENTITY_LABELS)],
    inhibitEqual: [...(props.inhibitEqual ?? ALERT_IDENTITY_LABELS)],
    timing,
  };
}

/** The intervals of the route tree, with their defaults applied. */
interface RoutingTiming {
  readonly watchdogInterval: string;
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly pageRepeatInterval: string;
  readonly ticketRepeatInterval: string;
}

/** A credential's Secret and the key in it. */
interface SecretKeyRef {
  readonly secret: ServiceSecret;
  readonly key: string;
}

interface RoutingSecrets {
  readonly pagerDuty: SecretKeyRef;
  readonly slack: SecretKeyRef;
  readonly deadMansSwitch: SecretKeyRef;
}

/** The webhooks' routes (each continues to the severity routes), the Watchdog to the dead man's switch, pages to PagerDuty, tickets (and anything else) to Slack. */
function routeTree(groupBy: string[], timing: RoutingTiming, webhooks: readonly AlertWebhook[] = []): AlertmanagerConfigSpecRoute {
  const severity = (values: string) => ({ name: 'severity', matchType: '=~', value: values });
  const webhookRoutes = webhooks.map((w) => ({
    receiver: w.receiver,
    matchers: [
      w.alertnames.length === 1
        ? { name: 'alertname', matchType: '=', value: w.alertnames[0] }
        : { name: 'alertname', matchType: '=~', value: [...w.alertnames].sort().join('|') },
    ],
    groupBy: [...(w.groupBy ?? ['alertname'])],
    repeatInterval: w.repeatInterval ?? '1h',
    continue: true,
  }));
  return {
    receiver: 'slack',
    groupBy,
    groupWait: timing.groupWait,
    groupInterval: timing.groupInterval,
    repeatInterval: timing.ticketRepeatInterval,
    routes: [
      ...webhookRoutes,
      {
        receiver: 'watchdog',
        matchers: [{ name: 'alertname', matchType: '=', value: 'Watchdog' }],
        groupWait: '0s',
        groupInterval: timing.watchdogInterval,
        repeatInterval: timing.watchdogInterval,
      },
      { receiver: 'pagerduty', matchers: [severity(PAGE_SEVERITIES)], repeatInterval: timing.pageRepeatInterval },
      { receiver: 'slack', matchers: [severity(TICKET_SEVERITIES)], repeatInterval: timing.ticketRepeatInterval },
    ],
  };
}

/** The receivers `pagerduty`, `slack` and `watchdog`, each reading its credential from its Secret. */
function receivers(credentials: RoutingSecrets, slackChannel: string): AlertmanagerConfigSpecReceivers[] {
  const { pagerDuty, slack, deadMansSwitch } = credentials;
  return [
    {
      name: 'pagerduty',
      pagerdutyConfigs: [
        {
          routingKey: { name: pagerDuty.secret.secretName, key: pagerDuty.key },
          sendResolved: true,
          severity: 'critical',
          description: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}',
          details: [
            { key: 'description', value: '{{ .CommonAnnotations.description }}' },
            { key: 'runbook_url', value: '{{ .CommonAnnotations.runbook_url }}' },
          ],
        },
      ],
    },
    {
      name: 'slack',
      slackConfigs: [
        {
          apiUrl: { name: slack.secret.secretName, key: slack.key },
          channel: slackChannel,
          sendResolved: true,
          title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})',
          text: '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
        },
      ],
    },
    {
      name: 'watchdog',
      webhookConfigs: [{ urlSecret: { name: deadMansSwitch.secret.secretName, key: deadMansSwitch.key }, sendResolved: false }],
    },
  ];
}

/** A webhook's receiver: POSTs Alertmanager's JSON payload to the URL read from its Secret. */
function webhookReceiver(webhook: AlertWebhook, url: SecretKeyRef): AlertmanagerConfigSpecReceivers {
  return {
    name: webhook.receiver,
    webhookConfigs: [{ urlSecret: { name: url.secret.secretName, key: url.key }, sendResolved: webhook.sendResolved ?? false }],
  };
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RECEIVER = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUILT_IN_RECEIVERS = ['pagerduty', 'slack', 'watchdog'];

function webhookProblems(webhooks: readonly AlertWebhook[]): PropProblem[] {
  const problems: PropProblem[] = [];
  const seen = new Set<string>();
  webhooks.forEach((w, i) => {
    const where = `webhooks[${i}]`;
    if (typeof w.receiver !== 'string' || !RECEIVER.test(w.receiver) || BUILT_IN_RECEIVERS.includes(w.receiver) || seen.has(w.receiver)) {
      problems.push({
        prop: `${where}.receiver`,
        value: w.receiver,
        rule: `must be a DNS label, unique, and none of ${BUILT_IN_RECEIVERS.join(', ')}`,
      });
    }
    seen.add(w.receiver);
    if (!Array.isArray(w.alertnames) || w.alertnames.length === 0 || w.alertnames.some((a) => !ALERT_NAME.test(a))) {
      problems.push({ prop: `${where}.alertnames`, value: w.alertnames, rule: 'must list at least one alert name' });
    }
    if (typeof w.url?.remoteKey !== 'string' || w.url.remoteKey === '') {
      problems.push({ prop: `${where}.url.remoteKey`, value: w.url?.remoteKey, rule: "must name the secret of the webhook's URL" });
    }
    if (w.repeatInterval !== undefined && !isPromDuration(w.repeatInterval)) {
      problems.push({ prop: `${where}.repeatInterval`, value: w.repeatInterval, rule: 'must be a duration such as "30s", "5m" or "4h"' });
    }
    const groupBy = w.groupBy ?? ['alertname'];
    if (groupBy.length === 0 || groupBy.some((l) => !LABEL.test(l))) {
      problems.push({ prop: `${where}.groupBy`, value: groupBy, rule: 'must list label names, at least one' });
    }
  });
  return problems;
}

function routingProblems(props: AlertRoutingProps, timing: RoutingTiming, groupBy: string[], inhibitEqual: string[]): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const [prop, value] of Object.entries(timing)) {
    if (!isPromDuration(value)) problems.push({ prop, value, rule: 'must be a duration such as "30s", "5m" or "4h"' });
  }
  for (const [prop, labels] of [
    ['groupBy', groupBy],
    ['inhibitEqual', inhibitEqual],
  ] as const) {
    if (labels.length === 0 || labels.some((l) => !LABEL.test(l)) || new Set(labels).size !== labels.length) {
      problems.push({ prop, value: labels, rule: 'must list distinct label names, at least one' });
    }
  }
  if (!props.deadMansSwitch || typeof props.deadMansSwitch.remoteKey !== 'string' || props.deadMansSwitch.remoteKey === '') {
    problems.push({
      prop: 'deadMansSwitch.remoteKey',
      value: props.deadMansSwitch?.remoteKey,
      rule: "must name the secret of the dead man's switch's webhook URL",
      fix: 'without it nobody learns that alerting itself is down',
    });
  }
  if (!inhibitEqual.includes('alertname')) {
    problems.push({
      prop: 'inhibitEqual',
      value: inhibitEqual,
      rule: "must include 'alertname'",
      fix: 'otherwise any critical alert silences unrelated warnings',
    });
  }
  problems.push(...webhookProblems(props.webhooks ?? []));
  if (typeof props.slack?.channel !== 'string' || !/^[#@][^\s]+$/.test(props.slack.channel)) {
    problems.push({ prop: 'slack.channel', value: props.slack?.channel, rule: 'must be a Slack channel such as "#ops-alerts"' });
  }
  return problems;
}
