import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { promQlSyntaxError } from '../../lib/monitoring/promql';

export const RUNBOOKS = 'https://git.example.com/alp/gitops/blob/main/dist/runbooks';
export const NAMESPACES = ['alp-blue', 'alp-green'];

/** A chart of the monitoring namespace, without name hashes (like the platform's PlacedCharts). */
export function monitoringChart(namespace = 'alp-monitoring'): Chart {
  return new Chart(Testing.app(), 'monitoring', { namespace, disableResourceNameHashes: true });
}

/** Synthesizes what `build` adds to a fresh monitoring chart. */
export function synthWith(build: (chart: Construct) => void): any[] {
  const chart = monitoringChart();
  build(chart);
  return Testing.synth(chart);
}

/** Every rule of every PrometheusRule in the manifests, with its group. */
export function rulesOf(manifests: any[]): Array<{ group: string; rule: any }> {
  return manifests
    .filter((m) => m.kind === 'PrometheusRule')
    .flatMap((m) => m.spec.groups.flatMap((g: any) => g.rules.map((rule: any) => ({ group: g.name, rule }))));
}

/**
 * A dashboard query with Grafana's variables replaced by sample values, so that Prometheus's
 * parser can judge it.
 */
export function withSampleVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval/g, '5m').replace(/\$\{?(\w+)\}?/g, 'sample');
}

/** The PromQL syntax errors among expressions, as readable lines (empty when all parse). */
export function unparsable(exprs: readonly string[]): string[] {
  return exprs.flatMap((e) => {
    const error = promQlSyntaxError(e);
    return error ? [`${e}: ${error.description}`] : [];
  });
}
