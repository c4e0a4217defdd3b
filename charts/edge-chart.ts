import { Construct } from 'constructs';
import {
  AllowPolicy,
  BlueGreenRoutes,
  Color,
  componentPolicies,
  EdgeGateway,
  HostCertificate,
  LABEL_MANAGED_BY,
  LABEL_PART_OF,
  NetworkPeer,
  PlacedChart,
  PublicRoute,
  RuleGroupSet,
  selectorLabels,
  ServiceAuthorization,
} from '../lib';
import { issuerName, meshEnrolledNamespaces } from './platform-chart';
import {
  clusterModel,
  colorServices,
  serviceMinReplicas,
  ClusterPlacement,
  EdgeGatewayRole,
  edgeGateways,
  PlatformSpec,
  previewHost,
  regionalMinReplicas,
  ReleaseState,
  runbookBaseUrl,
  ServiceSpec,
} from '../platform';
import { switchRules } from '../platform/monitoring/switch-rules';
import { applicationName } from '../lib/delivery/argocd';
import { gatewayPodLabels, prometheusUrl } from '../lib/core/endpoints';
import { SwitchAnalysis, SwitchAnalysisService } from '../lib/delivery/switch-analysis';
import { MANAGED_BY } from '../lib/core/labels';
import { pascalCase } from '../lib/core/names';
import { weightedDnsAnnotations } from '../lib/delivery/traffic-router';

/** The switch gate's window: error-ratio and latency measurements, one a minute. */
export const SWITCH_GATE_MINUTES = 5;
/** The switch watch's soak window after a sync, one measurement a minute. */
export const SWITCH_WATCH_MINUTES = 10;
/** How long the switch gate waits for the target colour's replicas (a standby being scaled up). */
export const SWITCH_GATE_READINESS_WAIT_MINUTES = 20;

export interface EdgeChartProps {
  readonly spec: PlatformSpec;
  readonly release: ReleaseState;
  readonly placement: ClusterPlacement;
}

/**
 * The `edge` component of a cluster: the Gateways, a certificate per host, the routes and the
 * gateways' network and mesh rules. With both colours in the cluster, the routes are the
 * traffic switch (live host to the active colour, preview host to the standby). With one colour
 * per cluster, the routes go to the local colour and weighted DNS on the Gateways is the switch.
 */
export class EdgeChart extends PlacedChart {
  /** The Secret of each host's certificate, by host: one certificate per host, shared by the gateways. */
  private readonly certificates = new Map<string, string>();

