import {
  ALERTING_RULES,
  CHALLENGE_RULES,
  EXPOSURE_RULES,
  GITOPS_DELIVERY_RULES,
  MESH_DATAPLANE_RULES,
  MESH_RULES,
  METRIC_ADAPTER_RULES,
  NAMESPACE_RULES,
  POLICY_RULES,
  RBAC_USABILITY_RULES,
  SCRAPE_RULES,
  SECRET_STORE_RULES,
  SYNC_ORDER_RULES,
} from '../../lib/policy/rules';
import { POD_SECURITY_RULES } from '../../lib/policy/rules/pod-security';
import { verifyManifests } from '../../lib/policy/verify';
import { apiPod, colored, compliantShop, messagesOf, object, TODAY, verify } from './corpus/fixtures';

const A = 'Deployment/shop/api';
const C = 'spec.template.spec.containers[0]';

type Manifests = any[];

interface Case {
  /** How the manifests break the rule. */
  readonly breaks: (m: Manifests) => void;
  readonly expected: string[];
  /** A near miss that the rule accepts. */
  readonly passes: (m: Manifests) => void;
}

const hpa = (m: Manifests) => object(m, 'HorizontalPodAutoscaler', 'api');
const pdb = (m: Manifests) => object(m, 'PodDisruptionBudget', 'api');
const role = (m: Manifests) => object(m, 'Role', 'api');
/** Adds a rule to the Role of the api: `verbs` on `resource` of `apiGroup`. */
const grant = (m: Manifests, apiGroup: string, resource: string, ...verbs: string[]) =>
  role(m).rules.push({ apiGroups: [apiGroup], resources: [resource], verbs });
const policy = (m: Manifests) => object(m, 'NetworkPolicy', 'api');
const remove = (m: Manifests, kind: string, name: string) => m.splice(m.indexOf(object(m, kind, name)), 1);

/** A Gateway with one HTTPS listener and the NetworkPolicy of its pods. */
function publicGateway(m: Manifests, port: number): void {
  m.push(
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public', namespace: 'shop' },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'public-gateway', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port, protocol: 'TCP' }] }],
      },
    },
  );
}

