import { Testing } from 'cdk8s';
import { AMBIENT, NamespaceBaseline, NamespaceBaselineProps, PlatformPriorityClasses } from '../../lib';
import { quotaFor } from '../../lib/workload/namespace-baseline';
import { PRIORITY_CRITICAL, PRIORITY_STANDARD } from '../../lib/workload/priority-classes';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

describe('NamespaceBaseline |', () => {
  function synth() {
    const chart = Testing.chart();
    new NamespaceBaseline(chart, 'Team', { name: 'team-a' });
    return Testing.synth(chart);
  }

  test('enforces, audits and warns PSS restricted, pinned to the cluster version', () => {
    expect(findObject(synth(), 'Namespace', 'team-a').metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.28',
    });
  });

  test('adds a quota, container defaults and default-deny with DNS as the only exception', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(kindCounts(manifests)).toEqual({ Namespace: 1, ResourceQuota: 1, LimitRange: 1, NetworkPolicy: 2 });
    expect(findObject(manifests, 'ResourceQuota', 'team-a-quota').spec.hard).toEqual({
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      pods: 50,
    });
    expect(findObject(manifests, 'LimitRange', 'team-a-limits').spec.limits).toEqual([
      {
        type: 'Container',
        defaultRequest: { cpu: '100m', memory: '128Mi' },
        default: { cpu: '500m', memory: '512Mi' },
      },
    ]);
    const deny = findObject(manifests, 'NetworkPolicy', 'team-a-default-deny');
    expect(deny.metadata.namespace).toBe('team-a');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = findObject(manifests, 'NetworkPolicy', 'team-a-allow-dns').spec;
    expect(dns.policyTypes).toEqual(['Egress']);
    expect(dns.ingress).toBeUndefined();
    expect(dns.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
  });
});

describe('NamespaceBaseline mesh |', () => {
  function synth(mesh: NamespaceBaselineProps['mesh']) {
    const chart = Testing.chart();
    new NamespaceBaseline(chart, 'Team', { name: 'team-a', mesh });
    return Testing.synth(chart);
  }
  const enrolledNamespaces = { namespaceSelector: { matchLabels: { [AMBIENT.label]: AMBIENT.value } } };
  const hbone = [{ protocol: 'TCP', port: AMBIENT.hbonePort }];

  test('enrols the namespace in the ambient dataplane by its label', () => {
    const labels = findObject(synth({ dataplane: 'ambient' }), 'Namespace', 'team-a').metadata.labels;
    expect(labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test("lets the dataplane's tunnels and the kubelet's probes through default-deny: HBONE from and to enrolled namespaces and from the gateways' namespace, probes from their one source", () => {
    const policy = findObject(
      synth({ dataplane: 'ambient', proxyNamespaces: ['edge', 'edge'] }),
      'NetworkPolicy',
      'team-a-allow-mesh-dataplane',
    );
    expect(policy.metadata.namespace).toBe('team-a');
    expect(policy.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [enrolledNamespaces, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }], ports: hbone },
        { from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] },
      ],
      egress: [{ to: [enrolledNamespaces], ports: hbone }],
    });
  });

  test('a namespace of Istio proxies only (not enrolled) opens tunnels, accepts none and carries no dataplane label', () => {
    const manifests = synth({ dataplane: 'ambient', enrolled: false, proxyNamespaces: ['edge'] });
    expect(findObject(manifests, 'Namespace', 'team-a').metadata.labels).not.toHaveProperty(['istio.io/dataplane-mode']);
    expect(findObject(manifests, 'NetworkPolicy', 'team-a-allow-mesh-dataplane').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [enrolledNamespaces], ports: hbone }],
    });
  });

  test('outside the mesh: no label, no mesh rule', () => {
    const manifests = synth(undefined);
    expect(Object.keys(findObject(manifests, 'Namespace', 'team-a').metadata.labels).filter((k) => k.startsWith('istio.io/'))).toEqual([]);
    expect(manifests.filter((m) => m.kind === 'NetworkPolicy').map((m) => m.metadata.name)).toEqual([
      'team-a-default-deny',
      'team-a-allow-dns',
    ]);
  });
});

describe('quotaFor |', () => {
  test('fits every workload at its maximum plus a 25 % rollout surge, without float noise', () => {
    expect(
      quotaFor([
        { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '0.5', memory: '256Mi' } }, maxReplicas: 4 },
        { resources: { requests: { cpu: '0.1', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } }, maxReplicas: 3 },
      ]),
    ).toEqual({
      // 4 + 1 surge and 3 + 1 surge pods
      pods: 9,
      requests: { cpu: '900m', memory: '4736Mi' },
      limits: { cpu: '6500m', memory: '9472Mi' },
    });
  });
});

describe('PlatformPriorityClasses |', () => {
  test('creates critical above standard, neither the global default', () => {
    const chart = Testing.chart();
    new PlatformPriorityClasses(chart, 'Priorities');
    const manifests = Testing.synth(chart);
    expect(findObject(manifests, 'PriorityClass', PRIORITY_CRITICAL).value).toBe(100000);
    expect(findObject(manifests, 'PriorityClass', PRIORITY_STANDARD).value).toBe(10000);
    expect(manifests.map((m) => m.globalDefault)).toEqual([false, false]);
    expect([PRIORITY_CRITICAL, PRIORITY_STANDARD]).toEqual(['critical', 'standard']);
  });

  test("takes the classes' names from `names`", () => {
    const chart = Testing.chart();
    new PlatformPriorityClasses(chart, 'Priorities', { names: { critical: 'shop-critical', standard: 'shop-standard' } });
    expect(Testing.synth(chart).map((m) => [m.metadata.name, m.value])).toEqual([
      ['shop-critical', 100000],
      ['shop-standard', 10000],
    ]);
  });

  test('fails on names Kubernetes would refuse, or one name for both classes', () => {
    expect(
      errorOf(() => new PlatformPriorityClasses(Testing.chart(), 'Priorities', { names: { critical: 'system-shop', standard: 'Shop' } })),
    ).toBe(
      [
        'test/Priorities: 2 invalid props',
        "  - test/Priorities: 'names.critical' (\"system-shop\") must not start with 'system-'; Kubernetes reserves that prefix for its own classes",
        '  - test/Priorities: \'names.standard\' ("Shop") must be a DNS subdomain',
      ].join('\n'),
    );
    expect(
      errorOf(() => new PlatformPriorityClasses(Testing.chart(), 'Priorities', { names: { critical: 'shop', standard: 'shop' } })),
    ).toBe("test/Priorities: 'names.standard' (\"shop\") must differ from 'names.critical'");
  });
});
