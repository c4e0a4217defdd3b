import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { renderApp } from '../../lib';
import { EXPOSURE_RULES, MESH_RULES, NAMESPACE_RULES, POLICY_RULES } from '../../lib/policy/rules';
import { readExceptions } from '../../lib/policy/exceptions';
import { exceptableRuleIds, readManifests } from '../../lib/policy/verify';
import { platformModel, REPO_ROOT } from '../helpers/manifests';
import { compliantShop, CORPUS_DIR, messagesOf, object, verify } from './corpus/fixtures';

/** The rules under test alone: exposure outside the cluster, the Istio mesh, namespaces. */
const RULES = [...EXPOSURE_RULES, ...MESH_RULES, ...NAMESPACE_RULES];

type Manifests = any[];

interface Case {
  /** How the manifests break the rule. */
  readonly breaks: (m: Manifests) => void;
  readonly expected: string[];
  /** A near miss that the rule accepts. */
  readonly passes: (m: Manifests) => void;
}

const service = (m: Manifests) => object(m, 'Service', 'api');
const meta = (kind: string, name: string) => ({ kind, metadata: { name, namespace: 'shop' } });
const ingress = (tls: unknown[] | undefined, hosts: (string | undefined)[], annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  ...meta('Ingress', 'web'),
  ...(annotations ? { metadata: { name: 'web', namespace: 'shop', annotations } } : {}),
  spec: {
    ingressClassName: 'nginx',
    ...(tls ? { tls } : {}),
    rules: hosts.map((host) => ({
      ...(host ? { host } : {}),
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8080 } } } }] },
    })),
  },
});
const peerAuthentication = (name: string, spec: any) => ({ apiVersion: 'security.istio.io/v1', ...meta('PeerAuthentication', name), spec });
const authorizationPolicy = (name: string, spec: any) => ({
  apiVersion: 'security.istio.io/v1',
  ...meta('AuthorizationPolicy', name),
  spec,
});
const destinationRule = (name: string, spec: any) => ({
  apiVersion: 'networking.istio.io/v1',
  ...meta('DestinationRule', name),
  spec: { host: 'api.shop.svc.cluster.local', ...spec },
});
const WEB = 'cluster.local/ns/shop/sa/web';