  constructor(scope: Construct, id: string, props: EdgeChartProps) {
    const { spec, placement } = props;
    const labels = { [LABEL_PART_OF]: spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    super(scope, id, {
      region: placement.region.name,
      cluster: placement.cluster.name,
      component: placement.componentOf('edge'),
      namespace: spec.namespaces.edge,
      labels,
    });

    const activeColor = props.release.regions[placement.region.name].activeColor;
    // The gateways' and the HTTP-01 solver's flows come from the cluster model.
    const model = clusterModel(
      spec,
      edgeGateways(spec).map((g) => g.name),
      placement.cluster,
    );
    const policies = componentPolicies(this, {
      model,
      namespace: spec.namespaces.edge,
      mesh: spec.mesh.enabled,
      strictMtls: meshEnrolledNamespaces(spec, ['edge']).has(spec.namespaces.edge),
    });
    const localColor = placement.colors.length === 1 ? placement.colors[0] : undefined;
    for (const role of edgeGateways(spec)) {
      const gateway = new EdgeGateway(this, pascalCase(role.name), {
        name: role.name,
        gatewayClassName: spec.edge.gatewayClassName,
        annotations:
          localColor === undefined
            ? undefined
            : weightedDnsAnnotations(placement.region.name, localColor, (role.serves === 'live') === (localColor === activeColor)),
      });
      for (const service of spec.services.filter((s) => s.public)) this.addService(gateway, role, service, props, localColor);
      const policy = policies.get(gateway.name)!;
      this.addGatewayRules(gateway, role, props, policy.policy, policy.authorization);
    }
    // The switch's alerts name the live colour, so they belong to the Application whose sync moves
    // the routes (and runs the gate and the watch): they change with the routes, in the same sync.
    new RuleGroupSet(this, 'SwitchRules', {
      component: 'switch',
      runbookBaseUrl: runbookBaseUrl(spec),
      alertNamespace: spec.namespaces.monitoring,
      rules: switchRules({
        region: placement.region.name,
        liveColor: activeColor,
        edgeNamespace: spec.namespaces.edge,
        argocdNamespace: spec.gitops.argocdNamespace,
        application: applicationName(spec.name, { region: placement.region.name, component: placement.componentOf('edge') }),
        outputPath: spec.gitops.path,
      }),
    });
    if (localColor === undefined || localColor === activeColor) this.addSwitchAnalyses(props, activeColor);
  }

  /**
   * The switch's gate and watch (Argo Rollouts AnalysisRuns, hooks of this Application), both of
   * the colour the live routes point to once this commit is synced. `switch-gate` (PreSync):
   * its SLO signals, its replicas at the live minimum and a smoke test through the preview host,
   * which routes to it until the routes change; `switch-watch` (PostSync): its SLO signals and
   * a smoke test through the live host over the soak window. With one colour per cluster, only
   * the cluster of the live colour has them (its Gateway's DNS weight is the one that rises).
   * The smoke tests resolve the hosts through public DNS, which points at the primary region:
   * other regions analyse without them.
   */
  private addSwitchAnalyses(props: EdgeChartProps, color: Color): void {
    const { spec, placement } = props;
    const region = placement.region;
    const smoke = region.role === 'primary';
    // The colour's services as it runs them: staged bounds set its live minimum.
    const services = (host: 'preview' | 'live', readiness: boolean): SwitchAnalysisService[] =>
      colorServices(spec, props.release, region.name, color).map((service) => ({
        name: service.name,
        availabilityObjective: service.availability.objective,
        latencyP99Ms: service.availability.latencyP99Ms,
        minAvailableReplicas: readiness ? regionalMinReplicas(serviceMinReplicas(service), region) : undefined,
        smokeUrl:
          smoke && service.public
            ? `https://${host === 'preview' ? previewHost(spec, service.public.host) : service.public.host}${service.public.path}`
            : undefined,
      }));
    const common = { color, namespace: spec.namespaces[color], prometheusAddress: prometheusUrl(spec.namespaces.monitoring) };
    new SwitchAnalysis(this, 'SwitchGate', {
      ...common,
      name: 'switch-gate',
      hook: 'PreSync',
      services: services('preview', true),
      measurements: SWITCH_GATE_MINUTES,
      readinessWaitMinutes: SWITCH_GATE_READINESS_WAIT_MINUTES,
    });
    new SwitchAnalysis(this, 'SwitchWatch', {
      ...common,
      name: 'switch-watch',
      hook: 'PostSync',
      services: services('live', false),
      measurements: SWITCH_WATCH_MINUTES,
    });
  }

  /**
   * A public service on one gateway: its hosts (with their certificates) and routes. With both
   * colours in the cluster, the routes are the switch (live host to the active colour, preview
   * host to the standby); with one (`localColor`), they go to it.
   */
  private addService(
    gateway: EdgeGateway,
    role: EdgeGatewayRole,
    service: ServiceSpec,
    props: EdgeChartProps,
    localColor: Color | undefined,
  ): void {
    const { spec } = props;
    const host = service.public!.host;
    const preview = previewHost(spec, host);
    if (role.serves !== 'preview') gateway.addHost(host, this.certificateFor(host, spec));
    if (role.serves !== 'live') gateway.addHost(preview, this.certificateFor(preview, spec));
    if (localColor === undefined) {
      new BlueGreenRoutes(this, `${pascalCase(service.name)}Routes`, {
        gatewayName: gateway.name,
        service: { name: service.name, port: service.port },
        host,
        previewHost: preview,
        pathPrefix: service.public!.path,
        namespaces: spec.namespaces,
        activeColor: props.release.regions[props.placement.region.name].activeColor,
      });
      return;
    }
    const isPreview = role.serves === 'preview';
    new PublicRoute(this, `${pascalCase(service.name)}${isPreview ? 'Preview' : 'Live'}Route`, {
      name: isPreview ? `${service.name}-preview` : service.name,
      gatewayName: gateway.name,
      host: isPreview ? preview : host,
      pathPrefix: service.public!.path,
      backend: { name: service.name, namespace: spec.namespaces[localColor], port: service.port },
    });
  }

  /** The Secret of `host`'s certificate, made at its first use. */
  private certificateFor(host: string, spec: PlatformSpec): string {
    if (!this.certificates.has(host)) {
      const certificate = new HostCertificate(this, pascalCase(host), {
        name: host.replace(/\./g, '-'),
        host,
        issuerName: issuerName(spec),
        durationHours: spec.tls.durationHours,
        renewBeforeHours: spec.tls.renewBeforeHours,
      });
      this.certificates.set(host, certificate.secretName);
    }
    return this.certificates.get(host)!;
  }

  /**
   * The gateway is a public entry point: any address may reach its listeners (the ACME server's
   * HTTP-01 request among them); it reaches the public services. `policy` is its NetworkPolicy of
   * the cluster model (its egress to cert-manager's solver pods).
   */
  private addGatewayRules(
    gateway: EdgeGateway,
    role: EdgeGatewayRole,
    props: EdgeChartProps,
    policy: AllowPolicy,
    modelAuthorization: ServiceAuthorization | undefined,
  ): void {
    const { spec, placement } = props;
    const selector = gatewayPodLabels(gateway.name);
    policy.allowFrom(
      NetworkPeer.internet(),
      gateway.ports.map((port) => ({ port })),
    );
    for (const service of spec.services.filter((s) => s.public)) {
      for (const color of placement.colors) {
        policy.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), spec.namespaces[color]), [{ port: service.port }]);
      }
    }
    if (spec.mesh.enabled) {
      // The model's flows to the gateway (Argo Rollouts' smoke tests) already made its AuthorizationPolicy.
      const authorization =
        modelAuthorization ?? new ServiceAuthorization(this, `${pascalCase(role.name)}Authorization`, { name: gateway.name, selector });
      // Clients on the internet are outside the mesh; the listeners admit them.
      for (const port of gateway.ports) authorization.allowAnySource(port);
    }
  }
}
