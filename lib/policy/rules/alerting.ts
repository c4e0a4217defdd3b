/**
 * Alert delivery: every alerting rule of the input is routed through the Alertmanager routing
 * tree that the Prometheus Operator builds from the input's AlertmanagerConfigs, with the
 * operator's matcher strategy (default `OnNamespace`: the operator adds `namespace="<the
 * AlertmanagerConfig's namespace>"` to each AlertmanagerConfig's top route and sets `continue:
 * true` on it; an alert matched by none goes to the root receiver of Alertmanager's global
 * configuration). An `Alertmanager` object in the input sets the strategy and its namespace.
 *
 * An alert's labels are its rule's labels plus `alertname`; a label that the rule does not set,
 * or sets from a template, comes from the series and is unknown here: a matcher on it is not
 * counted as matching, so an alert is judged routed only when its rule's own labels route it.
 * Rules judge only what the input holds: without an AlertmanagerConfig in a cluster, nothing is
 * judged there.
 */
import { isPlainObject } from '../../core';
import { ManifestObject, PolicyRule, statement } from '../findings';
import { compareStrings } from '../reachability-workloads';
import { PolicyContext } from './_context';
import { inputRule, Skip } from './_rule';
import { asArray, stringMap } from './_selectors';

const MONITORING = 'monitoring.coreos.com';

/** The Prometheus Operator's `Alertmanager.spec.alertmanagerConfigMatcherStrategy.type` values. */
export type MatcherStrategy = 'OnNamespace' | 'OnNamespaceExceptForAlertmanagerNamespace' | 'None';

/** Where an alert ends in the routing tree. */
export interface AlertDestination {
  /** `<namespace>/<name>` of the AlertmanagerConfig, or undefined for the global root. */
  readonly config?: string;
  /** The receiver's name in its AlertmanagerConfig; undefined for the global root. */
  readonly receiver?: string;
  /** The alert matched no child route: it took the top route's (or the global root's) receiver. */
  readonly fallback: boolean;
  /** The receiver has at least one integration (`pagerdutyConfigs`, `webhookConfigs`, …). */
  readonly integrated: boolean;
}

interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

interface RouteNode {
  readonly receiver?: string;
  readonly matchers: readonly Matcher[];
  readonly routes: readonly RouteNode[];
  readonly continue: boolean;
}

interface ConfigTree {
  readonly key: string;
  readonly namespace: string;
  readonly route: RouteNode;
  readonly receivers: ReadonlyMap<string, boolean>;
}

/** Labels whose value is unknown (set from the series) are absent from `labels`. */
type Known = Readonly<Record<string, string>>;

function matcherOf(raw: any): Matcher | undefined {
  if (!isPlainObject(raw) || typeof (raw as any).name !== 'string') return undefined;
  const m = raw as any;
  const op = typeof m.matchType === 'string' && ['=', '!=', '=~', '!~'].includes(m.matchType) ? m.matchType : m.regex === true ? '=~' : '=';
  return { name: m.name, op, value: typeof m.value === 'string' ? m.value : '' };
}

function routeOf(raw: any): RouteNode {
  const r = isPlainObject(raw) ? (raw as any) : {};
  return {
    receiver: typeof r.receiver === 'string' ? r.receiver : undefined,
    matchers: asArray(r.matchers)
      .map(matcherOf)
      .filter((m): m is Matcher => m !== undefined),
    routes: asArray(r.routes).map(routeOf),
    continue: r.continue === true,
  };
}

/** A receiver has an integration when one of its `…Configs` lists is not empty. */
function integrated(receiver: any): boolean {
  return (
    isPlainObject(receiver)
    && Object.entries(receiver).some(([key, value]) => key.endsWith('Configs') && Array.isArray(value) && value.length > 0)
  );
}

