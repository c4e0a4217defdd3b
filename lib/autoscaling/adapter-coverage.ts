/**
 * Whether a prometheus-adapter config serves a metric: the adapter's discovery, association and
 * naming steps, evaluated for one HPA metric without a Prometheus to ask.
 *
 * A rule's `seriesQuery` that names its metric (`http_requests_total{…}` or
 * `{__name__="http_requests_total",…}`) is evaluated exactly. A rule that discovers series by a
 * name pattern (`{__name__=~"…"}`, or no name at all) could match series this cannot see; it is
 * credited with a metric only for the series the naming convention derives from the metric's
 * own name (see `scalingMetricSource`): the metric itself, or `<base>_total` for
 * `<base>_per_second`.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 */
import { parser } from '@prometheus-io/lezer-promql';
import { AdapterConfig, AdapterRule, scalingMetricSource } from './adapter-config';

/** One label matcher of a series selector. */
interface SeriesMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** A metric the HPA asks the adapter for. */
export interface AdapterMetricRequest {
  /** `Pods`: custom metrics API (`rules:`); `External`: external metrics API (`externalRules:`). */
  readonly type: 'Pods' | 'External';
  readonly name: string;
  /** The HPA's namespace. */
  readonly namespace: string;
}

/**
 * The matchers of a series selector such as `name{a="b",c=~"d"}` (the metric name as a
 * `__name__` matcher), or undefined when the text is not one plain series selector.
 */
function parseSeriesSelector(query: string): SeriesMatcher[] | undefined {
  const tree = parser.parse(query);
  const top = tree.topNode.firstChild;
  if (!top || top.name !== 'VectorSelector' || top.nextSibling) return undefined;
  let error = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) error = true;
    },
  });
  if (error) return undefined;
  const matchers: SeriesMatcher[] = [];
  const name = top.getChild('Identifier');
  if (name) matchers.push({ label: '__name__', op: '=', value: query.slice(name.from, name.to) });
  for (const m of top.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
    const label = m.getChild('LabelName');
    const op = m.getChild('MatchOp');
    const value = m.getChild('StringLiteral');
    if (!label || !op || !value) return undefined;
    const literal = unquote(query.slice(value.from, value.to));
    if (literal === undefined) return undefined;
    matchers.push({ label: query.slice(label.from, label.to), op: query.slice(op.from, op.to) as SeriesMatcher['op'], value: literal });
  }
  return matchers;
}

/** Whether the config has a rule that yields `request.name` for its kind and namespace. */
export function adapterServes(config: AdapterConfig, request: AdapterMetricRequest): boolean {
  const rules = request.type === 'Pods' ? config.rules : config.externalRules;
  return (Array.isArray(rules) ? rules : []).some((rule) => ruleServes(rule, request));
}

/** Whether one rule yields `request.name` for the request's namespace (and pods, for `Pods`). */
function ruleServes(rule: AdapterRule, request: AdapterMetricRequest): boolean {
  if (!rule || typeof rule.seriesQuery !== 'string') return false;
  const matchers = parseSeriesSelector(rule.seriesQuery);
  if (!matchers) return false;
  const resources = resourceLabels(rule);
  if (request.type === 'Pods' && (resources.pod === undefined || resources.namespace === undefined)) return false;
  const namespaced = request.type === 'Pods' || rule.resources?.namespaced !== false;
  const nsLabel = resources.namespace;
  if (
    namespaced
    && nsLabel !== undefined
    && !matchers.filter((m) => m.label === nsLabel).every((m) => matcherAccepts(m, request.namespace))
  )
    return false;
  const fixed = matchers.find((m) => m.label === '__name__' && m.op === '=');
  const candidates = fixed ? [fixed.value] : [...new Set([request.name, scalingMetricSource(request.name).series])];
  return candidates.some(
    (series) =>
      matchers.filter((m) => m.label === '__name__').every((m) => matcherAccepts(m, series))
      && passesFilters(rule, series)
      && apiName(rule, series) === request.name,
  );
}

/** The name under which the rule serves a series, or undefined when its `name.matches` does not match. */
function apiName(rule: AdapterRule, series: string): string | undefined {
  const pattern = goRegExp(rule.name?.matches || '.*', '');
  if (!pattern) return undefined;
  const match = pattern.exec(series);
  if (!match) return undefined;
  const groups = match.length - 1;
  const template = rule.name?.as || (groups === 0 ? '$0' : groups === 1 ? '$1' : undefined);
  if (template === undefined) return undefined; // the adapter refuses the rule
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_whole, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const ref = braced ?? bare!;
    if (/^\d+$/.test(ref)) return match[Number(ref)] ?? '';
    return match.groups?.[ref] ?? '';
  });
}

/** The labels the rule associates with namespaces and pods (core group). */
function resourceLabels(rule: AdapterRule): { namespace?: string; pod?: string } {
  const out: { namespace?: string; pod?: string } = {};
  const template = rule.resources?.template;
  if (typeof template === 'string' && template.includes('<<.Resource>>') && !template.includes('<<.Group>>')) {
    out.namespace = template.replace('<<.Resource>>', 'namespace');
    out.pod = template.replace('<<.Resource>>', 'pod');
  }
  for (const [label, target] of Object.entries(rule.resources?.overrides ?? {})) {
    if (!target || (target.group ?? '') !== '') continue;
    if (target.resource === 'namespace' || target.resource === 'namespaces') out.namespace = label;
    if (target.resource === 'pod' || target.resource === 'pods') out.pod = label;
  }
  return out;
}

/** A series filter as the user's config may hold it: either key may be missing or not a string. */
type SeriesFilterInput = { readonly is?: unknown; readonly isNot?: unknown } | null | undefined;

function passesFilters(rule: AdapterRule, series: string): boolean {
  return (Array.isArray(rule.seriesFilters) ? rule.seriesFilters : []).every((filter: SeriesFilterInput) => {
    if (typeof filter?.is === 'string') return goRegExp(filter.is, '')?.test(series) ?? false;
    if (typeof filter?.isNot === 'string') return !(goRegExp(filter.isNot, '')?.test(series) ?? true);
    return true;
  });
}

/** PromQL matchers are anchored regular expressions. */
function matcherAccepts(matcher: SeriesMatcher, value: string): boolean {
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return goRegExp(matcher.value, 'anchored')?.test(value) ?? false;
    case '!~':
      return !(goRegExp(matcher.value, 'anchored')?.test(value) ?? true);
    default:
      return false;
  }
}

/** A Go (RE2) regular expression as a JavaScript one; undefined when it does not compile. */
function goRegExp(source: string, mode: '' | 'anchored'): RegExp | undefined {
  const js = source.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(mode === 'anchored' ? `^(?:${js})$` : js);
  } catch {
    return undefined;
  }
}

/** The value of a PromQL string literal ("…", '…' or `…`). */
function unquote(literal: string): string | undefined {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  try {
    return JSON.parse(`"${quote === "'" ? body.replace(/\\'/g, "'").replace(/"/g, '\\"') : body}"`);
  } catch {
    return undefined;
  }
}