const CASES: Record<string, Case> = {
  SCHEMA: {
    breaks: (m) => {
      object(m, 'Service', 'api').spec.ports[0].port = 'http';
      object(m, 'Service', 'api').spec.clusterIp = 'None';
    },
    expected: [
      "Service/shop/api: 'spec.clusterIp' is an unknown field; the API server would drop or reject it",
      "Service/shop/api: 'spec.ports[0].port' must be integer",
    ],
    passes: (m) => {
      object(m, 'Service', 'api').spec.clusterIP = 'None';
    },
  },
  'SCHEMA-UNKNOWN-KIND': {
    breaks: (m) => {
      m.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } });
    },
    expected: ['Widget/shop/w: has no schema for example.com/v1 Widget; it is not checked against a schema'],
    passes: (m) => {
      m.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', namespace: 'shop' }, data: {} });
    },
  },
  'WORKLOAD-RESOURCES': {
    breaks: (m) => {
      delete apiPod(m).container.resources.limits.cpu;
    },
    expected: [
      `${A}: '${C}.resources' ({"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"}}) must set requests.cpu, requests.memory, limits.cpu, limits.memory; missing limits.cpu`,
    ],
    passes: (m) => {
      apiPod(m).pod.initContainers = [{ ...apiPod(m).container, name: 'migrate', readinessProbe: undefined }];
    },
  },
  'WORKLOAD-PROBES': {
    breaks: (m) => {
      delete apiPod(m).container.startupProbe;
    },
    expected: [`${A}: '${C}.startupProbe' (missing) must be set`],
    // Jobs run to completion: no probes.
    passes: (m) => {
      const { pod } = apiPod(m);
      m.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate', namespace: 'shop' },
        spec: { template: { spec: { ...pod, restartPolicy: 'Never', containers: [{ name: 'migrate', image: pod.containers[0].image }] } } },
      });
    },
  },
  'WORKLOAD-IMAGE-PINNED': {
    breaks: (m) => {
      apiPod(m).container.image = 'registry.example.com/shop/api';
    },
    expected: [
      `${A}: '${C}.image' ("registry.example.com/shop/api") must be pinned by a digest (@sha256:…) or a tag; it has neither, which means 'latest'`,
    ],
    passes: (m) => {
      apiPod(m).container.image = 'registry.example.com:5000/shop/api:1.4.2';
    },
  },
  'WORKLOAD-IMAGE-DIGEST': {
    breaks: (m) => {
      apiPod(m).container.image = 'registry.example.com/shop/api:1.4.2';
    },
    expected: [
      `${A}: '${C}.image' ("registry.example.com/shop/api:1.4.2") must be pinned by a digest (@sha256:…); tags are mutable; append the image's digest`,
    ],
    passes: (m) => {
      apiPod(m).container.image = `registry.example.com/shop/api@sha256:${'a'.repeat(64)}`;
    },
  },
  'WORKLOAD-READONLY-ROOT-FILESYSTEM': {
    breaks: (m) => {
      delete apiPod(m).container.securityContext.readOnlyRootFilesystem;
    },
    expected: [
      `${A}: '${C}.securityContext.readOnlyRootFilesystem' (missing) must be true; mount an emptyDir where the container writes (e.g. /tmp)`,
    ],
    // Windows has no read-only root filesystem (the API server refuses the field for Windows pods).
    passes: (m) => {
      apiPod(m).pod.os = { name: 'windows' };
      delete apiPod(m).container.securityContext.readOnlyRootFilesystem;
    },
  },
  'WORKLOAD-NO-SHARED-PROCESS-NAMESPACE': {
    breaks: (m) => {
      apiPod(m).pod.shareProcessNamespace = true;
    },
    expected: [
      `${A}: 'spec.template.spec.shareProcessNamespace' (true) must be false or unset; every container would see the others' processes, environment and files through /proc`,
    ],
    passes: (m) => {
      apiPod(m).pod.shareProcessNamespace = false;
    },
  },
  'WORKLOAD-REPLICAS': {
    breaks: (m) => {
      hpa(m).spec.minReplicas = 1;
    },
    expected: [
      "HorizontalPodAutoscaler/shop/api: 'spec.minReplicas' (1) must be at least 2, since Service/shop/api sends traffic to Deployment/shop/api",
    ],
    passes: (m) => {
      remove(m, 'HorizontalPodAutoscaler', 'api');
      apiPod(m).deployment.spec.replicas = 3;
    },
  },
  'WORKLOAD-PDB': {
    breaks: (m) => {
      delete pdb(m).spec.maxUnavailable;
      pdb(m).spec.minAvailable = '100%';
    },
    expected: [
      "PodDisruptionBudget/shop/api: 'spec.minAvailable' (\"100%\") must allow at least one of the 2 pods of Deployment/shop/api (the minReplicas of HorizontalPodAutoscaler/shop/api) to be evicted; it blocks node drains; use 'maxUnavailable: 1'",
    ],
    // 50 % of 2 rounds up to 1 pod that must stay: 1 may go.
    passes: (m) => {
      delete pdb(m).spec.maxUnavailable;
      pdb(m).spec.minAvailable = '50%';
    },
  },
  'WORKLOAD-TOPOLOGY-SPREAD': {
    breaks: (m) => {
      delete apiPod(m).pod.topologySpreadConstraints;
    },
    expected: [
      `${A}: 'spec.template.spec.topologySpreadConstraints' (missing) should spread the pods over topology.kubernetes.io/zone or kubernetes.io/hostname with a labelSelector that matches them; 2 replicas could share one node`,
    ],
    passes: (m) => {
      apiPod(m).pod.topologySpreadConstraints[0].topologyKey = 'kubernetes.io/hostname';
    },
  },
  'WORKLOAD-PRIORITY-CLASS': {
    breaks: (m) => {
      apiPod(m).pod.priorityClassName = 'gold';
    },
    expected: [`${A}: 'spec.template.spec.priorityClassName' ("gold") should be one of the PriorityClasses in the manifests: standard`],
    passes: (m) => {
      apiPod(m).pod.priorityClassName = 'system-cluster-critical';
    },
  },
  'RBAC-NO-WILDCARD': {
    breaks: (m) => {
      role(m).rules[0].resources = ['configmaps', 'pods/*'];
    },
    expected: ["Role/shop/api: 'rules[0].resources[1]' (\"pods/*\") must not contain the wildcard '*'; list the resources explicitly"],
    passes: (m) => {
      role(m).rules[0].resources = ['configmaps', 'pods/log'];
    },
  },
  'RBAC-NO-SECRET-READ': {
    breaks: (m) => {
      role(m).rules[0].resources = ['configmaps', 'secrets'];
    },
    expected: [
      "Role/shop/api: 'rules[0].resources[1]' (\"secrets\") must not be secrets with get, watch unless the role is annotated 'alp-deploy.io/secret-access: declared'; mount the secret from an ExternalSecret instead of reading it through the API",
    ],
    passes: (m) => {
      role(m).rules[0].resources = ['configmaps', 'secrets'];
      role(m).metadata.annotations = { 'alp-deploy.io/secret-access': 'declared' };
    },
  },
  'RBAC-NO-ESCALATION': {
    breaks: (m) => {
      role(m).rules[0].verbs = ['get', 'bind'];
    },
    expected: [
      'Role/shop/api: \'rules[0].verbs[1]\' ("bind") must not be escalate, bind or impersonate; it lets the holder grant itself permissions beyond this role',
    ],
    passes: (m) => {
      role(m).rules[0].verbs = ['get', 'list', 'watch'];
    },
  },
  'RBAC-NO-POD-EXEC': {
    // Kubernetes 1.28 authorizes exec over WebSocket with 'get': the role's get, watch opens a shell.
    breaks: (m) => {
      role(m).rules[0].resources = ['configmaps', 'pods/exec'];
    },
    expected: [
      'Role/shop/api: \'rules[0].resources[1]\' ("pods/exec") must not be granted with get: it lets the holder run commands in, attach to or connect to the pods of the namespace, with their tokens and secrets; use a break-glass role outside the manifests for debugging',
    ],
    passes: (m) => {
      role(m).rules[0].resources = ['configmaps', 'pods/log'];
    },
  },
  'RBAC-NO-WORKLOAD-CREATE': {
    breaks: (m) => {
      grant(m, 'apps', 'deployments', 'create');
    },
    expected: [
      'Role/shop/api: \'rules[1].resources[0]\' ("deployments") must not be granted with create: it lets the holder run any image as any ServiceAccount of the namespace, with its Secrets mounted; deploy workloads through Argo CD instead',
    ],
    passes: (m) => {
      grant(m, 'apps', 'deployments/scale', 'update', 'patch');
    },
  },
  'RBAC-NO-TOKEN-CREATE': {
    breaks: (m) => {
      grant(m, '', 'serviceaccounts/token', 'create');
    },
    expected: [
      'Role/shop/api: \'rules[1].resources[0]\' ("serviceaccounts/token") must not be granted with create: it lets the holder act as any ServiceAccount of the namespace; workloads get their own token projected by the kubelet',
    ],
    passes: (m) => {
      grant(m, '', 'serviceaccounts', 'get');
    },
  },
  'RBAC-NO-NODE-PROXY': {
    breaks: (m) => {
      grant(m, '', 'nodes/proxy', 'get');
    },
    expected: [
      'Role/shop/api: \'rules[1].resources[0]\' ("nodes/proxy") must not be granted with get: it lets the holder use the kubelet API of every node, which runs commands in any pod; read node metrics through the metrics API instead',
    ],
    passes: (m) => {
      grant(m, '', 'nodes/metrics', 'get');
    },
  },
  'RBAC-NO-CLUSTER-ADMIN': {
    breaks: (m) => {
      object(m, 'RoleBinding', 'api').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' };
    },
    expected: [
      'RoleBinding/shop/api: \'roleRef.name\' ("cluster-admin") must not be cluster-admin; bind a Role with only the permissions needed',
    ],
    passes: (m) => {
      object(m, 'RoleBinding', 'api').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' };
    },
  },
  'RBAC-NO-DEFAULT-SERVICE-ACCOUNT': {
    breaks: (m) => {
      apiPod(m).pod.serviceAccountName = 'default';
    },
    expected: [`${A}: 'spec.template.spec.serviceAccountName' ("default") must name the workload's own ServiceAccount, not 'default'`],
    passes: (m) => {
      apiPod(m).pod.serviceAccountName = 'api-runtime';
    },
  },
  'RBAC-TOKEN-AUTOMOUNT': {
    breaks: (m) => {
      delete apiPod(m).pod.automountServiceAccountToken;
      delete object(m, 'ServiceAccount', 'api').automountServiceAccountToken;
      remove(m, 'RoleBinding', 'api');
    },
    expected: [
      `${A}: 'spec.template.spec.automountServiceAccountToken' (missing) should be false: ServiceAccount 'api' is bound to no role in the manifests; the token is mounted by default, and ServiceAccount/shop/api does not turn it off`,
    ],
    // A pod that calls the API mounts the token of an account with a role.
    passes: (m) => {
      apiPod(m).pod.automountServiceAccountToken = true;
    },
  },
  'NET-DEFAULT-DENY': {
    breaks: (m) => {
      object(m, 'NetworkPolicy', 'default-deny').spec.policyTypes = ['Ingress'];
    },
    expected: [
      "Namespace/shop: has no default-deny NetworkPolicy for Egress; add one with 'podSelector: {}', 'policyTypes: [Egress]' and no rules",
    ],
    passes: (m) => {
      object(m, 'NetworkPolicy', 'default-deny').spec = { podSelector: {} }; // policyTypes default to Ingress
      m.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny-egress', namespace: 'shop' },
        spec: { podSelector: {}, policyTypes: ['Egress'] },
      });
    },
  },
  'NET-POD-SELECTED': {
    breaks: (m) => {
      policy(m).spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'web' } };
    },
    expected: [
      `${A}: is selected by no NetworkPolicy with a podSelector of its own that allows traffic (namespace-wide policies do not count); add one for its connections`,
    ],
    passes: (m) => {
      policy(m).spec.podSelector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api', 'web'] }] };
    },
  },
  'NET-NO-ALLOW-ALL': {
    breaks: (m) => {
      publicGateway(m, 8443);
      policy(m).spec.ingress[0].from = [{ ipBlock: { cidr: '0.0.0.0/0' } }];
    },
    expected: [
      'NetworkPolicy/shop/api: \'spec.ingress[0].from[0].ipBlock.cidr\' ("0.0.0.0/0") must not be any address; name the address range the pods need',
      'NetworkPolicy/shop/public-gateway: \'spec.ingress[0].from[0].ipBlock.cidr\' ("0.0.0.0/0") must not be any address; internet ingress to Gateway public must be limited to its listener ports (443)',
    ],
    // The internet may reach a Gateway's pods on its listener ports.
    passes: (m) => {
      publicGateway(m, 443);
    },
  },
  'SECRET-NO-DATA': {
    breaks: (m) => {
      m.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'shop' },
        data: { username: 'YXBp', password: 'aHVudGVyMg==' },
      });
    },
    expected: [
      "Secret/shop/db: 'data' holds 2 keys (password, username) and must be empty; deliver the values from Vault with an ExternalSecret",
    ],
    passes: (m) => {
      m.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', data: {} });
    },
  },
  'SECRET-NO-LITERAL-ENV': {
    breaks: (m) => {
      apiPod(m).container.env.push({ name: 'STRIPE_KEY', value: 'sk_live_0123456789abcdef' });
    },
    expected: [
      `${A}: '${C}.env[1].value' (24 characters, not shown) must not hold a secret (its value looks like a Stripe key: STRIPE_KEY); use 'valueFrom.secretKeyRef' to a Secret from an ExternalSecret`,
    ],
    passes: (m) => {
      apiPod(m).container.env.push({ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } });
    },
  },
  'SECRET-NO-CONFIGMAP-CREDENTIAL': {
    breaks: (m) => {
      object(m, 'ConfigMap', 'grafana-dashboard-api').data.ADMIN_PASSWORD = 'admin';
    },
    expected: [
      "ConfigMap/shop/grafana-dashboard-api: 'data.ADMIN_PASSWORD' (5 characters, not shown) must not hold a secret (its name looks like a secret's: ADMIN_PASSWORD); store it in Vault and mount it from a Secret delivered by an ExternalSecret",
    ],
    // Where a credential is, or whether authentication is on, is not a secret.
    passes: (m) => {
      Object.assign(object(m, 'ConfigMap', 'grafana-dashboard-api').data, {
        AUTH_URL: 'https://sso.example.com/auth',
        AUTH_ENABLED: 'true',
      });
    },
  },
  'GITOPS-NO-HASH-NAMES': {
    breaks: (m) => {
      object(m, 'ConfigMap', 'grafana-dashboard-api').metadata.name = 'grafana-dashboard-api-9f86d081';
    },
    expected: [
      "ConfigMap/shop/grafana-dashboard-api-9f86d081: 'metadata.name' (\"grafana-dashboard-api-9f86d081\") must not end with a generated hash; set 'metadata.name' explicitly",
    ],
    // An all-digit suffix is a date or build number, not a cdk8s hash.
    passes: (m) => {
      object(m, 'ConfigMap', 'grafana-dashboard-api').metadata.name = 'grafana-dashboard-api-20260301';
    },
  },
  'GITOPS-APPPROJECT-NO-WILDCARDS': {
    breaks: (m) => {
      m.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'shop', namespace: 'argocd' },
        spec: {
          sourceRepos: ['https://git.example.com/shop.git'],
          destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop-*' }],
        },
      });
    },
    expected: [
      "AppProject/argocd/shop: 'spec.destinations[0].namespace' (\"shop-*\") must not contain the wildcard '*'; list the destinations explicitly",
    ],
    passes: (m) => {
      m.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'shop', namespace: 'argocd' },
        spec: {
          sourceRepos: ['https://git.example.com/shop.git'],
          destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop' }],
        },
      });
    },
  },
  'BLUEGREEN-PARITY': {
    breaks: (m) => {
      const base = m.splice(0);
      const blue = colored(base, 'blue', `registry.example.com/shop/api:1.4.2@sha256:${'b'.repeat(64)}`);
      const green = colored(base, 'green', `registry.example.com/shop/api:1.5.0@sha256:${'c'.repeat(64)}`);
      apiPod(green).container.env[0].value = 'debug';
      green.splice(green.indexOf(object(green, 'ConfigMap', 'grafana-dashboard-api')), 1);
      m.push(...blue, ...green);
    },
    expected: [
      'ConfigMap/shop-blue/grafana-dashboard-api: has no green counterpart; both colours must have the same objects',
      `Deployment/shop-blue/api: differs from its green counterpart Deployment/shop-green/api at '${C}.env[0].value' (blue: "info", green: "debug"); only the colour, images, version label and the configuration staged on a colour (annotation alp-deploy.io/color-config) may differ`,
    ],
    // Other images and version labels are what a release changes.
    passes: (m) => {
      const base = m.splice(0);
      m.push(
        ...colored(base, 'blue', `registry.example.com/shop/api:1.4.2@sha256:${'b'.repeat(64)}`),
        ...colored(base, 'green', `registry.example.com/shop/api:1.5.0@sha256:${'c'.repeat(64)}`),
      );
    },
  },
  'COMPLETE-SERVICEMONITOR': {
    breaks: (m) => {
      object(m, 'ServiceMonitor', 'api').spec.selector.matchLabels = { 'app.kubernetes.io/name': 'web' };
    },
    expected: [`${A}: is a service (Service/shop/api) that no ServiceMonitor scrapes; add one for its metrics port`],
    passes: (m) => {
      const monitor = object(m, 'ServiceMonitor', 'api');
      monitor.metadata.namespace = 'monitoring';
      monitor.spec.namespaceSelector = { matchNames: ['shop'] };
    },
  },
  'COMPLETE-SLO-RULES': {
    breaks: (m) => {
      object(m, 'PrometheusRule', 'api-slo').spec.groups[0].rules = [{ record: 'api:error_ratio:rate5m', expr: 'vector(0)' }];
    },
    expected: [
      `${A}: is service 'api', which no PrometheusRule labelled 'app.kubernetes.io/name: api' with an alert covers; add its SLO alerts`,
    ],
    passes: (m) => {
      object(m, 'PrometheusRule', 'api-slo').metadata.namespace = 'monitoring';
    },
  },
  'COMPLETE-DASHBOARD': {
    breaks: (m) => {
      object(m, 'ConfigMap', 'grafana-dashboard-api').metadata.labels['app.kubernetes.io/name'] = 'web';
    },
    expected: [
      `${A}: is service 'api', which has no dashboard ConfigMap labelled 'grafana_dashboard' and 'app.kubernetes.io/name: api'; add one`,
    ],
    passes: (m) => {
      object(m, 'ConfigMap', 'grafana-dashboard-api').metadata.labels.grafana_dashboard = 'true';
    },
  },
};

