import { evaluateReachability, namespaceLabelsFromManifests, Workload, workloadsFromManifests } from '../../lib/policy/reachability';
import { renderReachabilityReport } from '../../lib/policy/reachability-report';
import { errorOf } from '../helpers/manifests';

// ---- hand-written manifests -------------------------------------------------------------------

function deployment(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ports: any[] = [{ containerPort: 8080, name: 'http' }],
): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'example/app:1', ports }] } },
    },
  };
}

function networkPolicy(namespace: string, name: string, spec: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function namespace(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function defaultDeny(ns: string): any {
  return networkPolicy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
}

/** `from -> to port/protocol`, for compact exact assertions. */
function edges(manifests: any[], extra: Workload[] = []): string[] {
  return evaluateReachability(manifests, extra).connections.map((c) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`);
}

const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** A pod template of `labels` and `containers`, with further fields of the pod's spec. */
function podTemplate(labels: Record<string, string>, containers: any[], extra: any = {}) {
  return { metadata: { labels }, spec: { containers, ...extra } };
}

/** A workload of every controller kind and a bare Pod, with a CronJob's Job that the CronJob represents. */
function controllerManifests(): any[] {
  // sidecar init container ports count, plain init container ports do not
  const api = deployment('web', 'api', { app: 'api' }, [{ containerPort: 8080, name: 'http' }]);
  api.spec.template.spec.initContainers = [
    { name: 'proxy', restartPolicy: 'Always', ports: [{ containerPort: 15090, name: 'proxy-metrics' }] },
    { name: 'init', ports: [{ containerPort: 9999 }] },
  ];
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'kafka', namespace: 'data' },
      spec: {
        template: podTemplate({ app: 'kafka' }, [{ name: 'k', ports: [{ containerPort: 9092, name: 'broker' }, { containerPort: 9092 }] }]),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'ops' },
      spec: { template: podTemplate({ app: 'agent' }, [{ name: 'a', ports: [{ containerPort: 8125, protocol: 'UDP', name: 'statsd' }] }]) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'legacy', namespace: 'ops' },
      spec: { template: podTemplate({ app: 'legacy' }, [{ name: 'l' }]) },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'data' },
      spec: { template: podTemplate({ job: 'migrate' }, [{ name: 'm' }]) },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'backup', namespace: 'data' },
      spec: { jobTemplate: { spec: { template: podTemplate({ job: 'backup' }, [{ name: 'b' }]) } } },
    },
    // a Job that the CronJob above created: represented by the CronJob
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'backup-28000000', namespace: 'data', ownerReferences: [{ kind: 'CronJob', name: 'backup', controller: true }] },
      spec: { template: podTemplate({ job: 'backup' }, [{ name: 'b' }]) },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', labels: { app: 'debug' } },
      spec: { containers: [{ name: 'd', ports: [{ containerPort: 2345, protocol: 'SCTP' }] }] },
    },
    api,
  ];
}

/** A Gateway (its pods), a CloudNativePG Cluster and Pooler, and objects that are not workloads. */
function gatewayAndOperatorManifests(): any[] {
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public', namespace: 'edge' },
      spec: {
        gatewayClassName: 'istio',
        listeners: [
          { name: 'https', port: 443, protocol: 'HTTPS' },
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'h', port: 443, protocol: 'HTTPS' },
        ],
      },
    },
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'pg', namespace: 'data' },
      spec: { instances: 3, inheritedMetadata: { labels: { team: 'data' } } },
    },
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Pooler',
      metadata: { name: 'pg-rw', namespace: 'data' },
      spec: { cluster: { name: 'pg' }, type: 'rw' },
    },
    // not workloads: other groups and kinds
    { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'fake', namespace: 'web' }, spec: {} },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'web' }, spec: {} },
  ];
}

/** The workloads of `controllerManifests` and `gatewayAndOperatorManifests`, sorted by id. */
const WORKLOADS_OF_EVERY_KIND = [
  { id: 'data/backup', namespace: 'data', name: 'backup', labels: { job: 'backup' }, ports: [] },
  {
    id: 'data/kafka',
    namespace: 'data',
    name: 'kafka',
    labels: { app: 'kafka' },
    ports: [{ port: 9092, protocol: 'TCP', name: 'broker' }],
  },
  { id: 'data/migrate', namespace: 'data', name: 'migrate', labels: { job: 'migrate' }, ports: [] },
  {
    id: 'data/pg',
    namespace: 'data',
    name: 'pg',
    labels: { team: 'data', 'cnpg.io/cluster': 'pg' },
    ports: [
      { port: 5432, protocol: 'TCP', name: 'postgresql' },
      { port: 8000, protocol: 'TCP', name: 'status' },
      { port: 9187, protocol: 'TCP', name: 'metrics' },
    ],
  },
  {
    id: 'data/pg-rw',
    namespace: 'data',
    name: 'pg-rw',
    labels: { 'cnpg.io/poolerName': 'pg-rw' },
    ports: [
      { port: 5432, protocol: 'TCP', name: 'pgbouncer' },
      { port: 9127, protocol: 'TCP', name: 'metrics' },
    ],
  },
  { id: 'default/debug', namespace: 'default', name: 'debug', labels: { app: 'debug' }, ports: [{ port: 2345, protocol: 'SCTP' }] },
  {
    id: 'edge/public',
    namespace: 'edge',
    name: 'public',
    labels: { 'gateway.networking.k8s.io/gateway-name': 'public' },
    ports: [
      { port: 80, protocol: 'TCP' },
      { port: 443, protocol: 'TCP' },
    ],
  },
  {
    id: 'ops/agent',
    namespace: 'ops',
    name: 'agent',
    labels: { app: 'agent' },
    ports: [{ port: 8125, protocol: 'UDP', name: 'statsd' }],
  },
  { id: 'ops/legacy', namespace: 'ops', name: 'legacy', labels: { app: 'legacy' }, ports: [] },
  {
    id: 'web/api',
    namespace: 'web',
    name: 'api',
    labels: { app: 'api' },
    ports: [
      { port: 8080, protocol: 'TCP', name: 'http' },
      { port: 15090, protocol: 'TCP', name: 'proxy-metrics' },
    ],
  },
];

/**
 * Three workloads behind default-deny: shop/web may reach shop/api, which may reach data/db on
 * 5432 and 10.0.0.0/8 (except 10.1.0.0/16) on 443.
 */
function shopAndDataManifests(): any[] {
  return [
    deployment('shop', 'web', { app: 'web' }),
    deployment('shop', 'api', { app: 'api' }, [
      { containerPort: 8080, name: 'http' },
      { containerPort: 9090, name: 'grpc' },
    ]),
    deployment('data', 'db', { app: 'db' }, [{ containerPort: 5432 }]),
    defaultDeny('shop'),
    defaultDeny('data'),
    networkPolicy('shop', 'web', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    }),
    networkPolicy('shop', 'api', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } } }], ports: [{ port: 5432 }] },
        { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 443 }] },
      ],
    }),
    networkPolicy('data', 'db', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
              podSelector: { matchLabels: { app: 'api' } },
            },
          ],
        },
      ],
    }),
  ];
}

// ---- tests ------------------------------------------------------------------------------------

describe('workloadsFromManifests |', () => {
  test('reads pod templates of every workload kind, operator-managed kinds, and skips owned objects', () => {
    // GIVEN
    const manifests = [...controllerManifests(), ...gatewayAndOperatorManifests()];

    // WHEN
    const workloads = workloadsFromManifests(manifests);

    // THEN
    expect(workloads).toEqual(WORKLOADS_OF_EVERY_KIND);
  });

  test('fails when two objects define the same workload id', () => {
    // GIVEN
    const sts = { ...deployment('web', 'api', { app: 'api' }), kind: 'StatefulSet' };
    // THEN
    expect(errorOf(() => workloadsFromManifests([deployment('web', 'api', { app: 'api' }), sts]))).toBe(
      'Cannot derive workloads from the manifests:\n'
        + "  - workload id 'web/api' is defined by both Deployment and StatefulSet; rename one of them",
    );
  });
});

describe('namespaceLabelsFromManifests |', () => {
  test('takes Namespace labels, always adds the name label, and knows namespaces only referenced', () => {
    // GIVEN
    const manifests = [
      deployment('shop', 'api', { app: 'api' }),
      namespace('shop', { team: 'shop', 'kubernetes.io/metadata.name': 'wrong' }),
      networkPolicy('tools', 'deny', { podSelector: {} }),
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' } },
    ];
    // THEN
    expect(namespaceLabelsFromManifests(manifests)).toEqual({
      shop: { team: 'shop', 'kubernetes.io/metadata.name': 'shop' },
      tools: { 'kubernetes.io/metadata.name': 'tools' },
    });
  });
});

describe('evaluateReachability |', () => {
  const web = deployment('shop', 'web', { app: 'web' });
  const api = deployment('shop', 'api', { app: 'api' });

  test('without policies, everything is reachable, including from and to outside the cluster', () => {
    // WHEN
    const result = evaluateReachability([web, deployment('shop', 'cache', { app: 'cache' }, [{ containerPort: 6379 }])]);
    // THEN
    expect(result.connections).toEqual([
      { from: 'shop/cache', to: 'shop/cache', port: 6379, protocol: 'TCP' },
      { from: 'shop/cache', to: 'shop/web', port: 8080, protocol: 'TCP' },
      { from: 'shop/web', to: 'shop/cache', port: 6379, protocol: 'TCP' },
      { from: 'shop/web', to: 'shop/web', port: 8080, protocol: 'TCP' },
    ]);
    expect(result.externalEgress).toEqual(
      ['shop/cache', 'shop/web'].flatMap((from) => ANYWHERE.map((cidr) => ({ from, cidr, except: [], ports: ['any'] }))),
    );
    expect(result.externalIngress).toEqual([
      ...ANYWHERE.map((cidr) => ({ to: 'shop/cache', cidr, except: [], ports: ['TCP/6379'] })),
      ...ANYWHERE.map((cidr) => ({ to: 'shop/web', cidr, except: [], ports: ['TCP/8080'] })),
    ]);
  });

  test('default-deny for ingress and egress allows nothing', () => {
    // WHEN
    const result = evaluateReachability([web, api, defaultDeny('shop')]);
    // THEN
    expect(result).toEqual({ connections: [], externalEgress: [], externalIngress: [] });
  });

  test("an ingress allowance alone is not enough when the caller's egress is denied", () => {
    // GIVEN
    const allowIngress = networkPolicy('shop', 'api-from-web', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080 }] }],
    });
    const allowEgress = networkPolicy('shop', 'web-to-api', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    });
    // THEN
    expect(edges([web, api, defaultDeny('shop'), allowIngress])).toEqual([]);
    expect(edges([web, api, defaultDeny('shop'), allowIngress, allowEgress])).toEqual(['shop/web -> shop/api 8080/TCP']);
    // and a podSelector alone never matches pods of other namespaces
    expect(
      edges([web, api, defaultDeny('shop'), allowIngress, allowEgress, deployment('other', 'web', { app: 'web' })]).filter((e) =>
        e.endsWith('shop/api 8080/TCP'),
      ),
    ).toEqual(['shop/web -> shop/api 8080/TCP']);
  });

  describe('namespaceSelector and podSelector', () => {
    const manifests = [
      namespace('shop', { team: 'shop' }),
      namespace('tools', { team: 'tools' }),
      api,
      web,
      deployment('tools', 'web', { app: 'web' }),
      deployment('tools', 'debug', { app: 'debug' }),
    ];
    const callersOfApi = (from: any[]) => {
      const policy = networkPolicy('shop', 'api-ingress', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from }] });
      return edges([...manifests, policy])
        .filter((e) => e.includes('-> shop/api '))
        .map((e) => e.split(' ')[0]);
    };

    test('in one peer, both must match (AND)', () => {
      expect(
        callersOfApi([{ namespaceSelector: { matchLabels: { team: 'tools' } }, podSelector: { matchLabels: { app: 'web' } } }]),
      ).toEqual(['tools/web']);
    });

    test('in two peers, either may match (OR)', () => {
      expect(
        callersOfApi([{ namespaceSelector: { matchLabels: { team: 'tools' } } }, { podSelector: { matchLabels: { app: 'web' } } }]),
      ).toEqual(['shop/web', 'tools/debug', 'tools/web']);
    });

    test('an empty namespaceSelector matches every namespace, an empty podSelector every pod of its namespace', () => {
      expect(callersOfApi([{ namespaceSelector: {} }])).toEqual(['shop/api', 'shop/web', 'tools/debug', 'tools/web']);
      expect(callersOfApi([{ podSelector: {} }])).toEqual(['shop/api', 'shop/web']);
    });
  });

  test('named ports resolve against the destination pod, for ingress and egress rules', () => {
    // GIVEN
    const manifests = [
      deployment('n', 'server-a', { role: 'server' }, [
        { containerPort: 8080, name: 'http' },
        { containerPort: 9090, name: 'metrics' },
      ]),
      deployment('n', 'server-b', { role: 'server' }, [
        { containerPort: 3000, name: 'http' },
        { containerPort: 3001, name: 'dns', protocol: 'UDP' },
      ]),
      // the client's own port named http must not matter
      deployment('n', 'client', { role: 'client' }, [{ containerPort: 7000, name: 'http' }]),
    ];
    const serversIngress = networkPolicy('n', 'servers', {
      podSelector: { matchLabels: { role: 'server' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }, { port: 'dns' }] }],
    });
    const clientEgress = networkPolicy('n', 'client', {
      podSelector: { matchLabels: { role: 'client' } },
      policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }] }],
    });
    // THEN: 'dns' is UDP on server-b, so the TCP (default) rule port does not match it
    expect(edges([...manifests, serversIngress]).filter((e) => e.startsWith('n/client '))).toEqual([
      'n/client -> n/client 7000/TCP',
      'n/client -> n/server-a 8080/TCP',
      'n/client -> n/server-b 3000/TCP',
    ]);
    expect(edges([...manifests, clientEgress]).filter((e) => e.startsWith('n/client '))).toEqual([
      'n/client -> n/client 7000/TCP',
      'n/client -> n/server-a 8080/TCP',
      'n/client -> n/server-b 3000/TCP',
      'n/client -> n/server-b 3001/UDP',
    ]);
  });

  describe('matchExpressions', () => {
    const manifests = [
      deployment('m', 'a', { tier: 'frontend', env: 'prod' }, []),
      deployment('m', 'b', { tier: 'backend' }, []),
      deployment('m', 'c', { tier: 'cache', canary: 'true' }, []),
      deployment('m', 'target', { app: 'target' }),
    ];

    test.each([
      ['In', { key: 'tier', operator: 'In', values: ['frontend', 'backend'] }, ['m/a', 'm/b']],
      ['NotIn (also matches pods without the label)', { key: 'tier', operator: 'NotIn', values: ['frontend'] }, ['m/b', 'm/c', 'm/target']],
      ['Exists', { key: 'canary', operator: 'Exists' }, ['m/c']],
      ['DoesNotExist', { key: 'tier', operator: 'DoesNotExist' }, ['m/target']],
    ])('%s', (_name, expression, callers) => {
      // GIVEN
      const policy = networkPolicy('m', 'target', {
        podSelector: { matchLabels: { app: 'target' } },
        ingress: [{ from: [{ podSelector: { matchExpressions: [expression] } }] }],
      });
      // THEN
      expect(edges([...manifests, policy]).map((e) => e.split(' ')[0])).toEqual(callers);
    });

    test('matchLabels and matchExpressions must both match', () => {
      const policy = networkPolicy('m', 'target', {
        podSelector: { matchLabels: { app: 'target' } },
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] } },
            ],
          },
        ],
      });
      expect(edges([...manifests, policy])).toEqual([]);
    });
  });

  test('without policyTypes, a policy governs Ingress, and Egress only when it has egress rules', () => {
    // GIVEN
    const apiFromWeb = networkPolicy('shop', 'api', {
      podSelector: { matchLabels: { app: 'api' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    });
    const webToApi = networkPolicy('shop', 'web', {
      podSelector: { matchLabels: { app: 'web' } },
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    const emptyEgress = networkPolicy('shop', 'api-empty', { podSelector: { matchLabels: { app: 'api' } }, egress: [] });

    // THEN: web's egress is limited to api, and web's ingress is denied (no ingress rules)
    expect(edges([web, api, apiFromWeb, webToApi])).toEqual(['shop/web -> shop/api 8080/TCP']);
    // an empty egress list does not isolate egress; the policy still denies all ingress to api
    expect(edges([web, api, emptyEgress])).toEqual(['shop/api -> shop/web 8080/TCP', 'shop/web -> shop/web 8080/TCP']);
    // rules of a type not listed in policyTypes are ignored
    expect(edges([web, api, networkPolicy('shop', 'x', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}] })])).toEqual([]);
  });

  test('ipBlock egress is recorded as external, never as a connection to a pod', () => {
    // GIVEN
    const manifests = [
      web,
      api,
      defaultDeny('shop'),
      networkPolicy('shop', 'api-egress', {
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }], ports: [{ port: 5432 }] },
          { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }], ports: [{ port: 443 }, { port: 8000, endPort: 8100 }] },
          { to: [{ ipBlock: { cidr: '203.0.113.7/32' } }] },
          { to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'UDP' }, { port: 53, protocol: 'UDP' }] },
        ],
      }),
    ];
    // WHEN
    const result = evaluateReachability(manifests);
    // THEN
    expect(result.connections).toEqual([]);
    expect(result.externalEgress).toEqual([
      { from: 'shop/api', cidr: '10.0.0.0/8', except: ['10.96.0.0/12'], ports: ['TCP/443', 'TCP/5432', 'TCP/8000-8100'] },
      { from: 'shop/api', cidr: '198.51.100.0/24', except: [], ports: ['UDP/any'] },
      { from: 'shop/api', cidr: '203.0.113.7/32', except: [], ports: ['any'] },
    ]);
    expect(result.externalIngress).toEqual([]);
  });

  test('ipBlock ingress is recorded per destination, with named ports resolved', () => {
    // GIVEN
    const manifests = [
      web,
      defaultDeny('shop'),
      networkPolicy('shop', 'web-ingress', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.9.0/24'] } }], ports: [{ port: 'http' }] }],
      }),
    ];
    // THEN
    expect(evaluateReachability(manifests).externalIngress).toEqual([
      { to: 'shop/web', cidr: '192.168.0.0/16', except: ['192.168.9.0/24'], ports: ['TCP/8080'] },
    ]);
  });

  test('rules without peers also allow addresses outside the cluster', () => {
    // GIVEN
    const manifests = [
      web,
      defaultDeny('shop'),
      networkPolicy('shop', 'web-https-out', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ ports: [{ port: 443 }] }],
      }),
    ];
    // THEN
    expect(evaluateReachability(manifests).externalEgress).toEqual(
      ANYWHERE.map((cidr) => ({ from: 'shop/web', cidr, except: [], ports: ['TCP/443'] })),
    );
  });

  test('endPort allows a range of ports of one protocol', () => {
    // GIVEN
    const server = deployment('r', 'server', { app: 'server' }, [
      { containerPort: 7999 },
      { containerPort: 8000 },
      { containerPort: 8080 },
      { containerPort: 8443 },
      { containerPort: 8444 },
      { containerPort: 8080, protocol: 'UDP' },
    ]);
    const policy = networkPolicy('r', 'server', {
      podSelector: { matchLabels: { app: 'server' } },
      ingress: [{ ports: [{ port: 8000, endPort: 8443 }] }],
    });
    // THEN
    expect(edges([server, policy])).toEqual([
      'r/server -> r/server 8000/TCP',
      'r/server -> r/server 8080/TCP',
      'r/server -> r/server 8443/TCP',
    ]);
  });

  test('DNS egress to kube-system reaches the cluster DNS pods only', () => {
    // GIVEN
    const allowDns = networkPolicy('shop', 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
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
      ],
    });
    const dns = (ns: string): Workload => ({
      id: `${ns}/coredns`,
      namespace: ns,
      name: 'coredns',
      labels: { 'k8s-app': 'kube-dns' },
      ports: [
        { port: 53, protocol: 'UDP', name: 'dns' },
        { port: 53, protocol: 'TCP', name: 'dns-tcp' },
        { port: 9153, protocol: 'TCP', name: 'metrics' },
      ],
    });
    // WHEN
    const result = evaluateReachability([web, defaultDeny('shop'), allowDns], [dns('kube-system'), dns('lookalike')]);
    // THEN
    expect(result.connections.filter((c) => c.from === 'shop/web')).toEqual([
      { from: 'shop/web', to: 'kube-system/coredns', port: 53, protocol: 'TCP' },
      { from: 'shop/web', to: 'kube-system/coredns', port: 53, protocol: 'UDP' },
    ]);
    expect(result.externalEgress.filter((e) => e.from === 'shop/web')).toEqual([]);
  });

  test('a namespace-wide rule to every pod allows exactly the pods that listen on its port, in both directions', () => {
    // GIVEN every pod of namespace mesh may talk to every pod of it on 15008 (as the mesh's tunnel port), and only b and c listen there
    const tunnel = networkPolicy('mesh', 'tunnel', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 15008 }] }],
      egress: [{ to: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 15008 }] }],
    });
    const pods = [
      deployment('mesh', 'a', { app: 'a' }, [{ containerPort: 8080 }]),
      deployment('mesh', 'b', { app: 'b' }, [{ containerPort: 15008 }]),
      deployment('mesh', 'c', { app: 'c' }, [{ containerPort: 15008 }, { containerPort: 9090 }]),
    ];
    // WHEN / THEN
    expect(edges([...pods, defaultDeny('mesh'), tunnel])).toEqual([
      'mesh/a -> mesh/b 15008/TCP',
      'mesh/a -> mesh/c 15008/TCP',
      'mesh/b -> mesh/b 15008/TCP',
      'mesh/b -> mesh/c 15008/TCP',
      'mesh/c -> mesh/b 15008/TCP',
      'mesh/c -> mesh/c 15008/TCP',
    ]);
  });

  test('fails listing every invalid NetworkPolicy', () => {
    // GIVEN
    const bad = networkPolicy('shop', 'bad', {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] },
      policyTypes: ['Ingress', 'Sideways'],
      ingress: [
        {
          from: [
            {},
            { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} },
            { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } },
          ],
          ports: [{ port: 'http', endPort: 90 }, { port: 100, endPort: 99 }, { protocol: 'ICMP' }],
        },
      ],
    });
    // THEN
    expect(errorOf(() => evaluateReachability([bad]))).toBe(
      [
        'Cannot evaluate reachability: invalid NetworkPolicies:',
        '  - NetworkPolicy shop/bad: \'spec.policyTypes[1]\' ("Sideways") must be Ingress or Egress',
        '  - NetworkPolicy shop/bad: \'spec.podSelector.matchExpressions[0].operator\' ("Gt") must be one of In, NotIn, Exists, DoesNotExist',
        "  - NetworkPolicy shop/bad: 'spec.ingress[0].from[0]' ({}) must set podSelector, namespaceSelector or ipBlock",
        '  - NetworkPolicy shop/bad: \'spec.ingress[0].from[1]\' ({"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}) must not combine ipBlock with podSelector or namespaceSelector',
        "  - NetworkPolicy shop/bad: 'spec.ingress[0].from[2].podSelector.matchExpressions[0].values' (missing) must be non-empty for In",
        "  - NetworkPolicy shop/bad: 'spec.ingress[0].ports[0].endPort' (90) must only be set with a numeric port",
        "  - NetworkPolicy shop/bad: 'spec.ingress[0].ports[1].endPort' (99) must be an integer from 100 (port) to 65535",
        '  - NetworkPolicy shop/bad: \'spec.ingress[0].ports[2].protocol\' ("ICMP") must be one of TCP, UDP, SCTP',
      ].join('\n'),
    );
  });

  test('fails when an extra workload repeats a workload of the manifests', () => {
    const extra: Workload = { id: 'shop/web', namespace: 'shop', name: 'web', labels: {}, ports: [] };
    expect(errorOf(() => evaluateReachability([web], [extra]))).toBe(
      "Cannot evaluate reachability: extra workload 'shop/web' is already defined by the manifests",
    );
  });
});

describe('renderReachabilityReport |', () => {
  test('renders the matrix, the external tables and a Mermaid diagram grouped by namespace', () => {
    // GIVEN
    const manifests = shopAndDataManifests();

    // WHEN
    const report = renderReachabilityReport(evaluateReachability(manifests), workloadsFromManifests(manifests), {
      title: 'Shop reachability',
    });

    // THEN
    expect(report).toBe(`# Shop reachability

Computed by evaluating the NetworkPolicy objects in the manifests with Kubernetes semantics: a connection is listed when the client's egress rules and the server's ingress rules both allow it, on a port the server listens on. A pod that no policy isolates in a direction is unrestricted in that direction.

3 workloads, 2 allowed client-server pairs (3 ports).

## Who can reach whom

Rows are clients, columns are servers (numbered like the rows). A cell lists the ports the client may connect to; blank means none.

| # | Client | 1 | 2 | 3 |
|---:|---|---|---|---|
| 1 | data/db |  |  |  |
| 2 | shop/api | 5432/TCP |  |  |
| 3 | shop/web |  | 8080/TCP, 9090/TCP |  |

## External egress

Addresses outside the cluster that workloads may connect to (\`ipBlock\` peers). \`0.0.0.0/0\` and \`::/0\` mean any address: a rule without peers, or egress that no policy isolates.

| From | CIDR | Except | Ports |
|---|---|---|---|
| shop/api | 10.0.0.0/8 | 10.1.0.0/16 | TCP/443 |

## External ingress

Addresses outside the cluster that may connect to workloads (\`ipBlock\` peers), with the listening ports they may reach. \`0.0.0.0/0\` and \`::/0\` mean any address: a rule without peers, or ingress that no policy isolates.

None.

## Diagram

\`\`\`mermaid
flowchart LR
  subgraph ns_data["data"]
    w_data_db["db"]
  end
  subgraph ns_shop["shop"]
    w_shop_api["api"]
    w_shop_web["web"]
  end
  subgraph external["outside the cluster"]
    ext_1["10.0.0.0/8 except 10.1.0.0/16"]
  end
  w_shop_api -->|"5432/TCP"| w_data_db
  w_shop_web -->|"8080/TCP, 9090/TCP"| w_shop_api
  w_shop_api -->|"TCP/443"| ext_1
\`\`\`
`);
  });

  test("above the matrix limit, lists each client's servers instead of a matrix", () => {
    // GIVEN the shop above, rendered with a limit below its 3 workloads
    const manifests = [
      deployment('shop', 'web', { app: 'web' }),
      deployment('shop', 'api', { app: 'api' }, [
        { containerPort: 8080, name: 'http' },
        { containerPort: 9090, name: 'grpc' },
      ]),
      deployment('data', 'db', { app: 'db' }, [{ containerPort: 5432 }]),
    ];
    // WHEN
    const report = renderReachabilityReport(evaluateReachability(manifests), workloadsFromManifests(manifests), { matrixLimit: 2 });
    // THEN unisolated pods reach every listening port: one row per client, servers in id order
    expect(report).toContain(
      [
        '## Who can reach whom',
        '',
        'One row per client with the servers it may connect to and on which ports (too many workloads for a matrix).',
        '',
        '| Client | Servers |',
        '|---|---|',
        '| data/db | data/db (5432/TCP); shop/api (8080/TCP, 9090/TCP); shop/web (8080/TCP) |',
        '| shop/api | data/db (5432/TCP); shop/api (8080/TCP, 9090/TCP); shop/web (8080/TCP) |',
        '| shop/web | data/db (5432/TCP); shop/api (8080/TCP, 9090/TCP); shop/web (8080/TCP) |',
        '',
        '## External egress',
      ].join('\n'),
    );
  });

  test('keeps node ids unique after sanitizing and lists workloads without connections', () => {
    // GIVEN
    const workloads: Workload[] = [
      { id: 'a-b/c', namespace: 'a-b', name: 'c', labels: {}, ports: [] },
      { id: 'a_b/c', namespace: 'a_b', name: 'c', labels: {}, ports: [] },
    ];
    // WHEN
    const report = renderReachabilityReport({ connections: [], externalEgress: [], externalIngress: [] }, workloads);
    // THEN
    expect(report.startsWith('# Reachability\n')).toBe(true);
    expect(report).toContain('| 1 | a-b/c |  |  |\n| 2 | a_b/c |  |  |\n');
    expect(report).toContain(
      ['  subgraph ns_a_b["a-b"]', '    w_a_b_c["c"]', '  end', '  subgraph ns_a_b_2["a_b"]', '    w_a_b_c_2["c"]', '  end', '```'].join(
        '\n',
      ),
    );
  });
});