/** Whether a matcher matches: true, false, or undefined when the label is unknown. */
function matches(matcher: Matcher, labels: Known): boolean | undefined {
  if (!(matcher.name in labels)) return undefined;
  const value = labels[matcher.name];
  if (matcher.op === '=' || matcher.op === '!=') return (value === matcher.value) === (matcher.op === '=');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${matcher.value})$`);
  } catch {
    return false;
  }
  return re.test(value) === (matcher.op === '=~');
}

/** The destinations of an alert in one AlertmanagerConfig's tree, or [] when its top route does not take it. */
function walk(node: RouteNode, labels: Known, inherited: string | undefined, tree: ConfigTree, top: boolean): AlertDestination[] {
  if (!node.matchers.every((m) => matches(m, labels) === true)) return [];
  const receiver = node.receiver ?? inherited;
  const reached: AlertDestination[] = [];
  for (const child of node.routes) {
    const found = walk(child, labels, receiver, tree, false);
    reached.push(...found);
    if (found.length > 0 && !child.continue) break;
  }
  if (reached.length > 0) return reached;
  return [
    {
      config: tree.key,
      receiver,
      fallback: top && node.routes.length > 0,
      integrated: receiver !== undefined && tree.receivers.get(receiver) === true,
    },
  ];
}

/**
 * Where an alert with the given known labels goes, through the AlertmanagerConfigs (in the
 * order the operator adds them: by namespace, then name) under the matcher strategy. The last
 * destination is the global root's when no AlertmanagerConfig took the alert.
 */
export function routeAlert(
  labels: Known,
  configs: readonly ConfigTree[],
  strategy: MatcherStrategy,
  alertmanagerNamespace?: string,
): AlertDestination[] {
  const reached: AlertDestination[] = [];
  for (const tree of configs) {
    const enforced =
      strategy === 'OnNamespace' || (strategy === 'OnNamespaceExceptForAlertmanagerNamespace' && tree.namespace !== alertmanagerNamespace);
    const top: RouteNode = enforced
      ? { ...tree.route, matchers: [...tree.route.matchers, { name: 'namespace', op: '=', value: tree.namespace }] }
      : tree.route;
    // The operator sets `continue: true` on every AlertmanagerConfig's top route.
    reached.push(...walk(top, labels, undefined, tree, true));
  }
  return reached.length > 0 ? reached : [{ fallback: true, integrated: false }];
}

/** The routing trees of a cluster's AlertmanagerConfigs, in the operator's order. */
export function configTrees(ctx: PolicyContext, configs: readonly ManifestObject[]): ConfigTree[] {
  return configs
    .map((config) => {
      const spec = config.manifest.spec ?? {};
      const receivers = new Map<string, boolean>(
        asArray(spec.receivers)
          .filter((r) => typeof r?.name === 'string')
          .map((r) => [r.name, integrated(r)] as [string, boolean]),
      );
      const namespace = ctx.namespaceOf(config);
      return { key: `${namespace}/${config.name}`, namespace, route: routeOf(spec.route), receivers };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

interface AlertOf {
  readonly object: ManifestObject;
  readonly path: string;
  readonly alert: string;
  readonly labels: Known;
}

function alertsOf(rules: readonly ManifestObject[]): AlertOf[] {
  const out: AlertOf[] = [];
  for (const object of rules) {
    asArray(object.manifest.spec?.groups).forEach((group, g) => {
      asArray(group?.rules).forEach((rule, r) => {
        if (typeof rule?.alert !== 'string') return;
        // A templated value is expanded from the series: unknown here.
        const labels = Object.fromEntries(Object.entries(stringMap(rule.labels)).filter(([, v]) => !v.includes('{{')));
        out.push({ object, path: `spec.groups[${g}].rules[${r}]`, alert: rule.alert, labels: { ...labels, alertname: rule.alert } });
      });
    });
  }
  return out;
}

interface ClusterRouting {
  readonly alerts: AlertOf[];
  readonly trees: ConfigTree[];
  readonly strategy: MatcherStrategy;
  readonly alertmanagerNamespace?: string;
}

/** Per cluster that has both: its alerts and its routing trees (built once per run). */
/** Both alerting rules route the same alerts over the same trees: parsed once per verification. */
const ROUTING = new WeakMap<PolicyContext, ClusterRouting[]>();

function clusterRouting(ctx: PolicyContext): ClusterRouting[] {
  let routing = ROUTING.get(ctx);
  if (routing === undefined) ROUTING.set(ctx, (routing = parseClusterRouting(ctx)));
  return routing;
}

function parseClusterRouting(ctx: PolicyContext): ClusterRouting[] {
  const configs = ctx.ofKind(MONITORING, 'AlertmanagerConfig');
  const byCluster = new Map<string, { rules: ManifestObject[]; configs: ManifestObject[]; alertmanagers: ManifestObject[] }>();
  const entry = (cluster: string) => {
    if (!byCluster.has(cluster)) byCluster.set(cluster, { rules: [], configs: [], alertmanagers: [] });
    return byCluster.get(cluster)!;
  };
  for (const c of configs) entry(c.cluster).configs.push(c);
  for (const r of ctx.ofKind(MONITORING, 'PrometheusRule')) entry(r.cluster).rules.push(r);
  for (const a of ctx.ofKind(MONITORING, 'Alertmanager')) entry(a.cluster).alertmanagers.push(a);
  const out: ClusterRouting[] = [];
  for (const [, parts] of [...byCluster].sort(([a], [b]) => compareStrings(a, b))) {
    if (parts.configs.length === 0 || parts.rules.length === 0) continue;
    const alertmanager = parts.alertmanagers.length === 1 ? parts.alertmanagers[0] : undefined;
    const declared = alertmanager?.manifest.spec?.alertmanagerConfigMatcherStrategy?.type;
    const strategy: MatcherStrategy =
      declared === 'None' || declared === 'OnNamespaceExceptForAlertmanagerNamespace' ? declared : 'OnNamespace';
    out.push({
      alerts: alertsOf(parts.rules),
      trees: configTrees(ctx, parts.configs),
      strategy,
      alertmanagerNamespace: alertmanager ? ctx.namespaceOf(alertmanager) : undefined,
    });
  }
  return out;
}

const WATCHDOG = 'Watchdog';

/**
 * Whether the rule cannot judge the input: without an AlertmanagerConfig there is no routing tree.
 * Says so (a skipped check) only when the input has alerts (`alertname`, or any) to route.
 */
function skipWithoutConfigs(ctx: PolicyContext, skip: Skip, alertname?: string): boolean {
  if (ctx.ofKind(MONITORING, 'AlertmanagerConfig').length > 0) return false;
  const hasAlerts = ctx
    .ofKind(MONITORING, 'PrometheusRule')
    .some((r) =>
      asArray(r.manifest.spec?.groups).some((g: any) =>
        asArray(g?.rules).some((x: any) => typeof x?.alert === 'string' && (alertname === undefined || x.alert === alertname)),
      ),
    );
  if (hasAlerts) skip('no AlertmanagerConfig in the manifests: alert routing is not part of the input');
  return true;
}

function strategyText(routing: ClusterRouting): string {
  return routing.strategy === 'OnNamespace'
    ? "the Prometheus Operator's default matcher strategy OnNamespace"
    : `the matcher strategy ${routing.strategy}`;
}

function whyUnrouted(alert: AlertOf, routing: ClusterRouting): string {
  const enforcedIn = routing.trees
    .filter(
      (t) =>
        routing.strategy === 'OnNamespace'
        || (routing.strategy === 'OnNamespaceExceptForAlertmanagerNamespace' && t.namespace !== routing.alertmanagerNamespace),
    )
    .map((t) => t.namespace);
  if (enforcedIn.length === routing.trees.length && routing.strategy !== 'None') {
    const namespaces = [...new Set(enforcedIn)].sort().join(', ');
    const own = alert.labels.namespace;
    return own === undefined
      ? `its rule sets no 'namespace' label (it comes from the series, if any), and under ${strategyText(routing)} an AlertmanagerConfig routes only alerts labelled with its own namespace (${namespaces}); set 'namespace' in the rule's labels`
      : `its rule labels it namespace=${own}, and under ${strategyText(routing)} an AlertmanagerConfig routes only alerts labelled with its own namespace (${namespaces})`;
  }
  return 'no AlertmanagerConfig route matches its labels';
}