/** The rules this file covers: rules-pod-security.test.ts, rules-exposure.test.ts, rules-mesh-dataplane.test.ts and rules-metric-adapter.test.ts cover the others. */
// Rules whose cases live in their own test files (rules-*.test.ts, reachability-rules.test.ts).
const ELSEWHERE = [
  ...POD_SECURITY_RULES,
  ...EXPOSURE_RULES,
  ...MESH_RULES,
  ...MESH_DATAPLANE_RULES,
  ...NAMESPACE_RULES,
  ...METRIC_ADAPTER_RULES,
  ...CHALLENGE_RULES,
  ...SCRAPE_RULES,
  ...RBAC_USABILITY_RULES,
  ...SECRET_STORE_RULES,
  ...GITOPS_DELIVERY_RULES,
  ...SYNC_ORDER_RULES,
  ...ALERTING_RULES,
];
const RULES = POLICY_RULES.filter((r) => !ELSEWHERE.includes(r));

describe('policy rules |', () => {
  test('every rule has an id, a severity, a title, a one-line rationale, a source and a fix', () => {
    expect(RULES.map((r) => r.id)).toEqual(Object.keys(CASES));
    for (const rule of POLICY_RULES) {
      expect(rule.id).toMatch(/^(SCHEMA|PSS|WORKLOAD|RBAC|NET|SECRET|GITOPS|BLUEGREEN|COMPLETE|ALERT)(-[A-Z0-9]+)*$/);
      expect(['error', 'warning']).toContain(rule.severity);
      for (const text of [rule.title, rule.rationale, rule.source, rule.fix]) expect(text).toMatch(/^\S[^\n]*\S$/);
    }
    expect(new Set(POLICY_RULES.map((r) => r.id)).size).toBe(POLICY_RULES.length);
  });

  test('the compliant shop breaks no rule', () => {
    const report = verify(compliantShop());
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([
      { ruleId: 'BLUEGREEN-PARITY', reason: 'no object is labelled alp-deploy.io/color: blue or green' },
      { ruleId: 'ALERT-ROUTED', reason: 'no AlertmanagerConfig in the manifests: alert routing is not part of the input' },
    ]);
  });

  describe.each(Object.entries(CASES))('%s |', (ruleId, c) => {
    test('fails on manifests that break it, with exact messages', () => {
      // GIVEN
      const manifests = compliantShop();
      c.breaks(manifests);
      // WHEN
      const report = verify(manifests);
      // THEN
      expect(messagesOf(report, ruleId)).toEqual(c.expected);
      const severity = RULES.find((r) => r.id === ruleId)!.severity;
      expect(report.findings.filter((f) => f.ruleId === ruleId).every((f) => f.severity === severity)).toBe(true);
    });

    test('passes on a near miss', () => {
      const manifests = compliantShop();
      c.passes(manifests);
      expect(messagesOf(verify(manifests), ruleId)).toEqual([]);
    });
  });
});