const CASES: Record<string, Case> = {
  'NET-SERVICE-EXPOSURE': {
    breaks: (m) => {
      Object.assign(service(m).spec, { type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/24', '::/0'] });
    },
    expected: [
      'Service/shop/api: \'spec.loadBalancerSourceRanges[1]\' ("::/0") must not be any address; list the client address ranges that need the service',
    ],
    passes: (m) => {
      Object.assign(service(m).spec, { type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/24'] });
      m.push({
        apiVersion: 'v1',
        ...meta('Service', 'internal'),
        spec: { type: 'ClusterIP', selector: { app: 'internal' }, ports: [{ port: 80 }] },
      });
    },
  },
  'NET-SERVICE-EXTERNAL-IPS': {
    breaks: (m) => {
      service(m).spec.externalIPs = ['203.0.113.10', '203.0.113.11'];
    },
    expected: [
      'Service/shop/api: \'spec.externalIPs\' (["203.0.113.10","203.0.113.11"]) must not be set; nodes send traffic for these addresses to the pods, whoever owns them (CVE-2020-8554); remove it and publish the service through the Gateway',
    ],
    passes: (m) => {
      service(m).spec.externalIPs = [];
    },
  },
  'NET-INGRESS-TLS': {
    // A wildcard covers exactly one more label: not the bare domain, not two labels.
    breaks: (m) => {
      m.push(
        ingress([{ hosts: ['*.example.com'], secretName: 'example-com-tls' }], ['shop.example.com', 'example.com', 'a.b.example.com']),
      );
    },
    expected: [
      "Ingress/shop/web: 'spec.rules[1].host' (\"example.com\") must be covered by a host in 'spec.tls'; it is served in plaintext HTTP; add it to a tls entry whose certificate covers it",
      "Ingress/shop/web: 'spec.rules[2].host' (\"a.b.example.com\") must be covered by a host in 'spec.tls'; it is served in plaintext HTTP; add it to a tls entry whose certificate covers it",
    ],
    // A rule without a host is served with the certificate of a tls entry.
    passes: (m) => {
      m.push(
        ingress(
          [
            { hosts: ['*.example.com'], secretName: 'wildcard' },
            { hosts: ['example.com'], secretName: 'apex' },
          ],
          ['shop.example.com', 'example.com', undefined],
        ),
      );
    },
  },
  'NET-INGRESS-SNIPPETS': {
    breaks: (m) => {
      m.push(
        ingress([{ hosts: ['shop.example.com'], secretName: 'shop' }], ['shop.example.com'], {
          'nginx.ingress.kubernetes.io/auth-snippet': 'proxy_set_header X-User admin;',
          'nginx.org/server-snippets': 'listen 8081;',
        }),
      );
    },
    expected: [
      'Ingress/shop/web: \'metadata.annotations["nginx.ingress.kubernetes.io/auth-snippet"]\' ("proxy_set_header X-User admin;") must not be set; a snippet injects raw configuration into the shared ingress controller (CVE-2021-25742); remove it and use the controller\'s dedicated annotations',
      'Ingress/shop/web: \'metadata.annotations["nginx.org/server-snippets"]\' ("listen 8081;") must not be set; a snippet injects raw configuration into the shared ingress controller (CVE-2021-25742); remove it and use the controller\'s dedicated annotations',
    ],
    passes: (m) => {
      m.push(
        ingress([{ hosts: ['shop.example.com'], secretName: 'shop' }], ['shop.example.com'], {
          'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
          'example.com/snippet-count': '0',
        }),
      );
    },
  },
  'NET-MESH-PEER-MTLS': {
    breaks: (m) => {
      m.push(peerAuthentication('legacy', { selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, mtls: { mode: 'DISABLE' } }));
    },
    expected: [
      'PeerAuthentication/shop/legacy: \'spec.mtls.mode\' ("DISABLE") must be STRICT or UNSET (inherit); DISABLE turns mutual TLS off; set it to STRICT',
    ],
    passes: (m) => {
      m.push(
        peerAuthentication('strict', { mtls: { mode: 'STRICT' } }),
        peerAuthentication('api', {
          selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
          mtls: { mode: 'UNSET' },
          portLevelMtls: { 8080: { mode: 'STRICT' } },
        }),
      );
    },
  },
  'NET-MESH-AUTHZ-ALLOW-ALL': {
    // One `from` entry without a source lets every source in, whatever the other entries name.
    breaks: (m) => {
      m.push(authorizationPolicy('api', { action: 'ALLOW', rules: [{ from: [{ source: { principals: [WEB] } }, {}] }] }));
    },
    expected: [
      `AuthorizationPolicy/shop/api: 'spec.rules[0]' ({"from":[{"source":{"principals":["${WEB}"]}},{}]}) must restrict its source, operation or condition; as it is, it allows every request; name the callers' principals in 'from' and the ports in 'to'`,
    ],
    passes: (m) => {
      m.push(
        authorizationPolicy('deny-by-default', {}),
        authorizationPolicy('api', { rules: [{ from: [{ source: { principals: [WEB] } }] }] }),
        authorizationPolicy('public', { rules: [{ to: [{ operation: { ports: ['8443'] } }] }] }),
        authorizationPolicy('deny-all', { action: 'DENY', rules: [{}] }),
      );
    },
  },
  'NET-MESH-DESTINATION-TLS': {
    breaks: (m) => {
      m.push(
        destinationRule('api', {
          trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, portLevelSettings: [{ port: { number: 9090 }, tls: { mode: 'DISABLE' } }] },
        }),
      );
    },
    expected: [
      'DestinationRule/shop/api: \'spec.trafficPolicy.portLevelSettings[0].tls.mode\' ("DISABLE") must not be DISABLE; the sidecars would send plaintext to api.shop.svc.cluster.local; use ISTIO_MUTUAL (SIMPLE for a host outside the mesh), or remove it to let Istio choose mutual TLS',
    ],
    passes: (m) => {
      m.push(
        destinationRule('api', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }] }),
        destinationRule('payments', { host: 'payments.example.com', trafficPolicy: { tls: { mode: 'SIMPLE' } } }),
      );
    },
  },
  'NET-NO-DEFAULT-NAMESPACE': {
    breaks: (m) => {
      object(m, 'ConfigMap', 'grafana-dashboard-api').metadata.namespace = 'default';
    },
    expected: [
      "ConfigMap/default/grafana-dashboard-api: 'metadata.namespace' (\"default\") must not be default; the default namespace also receives everything applied without a namespace; use the application's own namespace, with its default-deny NetworkPolicies and Pod Security labels",
    ],
    // No namespace: `kubectl apply -n` or `helm install --namespace` chooses it. Cluster-scoped kinds have none.
    passes: (m) => {
      delete object(m, 'ConfigMap', 'grafana-dashboard-api').metadata.namespace;
      object(m, 'PriorityClass', 'standard').metadata.namespace = 'default';
      m.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    },
  },
};