export const ALERT_ROUTED = inputRule(
  {
    id: 'ALERT-ROUTED',
    severity: 'error',
    title: 'Every alert reaches a receiver that notifies someone',
    rationale:
      "An alert that only reaches Alertmanager's root receiver, an AlertmanagerConfig's catch-all or a receiver without integrations notifies nobody, or not the people its severity intends.",
    source:
      'Prometheus Operator: AlertmanagerConfig and alertmanagerConfigMatcherStrategy (default OnNamespace); Alertmanager routing tree',
    fix: "Label the rule so that a child route of an AlertmanagerConfig in the alert's namespace takes it (e.g. 'namespace: <the AlertmanagerConfig's namespace>' and a 'severity' the routes know), and give that receiver an integration.",
  },
  (ctx, report, skip) => {
    if (skipWithoutConfigs(ctx, skip)) return;
    for (const routing of clusterRouting(ctx)) {
      for (const alert of routing.alerts) {
        if (alert.alert === WATCHDOG) continue; // ALERT-WATCHDOG-DEADMANS judges it
        const reached = routeAlert(alert.labels, routing.trees, routing.strategy, routing.alertmanagerNamespace);
        const what = `alert '${alert.alert}'${alert.labels.severity ? ` (severity "${alert.labels.severity}")` : ''}`;
        if (reached.every((d) => d.config === undefined)) {
          report(alert.object, statement(`${what} reaches only Alertmanager's root receiver: ${whyUnrouted(alert, routing)}`, alert.path));
        } else if (reached.every((d) => d.fallback)) {
          const where = reached.map((d) => `'${d.receiver}' of ${d.config}`).join(', ');
          report(
            alert.object,
            statement(`${what} matches no route and reaches only the catch-all receiver ${where}; route it by its labels`, alert.path),
          );
        } else if (reached.every((d) => !d.integrated)) {
          const where = reached.map((d) => `'${d.receiver}' of ${d.config}`).join(', ');
          report(
            alert.object,
            statement(`${what} reaches only receivers without an integration (${where}): it notifies nobody`, alert.path),
          );
        }
      }
    }
  },
);

