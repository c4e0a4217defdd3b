import { platformApp } from '../../charts';
import { SWITCH_GATE_MINUTES, SWITCH_GATE_READINESS_WAIT_MINUTES, SWITCH_WATCH_MINUTES } from '../../charts/edge-chart';
import { Color, renderApp, validateSchema } from '../../lib';
import { clusterPerColorSpec, committedRelease, platformModel } from '../helpers/manifests';
import { previewHost, regionalMinReplicas, validatePlatform } from '../../platform';

/** The rendered objects of the platform with `active` live in every region (of `spec`, default the platform's). */
function render(active: Color, spec?: unknown) {
  const release = committedRelease();
  for (const region of Object.values<any>(release.regions)) region.activeColor = active;
  const model = spec === undefined ? { ...platformModel(), release } : validatePlatform(spec, release);
  return { model, output: renderApp(platformApp.build(model)) };
}

const object = (output: ReturnType<typeof renderApp>, path: string) => output.objects.find((o) => o.path === path)?.manifest;
const metric = (run: any, name: string) => run.spec.metrics.find((m: any) => m.name === name);
const queries = (run: any) => run.spec.metrics.filter((m: any) => m.provider.prometheus).map((m: any) => m.provider.prometheus.query);

describe.each<Color>(['blue', 'green'])('switch gate and watch, namespace-per-color, %s live |', (active) => {
  const { model, output } = render(active);
  const { spec } = model;
  const gate = object(output, 'manifests/primary/edge/analysisrun-switch-gate.yaml');
  const watch = object(output, 'manifests/primary/edge/analysisrun-switch-watch.yaml');
  const publicServices = spec.services.filter((s) => s.public);

  test('are hooks of the edge Application, in the edge namespace: PreSync gate, PostSync watch', () => {
    for (const [run, hook] of [
      [gate, 'PreSync'],
      [watch, 'PostSync'],
    ]) {
      expect(run.metadata.namespace).toBe(spec.namespaces.edge);
      expect(run.metadata.annotations).toMatchObject({
        'argocd.argoproj.io/hook': hook,
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      });
    }
  });

  test('the gate analyses the colour the live route points to: its arguments name it, every query names them and its service', () => {
    const live = object(output, `manifests/primary/edge/httproute-${publicServices[0].name}.yaml`);
    expect(live.spec.rules[0].backendRefs[0].namespace).toBe(spec.namespaces[active]);
    for (const run of [gate, watch]) {
      expect(run.spec.args).toEqual([
        { name: 'color', value: active },
        { name: 'namespace', value: spec.namespaces[active] },
      ]);
    }
    for (const service of spec.services) {
      expect(metric(gate, `${service.name}-error-ratio`).provider.prometheus.query).toContain(
        `service_color:http_requests_errors:ratio_rate5m{service="${service.name}",color="{{args.color}}"}`,
      );
      expect(metric(gate, `${service.name}-latency-p99`).provider.prometheus.query).toContain(
        `service_color:http_request_duration_seconds:p99_rate5m{service="${service.name}",color="{{args.color}}"}`,
      );
    }
    // No query names a colour or a colour namespace itself.
    const literal = /color="(blue|green)"|namespace="[^{]/;
    expect([...queries(gate), ...queries(watch)].filter((q: string) => literal.test(q))).toEqual([]);
  });

  test("the thresholds are each service's SLO: its error budget and p99 target", () => {
    for (const service of spec.services) {
      const budget = Number((1 - service.availability.objective / 100).toPrecision(12));
      expect(metric(gate, `${service.name}-error-ratio`).successCondition).toBe(`len(result) > 0 && result[0] <= ${budget}`);
      expect(metric(watch, `${service.name}-latency-p99`).failureCondition).toBe(
        `len(result) > 0 && result[0] > ${service.availability.latencyP99Ms / 1000}`,
      );
    }
  });

  test("the gate waits for the target colour's Deployments at the live minimum, a literal from the spec", () => {
    const region = spec.regions.find((r) => r.name === 'primary')!;
    for (const service of spec.services) {
      const ready = metric(gate, `${service.name}-ready`);
      const minimum = regionalMinReplicas(service.autoscaling?.minReplicas ?? service.replicas ?? 2, region);
      expect(ready.successCondition).toBe(`result[0] >= ${minimum}`);
      expect(ready.provider.prometheus.query).toBe(
        `sum(kube_deployment_status_replicas_available{namespace="{{args.namespace}}",deployment="${service.name}"}) or vector(0)`,
      );
      expect(ready.count).toBe(SWITCH_GATE_READINESS_WAIT_MINUTES * 2);
      expect(metric(watch, `${service.name}-ready`)).toBeUndefined();
    }
  });

  test('the gate smoke-tests through the preview host, which routes to the target colour until the routes change; the watch through the live host', () => {
    // Before this commit the other colour was live: its preview route went to this one.
    const before = render(active === 'blue' ? 'green' : 'blue').output;
    for (const service of publicServices) {
      const host = service.public!.host;
      expect(metric(gate, `smoke-${service.name}`).provider.web.url).toBe(`https://${previewHost(spec, host)}${service.public!.path}`);
      expect(metric(watch, `smoke-${service.name}`).provider.web.url).toBe(`https://${host}${service.public!.path}`);
      const preview = object(before, `manifests/primary/edge/httproute-${service.name}-preview.yaml`);
      expect(preview.spec.hostnames).toEqual([previewHost(spec, host)]);
      expect(preview.spec.rules[0].backendRefs[0].namespace).toBe(spec.namespaces[active]);
    }
    expect(gate.spec.metrics.filter((m: any) => m.provider.web).length).toBe(publicServices.length);
  });

  test('gate and watch windows; the DR region (public DNS points at the primary) analyses without smoke tests', () => {
    expect(metric(gate, `${spec.services[0].name}-error-ratio`).count).toBe(SWITCH_GATE_MINUTES);
    expect(metric(watch, `${spec.services[0].name}-error-ratio`).count).toBe(SWITCH_WATCH_MINUTES);
    // Traffic is required where the run's smoke requests reach the service, tolerated elsewhere.
    for (const service of spec.services) {
      expect([service.name, metric(gate, `${service.name}-error-ratio`).inconclusiveLimit]).toEqual([
        service.name,
        service.public ? SWITCH_GATE_MINUTES - 2 : SWITCH_GATE_MINUTES,
      ]);
    }
    const drGate = object(output, 'manifests/dr/edge/analysisrun-switch-gate.yaml');
    expect(drGate.spec.metrics.filter((m: any) => m.provider.web)).toEqual([]);
    expect(drGate.spec.metrics.length).toBe(spec.services.length * 3);
    expect(
      drGate.spec.metrics.filter((m: any) => m.inconclusiveLimit !== undefined && m.inconclusiveLimit !== SWITCH_GATE_MINUTES),
    ).toEqual([]);
  });

  test("are valid against Argo Rollouts' AnalysisRun CRD", () => {
    expect([gate, watch].flatMap(validateSchema)).toEqual([]);
  });
});

