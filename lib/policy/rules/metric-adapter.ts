/**
 * Metric-adapter coverage: every `Pods` and `External` metric of a HorizontalPodAutoscaler is
 * served by the cluster's metrics adapter. Kubernetes serves these metrics only through an
 * adapter (`custom.metrics.k8s.io`, `external.metrics.k8s.io`); a metric that no adapter rule
 * yields stays `<unknown>`, and while any metric is unreadable the HPA skips every scale-down.
 *
 * The adapter's config is found by its label (`alp-deploy.io/metrics-adapter-config:
 * prometheus-adapter`, a ConfigMap holding prometheus-adapter's `config.yaml`), in the HPA's
 * cluster. The HPAs of a cluster whose input holds no such ConfigMap are not judged (the report
 * lists the check as skipped): the platform keeps the config in the monitoring folder and the
 * HPAs in the colours' folders, so verifying one folder must not condemn what the whole tree
 * provides. An HPA whose metric is missing from the adapter is therefore found by verifying the
 * whole tree (synth does), as the completeness rules are.
 */
import * as yaml from 'js-yaml';
import { adapterServes, METRICS_ADAPTER_CONFIG_KEY, METRICS_ADAPTER_CONFIG_LABEL, PROMETHEUS_ADAPTER } from '../../autoscaling';
import { isPlainObject } from '../../core';
import { ManifestObject, PolicyRule, statement, violation } from '../findings';
import { inputRule } from './_rule';
import { asArray, stringMap } from './_selectors';

const KIND_FIELD = { Pods: 'pods', External: 'external' } as const;
const LIST_OF = { Pods: 'rules', External: 'externalRules' } as const;

export const COMPLETE_METRIC_ADAPTER = inputRule(
  {
    id: 'COMPLETE-METRIC-ADAPTER',
    severity: 'error',
    title: 'Every custom and external HPA metric is served by the metrics adapter',
    rationale:
      'A metric no adapter serves is unknown to the HPA: it cannot scale on it, and it skips every scale-down while the metric is unreadable.',
    source: 'Kubernetes HorizontalPodAutoscaler (algorithm details); prometheus-adapter configuration (rules, externalRules)',
    fix:
      `Add a rule that yields the metric to the adapter config (ConfigMap labelled '${METRICS_ADAPTER_CONFIG_LABEL}: ${PROMETHEUS_ADAPTER}', key '${METRICS_ADAPTER_CONFIG_KEY}'): `
      + "under 'rules:' for a Pods metric, under 'externalRules:' for an External metric.",
  },
  (ctx, report, skip) => {
    const configs = new Map<string, { object: ManifestObject; config: any }[]>();
    for (const object of ctx.ofKind('', 'ConfigMap')) {
      if (stringMap(object.manifest.metadata?.labels)[METRICS_ADAPTER_CONFIG_LABEL] !== PROMETHEUS_ADAPTER) continue;
      const config = parseConfig(object);
      if (typeof config === 'string') {
        report(object, statement(config, `data.${METRICS_ADAPTER_CONFIG_KEY}`));
        continue;
      }
      configs.set(object.cluster, [...(configs.get(object.cluster) ?? []), { object, config }]);
    }
    const unjudged = new Set<string>();
    for (const hpa of ctx.ofKind('autoscaling', 'HorizontalPodAutoscaler')) {
      asArray(hpa.manifest.spec?.metrics).forEach((metric: any, i: number) => {
        const type = metric?.type;
        if (type !== 'Pods' && type !== 'External') return;
        const name = metric[KIND_FIELD[type as 'Pods' | 'External']]?.metric?.name;
        if (typeof name !== 'string') return;
        const present = configs.get(hpa.cluster);
        if (!present) {
          unjudged.add(hpa.cluster || 'the input');
          return;
        }
        const namespace = ctx.namespaceOf(hpa);
        if (present.some(({ config }) => adapterServes(config, { type, name, namespace }))) return;
        const where = present.map(({ object }) => object.label).join(', ');
        report(
          hpa,
          violation(
            `spec.metrics[${i}].${KIND_FIELD[type as 'Pods' | 'External']}.metric.name`,
            name,
            `must be served by the metrics adapter: no '${LIST_OF[type as 'Pods' | 'External']}:' entry of ${where} yields it for ${type === 'Pods' ? 'pods' : 'external metrics'} in namespace ${namespace}`,
            `add one; until then the autoscaler skips every scale-down`,
          ),
        );
      });
    }
    if (unjudged.size > 0) {
      skip(
        `no metrics adapter config (ConfigMap labelled ${METRICS_ADAPTER_CONFIG_LABEL}: ${PROMETHEUS_ADAPTER}) in the manifests of ${[...unjudged].sort().join(', ')}: its HPAs' custom and external metrics are judged with it`,
      );
    }
  },
);

/** The parsed config file, or what is wrong with it. */
function parseConfig(object: ManifestObject): any {
  const text = object.manifest.data?.[METRICS_ADAPTER_CONFIG_KEY];
  if (typeof text !== 'string') return `has no '${METRICS_ADAPTER_CONFIG_KEY}' key: the adapter reads its config from that file; add it`;
  try {
    const config = yaml.load(text, { schema: yaml.JSON_SCHEMA });
    if (isPlainObject(config)) return config;
    return `'data.${METRICS_ADAPTER_CONFIG_KEY}' must hold prometheus-adapter's config: a mapping with 'rules:' and 'externalRules:'`;
  } catch (e: any) {
    return `'data.${METRICS_ADAPTER_CONFIG_KEY}' must hold prometheus-adapter's config as YAML: ${String(e?.reason ?? e?.message ?? e).split('\n')[0]}`;
  }
}

/** The metric-adapter rules. */
export const METRIC_ADAPTER_RULES: readonly PolicyRule[] = [COMPLETE_METRIC_ADAPTER];