export const ALERT_WATCHDOG_DEADMANS = inputRule(
  {
    id: 'ALERT-WATCHDOG-DEADMANS',
    severity: 'error',
    title: "The Watchdog alert reaches a dead man's switch",
    rationale:
      "The always-firing Watchdog proves that Prometheus, Alertmanager and the path between them work only if something outside alarms when it stops: a dead man's switch behind a receiver with an integration.",
    source: "kube-prometheus's Watchdog alert; Prometheus Operator AlertmanagerConfig (matcher strategy default OnNamespace)",
    fix: "Route 'alertname: Watchdog' to a receiver with a webhook to a dead man's switch (e.g. healthchecks.io) and a short repeat interval.",
  },
  (ctx, report, skip) => {
    if (skipWithoutConfigs(ctx, skip, WATCHDOG)) return;
    for (const routing of clusterRouting(ctx)) {
      for (const alert of routing.alerts.filter((a) => a.alert === WATCHDOG)) {
        const reached = routeAlert(alert.labels, routing.trees, routing.strategy, routing.alertmanagerNamespace);
        if (reached.every((d) => d.config === undefined)) {
          report(
            alert.object,
            statement(`alert 'Watchdog' reaches only Alertmanager's root receiver: ${whyUnrouted(alert, routing)}`, alert.path),
          );
        } else if (!reached.some((d) => d.integrated && !d.fallback)) {
          const where = reached
            .map((d) => `'${d.receiver}' of ${d.config}${d.integrated ? ' (a catch-all)' : ' (no integration)'}`)
            .join(', ');
          report(
            alert.object,
            statement(
              `alert 'Watchdog' reaches ${where}, not a dead man's switch: route it to a receiver of its own with a webhook`,
              alert.path,
            ),
          );
        }
      }
    }
  },
);

export const ALERTING_RULES: readonly PolicyRule[] = [ALERT_ROUTED, ALERT_WATCHDOG_DEADMANS];