describe('switch gate and watch, cluster-per-color |', () => {
  test("only the live colour's cluster has them (its Gateway's DNS weight is the one that rises), analysing its colour", () => {
    for (const active of ['blue', 'green'] as const) {
      const { model, output } = render(active, clusterPerColorSpec());
      const standby = active === 'blue' ? 'green' : 'blue';
      const gate = object(output, `manifests/primary/${active}-edge/analysisrun-switch-gate.yaml`);
      expect(gate.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
      expect(gate.spec.args).toEqual([
        { name: 'color', value: active },
        { name: 'namespace', value: model.spec.namespaces[active] },
      ]);
      expect(object(output, `manifests/primary/${active}-edge/analysisrun-switch-watch.yaml`)).toBeDefined();
      expect(object(output, `manifests/primary/${standby}-edge/analysisrun-switch-gate.yaml`)).toBeUndefined();
      expect(object(output, `manifests/primary/${standby}-edge/analysisrun-switch-watch.yaml`)).toBeUndefined();
    }
  });
});

describe('Argo Rollouts flows |', () => {
  const { model, output } = render('blue');
  const { spec } = model;
  const controller = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'argo-rollouts' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
  };

  test("Prometheus admits the controller on its web port and scrapes the controller's metrics port", () => {
    const policy = object(output, 'manifests/primary/monitoring/networkpolicy-prometheus.yaml').spec;
    expect(policy.ingress).toContainEqual({ from: [controller], ports: [{ port: 9090, protocol: 'TCP' }] });
    expect(policy.egress).toContainEqual({ to: [controller], ports: [{ port: 8090, protocol: 'TCP' }] });
    const authorization = object(output, 'manifests/primary/monitoring/authorizationpolicy-prometheus.yaml').spec;
    const principals = authorization.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals ?? []));
    expect(principals).toContain('cluster.local/ns/argo-rollouts/sa/argo-rollouts');
  });

  test('the edge Gateway admits the controller on HTTPS (the smoke tests)', () => {
    const gateway = spec.edge.gatewayName;
    const policy = object(output, `manifests/primary/edge/networkpolicy-${gateway}.yaml`).spec;
    expect(policy.ingress).toContainEqual({ from: [controller], ports: [{ port: 443, protocol: 'TCP' }] });
  });

  test('the gate reaches Prometheus at the Service the Prometheus Operator creates, on the admitted port', () => {
    const gate = object(output, 'manifests/primary/edge/analysisrun-switch-gate.yaml');
    const addresses = new Set(gate.spec.metrics.filter((m: any) => m.provider.prometheus).map((m: any) => m.provider.prometheus.address));
    expect([...addresses]).toEqual([`http://prometheus-operated.${spec.namespaces.monitoring}.svc:9090`]);
  });
});
