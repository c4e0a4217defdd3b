import { Testing } from 'cdk8s';
import { SwitchAnalysis, SwitchAnalysisProps, validateSchema } from '../../lib';
import { errorOf } from '../helpers/manifests';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';

function synth(props: SwitchAnalysisProps): any {
  const chart = Testing.chart();
  new SwitchAnalysis(chart, 'Gate', props);
  const manifests = Testing.synth(chart);
  expect(manifests).toHaveLength(1);
  return manifests[0];
}

const metric = (run: any, name: string) => run.spec.metrics.find((m: any) => m.name === name);

describe('SwitchAnalysis |', () => {
  const props: SwitchAnalysisProps = {
    name: 'switch-gate',
    hook: 'PreSync',
    color: 'green',
    namespace: 'shop-green',
    prometheusAddress: PROMETHEUS,
    services: [
      {
        name: 'orders',
        availabilityObjective: 99.5,
        latencyP99Ms: 250,
        minAvailableReplicas: 3,
        smokeUrl: 'https://preview.shop.example.com/',
      },
      { name: 'billing', availabilityObjective: 99.9, latencyP99Ms: 400 },
    ],
    measurements: 4,
    readinessWaitMinutes: 10,
  };
  const run = synth(props);

  test('is an Argo Rollouts AnalysisRun run by Argo CD as a hook, recreated at each sync', () => {
    expect(run.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(run.kind).toBe('AnalysisRun');
    expect(run.metadata).toEqual({
      name: 'switch-gate',
      annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
    });
    expect(synth({ ...props, name: 'switch-watch', hook: 'PostSync' }).metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
  });

  test('names the colour and its namespace once, as the arguments its queries use', () => {
    expect(run.spec.args).toEqual([
      { name: 'color', value: 'green' },
      { name: 'namespace', value: 'shop-green' },
    ]);
  });

  test("names each service's metrics after it: error ratio, latency, readiness where asked, smoke where a URL is given", () => {
    expect(run.spec.metrics.map((m: any) => m.name)).toEqual([
      'orders-error-ratio',
      'orders-latency-p99',
      'orders-ready',
      'smoke-orders',
      'billing-error-ratio',
      'billing-latency-p99',
    ]);
  });

  test("the error ratio is the colour's recorded 5xx ratio against the SLO's error budget, nothing without traffic", () => {
    // 99.5 % availability: a budget of 0.5 % errors.
    expect(metric(run, 'orders-error-ratio')).toEqual({
      name: 'orders-error-ratio',
      interval: '1m',
      count: 4,
      failureLimit: 1,
      // The smoke requests reach the service: at least two windows with traffic.
      inconclusiveLimit: 2,
      successCondition: 'len(result) > 0 && result[0] <= 0.005',
      failureCondition: 'len(result) > 0 && result[0] > 0.005',
      provider: {
        prometheus: {
          address: PROMETHEUS,
          query:
            '(service_color:http_requests_errors:ratio_rate5m{service="orders",color="{{args.color}}"} or on(service) (0 * service_color:http_requests:rate5m{service="orders",color="{{args.color}}"}))'
            + ' and on(service) (service_color:http_requests:rate5m{service="orders",color="{{args.color}}"} > 0)',
        },
      },
    });
    // Without a smoke test, windows without traffic are tolerated for the whole run.
    expect(metric(run, 'billing-error-ratio').inconclusiveLimit).toBe(4);
    expect(metric(run, 'billing-error-ratio').successCondition).toBe('len(result) > 0 && result[0] <= 0.001');
  });

  test("the latency is the colour's recorded p99 against the SLO's target in seconds", () => {
    expect(metric(run, 'orders-latency-p99')).toEqual({
      name: 'orders-latency-p99',
      interval: '1m',
      count: 4,
      failureLimit: 1,
      inconclusiveLimit: 2,
      successCondition: 'len(result) > 0 && result[0] <= 0.25',
      failureCondition: 'len(result) > 0 && result[0] > 0.25',
      provider: {
        prometheus: {
          address: PROMETHEUS,
          query:
            'service_color:http_request_duration_seconds:p99_rate5m{service="orders",color="{{args.color}}"}'
            + ' and on(service) (service_color:http_requests:rate5m{service="orders",color="{{args.color}}"} > 0)',
        },
      },
    });
    expect(metric(run, 'billing-latency-p99').successCondition).toBe('len(result) > 0 && result[0] <= 0.4');
  });

  test("readiness waits for the colour's Deployment to have the replicas asked for, twice in a row, and fails when the wait runs out", () => {
    expect(metric(run, 'orders-ready')).toEqual({
      name: 'orders-ready',
      interval: '30s',
      // 10 minutes of polls every 30 s
      count: 20,
      consecutiveSuccessLimit: 2,
      failureLimit: 18,
      successCondition: 'result[0] >= 3',
      provider: {
        prometheus: {
          address: PROMETHEUS,
          query: 'sum(kube_deployment_status_replicas_available{namespace="{{args.namespace}}",deployment="orders"}) or vector(0)',
        },
      },
    });
    expect(metric(run, 'billing-ready')).toBeUndefined();
  });

  test('the smoke test GETs the URL with the web provider; three errors in a row end it', () => {
    expect(metric(run, 'smoke-orders')).toEqual({
      name: 'smoke-orders',
      interval: '30s',
      count: 8,
      consecutiveErrorLimit: 2,
      provider: { web: { url: 'https://preview.shop.example.com/', timeoutSeconds: 10 } },
    });
  });

  test("is valid against Argo Rollouts' AnalysisRun CRD, whose schema the check really applies", () => {
    expect(validateSchema(run)).toEqual([]);
    const broken = JSON.parse(JSON.stringify(run));
    delete broken.spec.metrics[0].provider;
    expect(validateSchema(broken).map((p) => `${p.path} ${p.message}`)).toEqual(['spec.metrics[0].provider is required']);
  });

  test('rejects a window shorter than three measurements and an empty service list, naming the field', () => {
    expect(errorOf(() => synth({ ...props, measurements: 2 }))).toBe(
      'SwitchAnalysis switch-gate: measurements 2 must be a whole number, at least 3',
    );
    expect(errorOf(() => synth({ ...props, readinessWaitMinutes: 0 }))).toBe(
      'SwitchAnalysis switch-gate: readinessWaitMinutes 0 must be a whole number, at least 1',
    );
    expect(errorOf(() => synth({ ...props, services: [] }))).toBe('SwitchAnalysis switch-gate: services must list at least one service');
  });
});
