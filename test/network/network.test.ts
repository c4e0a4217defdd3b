import { Testing } from 'cdk8s';
import {
  AllowPolicy,
  BackendGrant,
  EdgeGateway,
  meshPrincipal,
  MeshNamespaceDefaults,
  NetworkPeer,
  PublicRoute,
  ServiceAuthorization,
} from '../../lib';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

describe('AllowPolicy |', () => {
  test('merges rules per peer, sorts peers (own namespace first) and ports, and lists only the directions it allows', () => {
    // GIVEN
    const chart = Testing.chart();
    const policy = new AllowPolicy(chart, 'Policy', { name: 'quiz', selector: { app: 'quiz' } });
    // WHEN (in an order the output must not depend on)
    policy.allowFrom(NetworkPeer.pods({ app: 'web' }), [{ port: 8080 }]);
    policy.allowFrom(NetworkPeer.pods({ app: 'api' }, 'alp-edge'), [{ port: 8080 }]);
    policy.allowFrom(NetworkPeer.pods({ app: 'web' }), [{ port: 'metrics' }, { port: 8080 }]);
    // THEN
    expect(findObject(Testing.synth(chart), 'NetworkPolicy', 'quiz').spec).toEqual({
      podSelector: { matchLabels: { app: 'quiz' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { app: 'web' } } }],
          ports: [
            { protocol: 'TCP', port: 8080 },
            { protocol: 'TCP', port: 'metrics' },
          ],
        },
        {
          from: [
            {
              podSelector: { matchLabels: { app: 'api' } },
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'alp-edge' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ],
    });
  });

  test('egress to an address range', () => {
    const chart = Testing.chart();
    new AllowPolicy(chart, 'Policy', { name: 'mailer', selector: { app: 'mailer' } }).allowTo(NetworkPeer.cidr('203.0.113.0/24'), [
      { port: 587 },
    ]);
    expect(findObject(Testing.synth(chart), 'NetworkPolicy', 'mailer').spec).toEqual({
      podSelector: { matchLabels: { app: 'mailer' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 587 }] }],
    });
  });

  test('fails when a rule has no ports (which would allow every port)', () => {
    const chart = Testing.chart();
    const policy = new AllowPolicy(chart, 'Policy', { name: 'quiz', selector: { app: 'quiz' } });
    expect(errorOf(() => policy.allowTo(NetworkPeer.pods({ app: 'db' }), []))).toBe(
      "test/Policy: 'ports' ([]) must not be empty (peer pods::app=db); an empty list would allow every port",
    );
  });

  test('fails at synth when the policy allows nothing', () => {
    const chart = Testing.chart();
    new AllowPolicy(chart, 'Policy', { name: 'quiz', selector: { app: 'quiz' } });
    expect(() => Testing.synth(chart)).toThrow("[test/Policy] NetworkPolicy 'quiz' allows nothing; remove it or add a rule");
  });

  test('fails when a peer would match everything or is not a CIDR', () => {
    expect(errorOf(() => NetworkPeer.pods({}))).toBe(
      "NetworkPeer.pods: 'labels' ({}) must not be empty; an empty selector would match every pod",
    );
    expect(errorOf(() => NetworkPeer.cidr('10.0.0.0'))).toBe(
      `NetworkPeer.cidr: 'cidr' ("10.0.0.0") must be an IPv4 CIDR such as "203.0.113.0/24"`,
    );
  });
});

describe('mesh |', () => {
  test('a namespace requires mTLS, denies by default, and may reach istiod', () => {
    const chart = Testing.chart();
    new MeshNamespaceDefaults(chart, 'Mesh', { namespace: 'alp-blue' });
    const manifests = Testing.synth(chart);
    expect(kindCounts(manifests)).toEqual({ PeerAuthentication: 1, AuthorizationPolicy: 1, NetworkPolicy: 1 });
    expect(findObject(manifests, 'PeerAuthentication', 'alp-blue-strict-mtls').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(findObject(manifests, 'AuthorizationPolicy', 'alp-blue-deny-by-default').spec).toEqual({});
    expect(findObject(manifests, 'NetworkPolicy', 'alp-blue-allow-istiod').spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
            podSelector: { matchLabels: { app: 'istiod' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 15012 }],
      },
    ]);
  });

  test('a service admits exactly its callers, per port, by service-account principal', () => {
    const chart = Testing.chart();
    new ServiceAuthorization(chart, 'Authz', { name: 'quiz', selector: { app: 'quiz' } })
      .allowFrom(meshPrincipal('alp-blue', 'web'), 8080)
      .allowFrom(meshPrincipal('alp-monitoring', 'prometheus'), 9090)
      .allowFrom(meshPrincipal('alp-blue', 'api'), 8080);
    expect(findObject(Testing.synth(chart), 'AuthorizationPolicy', 'quiz').spec).toEqual({
      selector: { matchLabels: { app: 'quiz' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/alp-blue/sa/api', 'cluster.local/ns/alp-blue/sa/web'] } }],
          to: [{ operation: { ports: ['8080'] } }],
        },
        { from: [{ source: { principals: ['cluster.local/ns/alp-monitoring/sa/prometheus'] } }], to: [{ operation: { ports: ['9090'] } }] },
      ],
    });
  });
});

describe('EdgeGateway |', () => {
  test('serves each host over HTTPS with its certificate and redirects HTTP', () => {
    // GIVEN
    const chart = Testing.chart();
    const gateway = new EdgeGateway(chart, 'Gateway', { name: 'edge', gatewayClassName: 'istio' });
    gateway.addHost('learn.example.com', 'learn-example-com-tls');
    new PublicRoute(chart, 'Route', {
      name: 'web',
      gatewayName: 'edge',
      host: 'learn.example.com',
      backend: { name: 'web', namespace: 'alp-blue', port: 8080 },
    });
    new BackendGrant(chart, 'Grant', { name: 'edge-routes', routeNamespace: 'alp-edge', serviceNames: ['web', 'api'] });
    // WHEN
    const manifests = Testing.synth(chart);
    // THEN
    const listeners = findObject(manifests, 'Gateway', 'edge').spec.listeners;
    expect(listeners.map((l: any) => [l.name, l.port, l.protocol, l.hostname])).toEqual([
      ['http', 80, 'HTTP', undefined],
      ['https-learn-example-com', 443, 'HTTPS', 'learn.example.com'],
    ]);
    expect(listeners[1].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'learn-example-com-tls' }] });
    expect(findObject(manifests, 'HTTPRoute', 'edge-https-redirect').spec.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
    const route = findObject(manifests, 'HTTPRoute', 'web').spec;
    expect(route.parentRefs).toEqual([{ name: 'edge', sectionName: 'https-learn-example-com' }]);
    expect(route.rules[0].backendRefs).toEqual([{ name: 'web', namespace: 'alp-blue', port: 8080 }]);
    expect(findObject(manifests, 'ReferenceGrant', 'edge-routes').spec.to).toEqual([
      { group: '', kind: 'Service', name: 'api' },
      { group: '', kind: 'Service', name: 'web' },
    ]);
    expect(gateway.ports).toEqual([80, 443]);
  });
});