describe('exposure, mesh and namespace rules |', () => {
  test('are registered, each an error with a case here', () => {
    expect(RULES.map((r) => r.id)).toEqual(Object.keys(CASES));
    expect(RULES.every((r) => r.severity === 'error' && POLICY_RULES.includes(r))).toBe(true);
  });

  test('the compliant shop breaks none of them', () => {
    expect(verify(compliantShop(), { rules: RULES }).findings).toEqual([]);
  });

  describe.each(Object.entries(CASES))('%s |', (ruleId, c) => {
    test('fails on manifests that break it, with exact messages', () => {
      // GIVEN
      const manifests = compliantShop();
      c.breaks(manifests);
      // WHEN
      const report = verify(manifests, { rules: RULES });
      // THEN
      expect(messagesOf(report, ruleId)).toEqual(c.expected);
      expect(report.findings.every((f) => f.ruleId === ruleId && f.severity === 'error' && f.path !== undefined)).toBe(true);
    });

    test('passes on a near miss', () => {
      const manifests = compliantShop();
      c.passes(manifests);
      expect(verify(manifests, { rules: RULES }).findings).toEqual([]);
    });
  });
});

describe('Istio AuthorizationPolicy semantics |', () => {
  const allowsAll = (spec: any) =>
    messagesOf(verify([authorizationPolicy('p', spec)], { rules: RULES }), 'NET-MESH-AUTHZ-ALLOW-ALL').length > 0;

  test.each([
    ['an empty rule', { rules: [{}] }],
    ['an empty rule, action unset', { action: undefined, rules: [{}] }],
    ['a source without fields', { rules: [{ from: [{ source: {} }] }] }],
    ['an operation with empty lists', { rules: [{ to: [{ operation: { ports: [], methods: [] } }] }] }],
    ['a condition without values', { rules: [{ when: [{ key: 'request.auth.claims[iss]', values: [] }] }] }],
    ['one unrestricted rule among restricted ones', { rules: [{ from: [{ source: { principals: [WEB] } }] }, { from: [], to: [] }] }],
  ])('allows every request: %s', (_, spec) => {
    expect(allowsAll(spec)).toBe(true);
  });

  test.each([
    // ALLOW without rules matches nothing: it denies every request no other ALLOW policy permits.
    ['spec: {} (deny by default)', {}],
    ['ALLOW without rules', { action: 'ALLOW' }],
    ['ALLOW with an empty rule list', { action: 'ALLOW', rules: [] }],
    ['DENY with an empty rule (deny all)', { action: 'DENY', rules: [{}] }],
    ['AUDIT with an empty rule', { action: 'AUDIT', rules: [{}] }],
    ['CUSTOM with an empty rule (delegated to the provider)', { action: 'CUSTOM', provider: { name: 'ext-authz' }, rules: [{}] }],
    ['a rule with a condition only', { rules: [{ when: [{ key: 'source.namespace', values: ['shop'] }] }] }],
    ['a rule with ports only (a public gateway)', { rules: [{ to: [{ operation: { ports: ['443'] } }] }] }],
    ['a rule with excluded principals', { rules: [{ from: [{ source: { notPrincipals: [WEB] } }] }] }],
  ])('does not allow every request: %s', (_, spec) => {
    expect(allowsAll(spec)).toBe(false);
  });
});