describe('rules across objects |', () => {
  test('WORKLOAD-PDB: a missing budget, two budgets, and a budget that allows nothing', () => {
    // GIVEN
    const manifests = compliantShop();
    remove(manifests, 'PodDisruptionBudget', 'api');
    const web = JSON.parse(JSON.stringify(apiPod(manifests).deployment).replace(/"api"/g, '"web"'));
    web.spec.replicas = 3;
    const webService = JSON.parse(JSON.stringify(object(manifests, 'Service', 'api')).replace(/"api"/g, '"web"'));
    const budget = (name: string, spec: any) => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace: 'shop' },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, ...spec },
    });
    manifests.push(web, webService, budget('web-a', { maxUnavailable: 0 }), budget('web-b', { maxUnavailable: '0%' }));
    // WHEN
    const report = verify(manifests);
    // THEN
    expect(messagesOf(report, 'WORKLOAD-PDB')).toEqual([
      "Deployment/shop/api: has no PodDisruptionBudget selecting its pods; add one with 'maxUnavailable: 1' so that drains keep it serving",
      'Deployment/shop/web: is selected by 2 PodDisruptionBudgets (PodDisruptionBudget/shop/web-a, PodDisruptionBudget/shop/web-b); the eviction API refuses to evict pods with more than one, which blocks drains: keep one',
    ]);
    manifests.pop();
    expect(messagesOf(verify(manifests), 'WORKLOAD-PDB')).toContain(
      "PodDisruptionBudget/shop/web-a: 'spec.maxUnavailable' (0) must allow at least one of the 3 pods of Deployment/shop/web ('spec.replicas') to be evicted; it blocks node drains; use 'maxUnavailable: 1'",
    );
  });

  test('relations hold within one cluster: a budget in one region does not cover the other', () => {
    // GIVEN the same app in two clusters, the budget only in the first
    const primary = compliantShop();
    const dr = compliantShop();
    remove(dr, 'PodDisruptionBudget', 'api');
    const inputs = [
      ...primary.map((manifest) => ({ manifest, cluster: 'primary' })),
      ...dr.map((manifest) => ({ manifest, cluster: 'dr' })),
    ];
    // WHEN
    const { findings } = verifyManifests(inputs, { today: TODAY });
    // THEN
    expect(findings.map((f) => f.message)).toEqual([
      "Deployment/shop/api: has no PodDisruptionBudget selecting its pods; add one with 'maxUnavailable: 1' so that drains keep it serving",
    ]);
  });

  test('BLUEGREEN-PARITY is skipped, with the reason, when one colour is missing', () => {
    const blue = colored(compliantShop(), 'blue', `registry.example.com/shop/api:1.4.2@sha256:${'b'.repeat(64)}`);
    expect(verify(blue).skipped).toEqual([
      {
        ruleId: 'NET-DEFAULT-DENY',
        reason: 'the Namespace objects of shop-blue are not in the manifests: their default deny is judged with them',
      },
      { ruleId: 'BLUEGREEN-PARITY', reason: 'only blue objects are in the manifests; parity needs both colours' },
      { ruleId: 'ALERT-ROUTED', reason: 'no AlertmanagerConfig in the manifests: alert routing is not part of the input' },
    ]);
  });

  describe('cross-object rules judge only what is in the input, so that a part gets the verdict of the whole |', () => {
    /** The findings of `ruleIds` and their skipped checks. */
    const judged = (manifests: any[], ruleIds: string[]) => {
      const report = verify(manifests);
      return {
        findings: report.findings.filter((f) => ruleIds.includes(f.ruleId)).map((f) => f.message),
        skipped: report.skipped.filter((k) => ruleIds.includes(k.ruleId)),
      };
    };

    test('NET-DEFAULT-DENY and NET-POD-SELECTED: the Deployment alone is judged with its namespace, not found wanting', () => {
      // GIVEN the api Deployment without its Namespace and NetworkPolicies (one file of a folder)
      const alone = [apiPod(compliantShop()).deployment];
      // THEN neither rule fails it; both say why they could not judge it
      expect(judged(alone, ['NET-DEFAULT-DENY', 'NET-POD-SELECTED'])).toEqual({
        findings: [],
        skipped: [
          {
            ruleId: 'NET-DEFAULT-DENY',
            reason: 'the Namespace objects of shop are not in the manifests: their default deny is judged with them',
          },
          {
            ruleId: 'NET-POD-SELECTED',
            reason:
              "neither a NetworkPolicy nor the Namespace object of shop is in the manifests: their pods are judged with their namespace's policies",
          },
        ],
      });
      // AND with its Namespace (but no policy) both judge, and fail, it
      const withNamespace = [object(compliantShop(), 'Namespace', 'shop'), ...alone];
      expect(judged(withNamespace, ['NET-DEFAULT-DENY', 'NET-POD-SELECTED']).findings).toEqual([
        "Namespace/shop: has no default-deny NetworkPolicy for Ingress and Egress; add one with 'podSelector: {}', 'policyTypes: [Ingress, Egress]' and no rules",
        `${A}: is selected by no NetworkPolicy with a podSelector of its own that allows traffic (namespace-wide policies do not count); add one for its connections`,
      ]);
    });

    test('RBAC-TOKEN-AUTOMOUNT: a pod whose ServiceAccount is elsewhere is judged with it', () => {
      // GIVEN a pod that leaves token mounting to its ServiceAccount, which is not in the input
      const m = compliantShop();
      delete apiPod(m).pod.automountServiceAccountToken;
      remove(m, 'ServiceAccount', 'api');
      remove(m, 'RoleBinding', 'api');
      // THEN
      expect(judged(m, ['RBAC-TOKEN-AUTOMOUNT'])).toEqual({
        findings: [],
        skipped: [
          {
            ruleId: 'RBAC-TOKEN-AUTOMOUNT',
            reason:
              'the ServiceAccounts of Deployment/shop/api are not in the manifests, which do not turn token mounting off in the pod: judged with their ServiceAccounts',
          },
        ],
      });
    });

    test('NET-NO-ALLOW-ALL: internet ingress to a Gateway that is not in the input is judged with the Gateway', () => {
      // GIVEN the Gateway's pods' policy without the Gateway (the Gateway in another folder)
      const m = compliantShop();
      publicGateway(m, 8443);
      remove(m, 'Gateway', 'public');
      // THEN
      expect(judged(m, ['NET-NO-ALLOW-ALL'])).toEqual({
        findings: [],
        skipped: [
          {
            ruleId: 'NET-NO-ALLOW-ALL',
            reason: 'the Gateways shop/public are not in the manifests: internet ingress to their pods is judged with their listener ports',
          },
        ],
      });
    });

    test("BLUEGREEN-PARITY: a missing counterpart is reported only where the other colour's objects are", () => {
      // GIVEN blue in shop-blue, and green objects only in another namespace (another folder's)
      const blue = colored(compliantShop(), 'blue', `registry.example.com/shop/api:1.4.2@sha256:${'b'.repeat(64)}`);
      const green = colored(compliantShop(), 'green', `registry.example.com/shop/api:1.5.0@sha256:${'c'.repeat(64)}`)
        .filter((o) => o.kind === 'ConfigMap')
        .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'web-green' } }));
      // THEN the 13 blue objects are not found wanting, nor the green ConfigMap
      expect(judged([...blue, ...green], ['BLUEGREEN-PARITY'])).toEqual({
        findings: [],
        skipped: [
          {
            ruleId: 'BLUEGREEN-PARITY',
            reason:
              "13 objects have no counterpart because the other colour's folder or namespace is not in the manifests: judged where both colours are",
          },
        ],
      });
      // AND where green has objects in the counterpart namespace, a missing one is reported
      const partial = colored(compliantShop(), 'green', `registry.example.com/shop/api:1.5.0@sha256:${'c'.repeat(64)}`).filter(
        (o) => o.kind !== 'ConfigMap',
      );
      expect(judged([...blue, ...partial], ['BLUEGREEN-PARITY']).findings).toEqual([
        'ConfigMap/shop-blue/grafana-dashboard-api: has no green counterpart; both colours must have the same objects',
      ]);
    });
  });

  test('completeness checks are skipped, with the reason, while the project emits none of a kind', () => {
    // GIVEN
    const manifests = compliantShop().filter((m) => !['ServiceMonitor', 'PrometheusRule', 'ConfigMap'].includes(m.kind));
    // WHEN
    const report = verify(manifests);
    // THEN
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([
      { ruleId: 'BLUEGREEN-PARITY', reason: 'no object is labelled alp-deploy.io/color: blue or green' },
      { ruleId: 'COMPLETE-SERVICEMONITOR', reason: 'no ServiceMonitor in the manifests: monitoring is not built yet' },
      { ruleId: 'COMPLETE-SLO-RULES', reason: 'no PrometheusRule in the manifests: SLO alerting is not built yet' },
      { ruleId: 'COMPLETE-DASHBOARD', reason: 'no ConfigMap labelled grafana_dashboard in the manifests: dashboards are not built yet' },
    ]);
  });
});