describe('the corpus and the platform |', () => {
  const CORPUS: Record<string, string> = {
    'exposed-services.yaml': 'NET-SERVICE-EXPOSURE',
    'external-ips-service.yaml': 'NET-SERVICE-EXTERNAL-IPS',
    'ingress-without-tls.yaml': 'NET-INGRESS-TLS',
    'ingress-snippet.yaml': 'NET-INGRESS-SNIPPETS',
    'permissive-mtls.yaml': 'NET-MESH-PEER-MTLS',
    'allow-all-authorizationpolicy.yaml': 'NET-MESH-AUTHZ-ALLOW-ALL',
    'plaintext-destinationrule.yaml': 'NET-MESH-DESTINATION-TLS',
    'default-namespace.yaml': 'NET-NO-DEFAULT-NAMESPACE',
  };

  test('each rule has a bad corpus file', () => {
    expect(Object.values(CORPUS)).toEqual(RULES.map((r) => r.id));
  });

  test.each(Object.entries(CORPUS))('%s breaks exactly %s among these rules, as its expect lines say', (file, ruleId) => {
    // GIVEN
    const path = join(CORPUS_DIR, 'bad', file);
    const expected = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('# expect: '))
      .map((l) => l.slice('# expect: '.length));
    // WHEN
    const report = verify(
      readManifests(path).manifests.map((m) => m.manifest),
      { rules: RULES },
    );
    // THEN
    expect(expected.length).toBeGreaterThan(0);
    expect(report.findings.map((f) => `${f.ruleId} ${f.message}`)).toEqual(expected);
    expect(expected.every((line) => line.startsWith(`${ruleId} `))).toBe(true);
  });

  test("the platform's own manifests, Istio policies included, break none of them but the excepted ways in from outside the mesh", () => {
    // GIVEN the rendered objects (synth's own verification would stop at any other rule's error)
    const output = renderApp(platformApp.build(platformModel()));
    const kinds = output.objects.map((o) => o.manifest.kind);
    const exceptions = readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), exceptableRuleIds()).filter((e) =>
      RULES.some((r) => r.id === e.rule),
    );
    // WHEN
    const report = verify(
      output.objects.map((o) => o.manifest),
      { rules: RULES, exceptions },
    );
    // THEN only the MeshExternalPorts' one PERMISSIVE port each, which policy-exceptions.yaml explains
    expect(report.findings).toEqual([]);
    expect([...new Set(report.suppressed.map((s) => `${s.finding.ruleId} ${s.finding.object} ${s.finding.path}`))].sort()).toEqual([
      'NET-MESH-PEER-MTLS PeerAuthentication/alp-data/redis-replication-from-replicas spec.portLevelMtls["6380"].mode',
      'NET-MESH-PEER-MTLS PeerAuthentication/alp-monitoring/prometheus-adapter-from-api-server spec.portLevelMtls["6443"].mode',
    ]);
    expect(kinds).toEqual(expect.arrayContaining(['PeerAuthentication', 'AuthorizationPolicy', 'Service']));
  });
});
