import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useQuickSchemaCheck, validateSchema } from '../../lib/policy/schema';
import { K8S_SCHEMA, preparedSchemaFiles, preparedSchemaSource, SCHEMA_INDEX } from '../../lib/policy/schema-json';

const IMPORTS = join(__dirname, '..', '..', 'imports');

const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { 'app.kubernetes.io/part-of': 'alp' },
});

function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('api', 'alp-blue'),
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'api' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [
            {
              name: 'api',
              image: 'registry.example.com/api:1.0.0',
              ports: [{ name: 'http', containerPort: 8080 }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}

function externalSecret(): any {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: meta('api-redis', 'alp-blue'),
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'api-redis', creationPolicy: 'Owner' },
      data: [{ secretKey: 'password', remoteRef: { key: 'alp/shared/redis', property: 'password' } }],
    },
  };
}

function certificate(): any {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: meta('learn', 'alp-edge'),
    spec: {
      secretName: 'learn-tls',
      dnsNames: ['learn.alp.example.com'],
      duration: '2160h',
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'alp-acme' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    },
  };
}

function gateway(): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: meta('alp-gateway', 'alp-edge'),
    spec: {
      gatewayClassName: 'istio',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
        {
          name: 'https',
          hostname: 'learn.alp.example.com',
          port: 443,
          protocol: 'HTTPS',
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'learn-tls' }] },
        },
      ],
    },
  };
}

function httpRedirect(): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta('https-redirect', 'alp-edge'),
    spec: {
      parentRefs: [{ name: 'alp-gateway', sectionName: 'http' }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    },
  };
}

function application(): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: meta('alp-primary-blue', 'argocd'),
    spec: {
      project: 'alp',
      source: { repoURL: 'https://git.example.com/alp/deploy.git', targetRevision: 'main', path: 'dist/manifests/primary/blue' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'alp-blue' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
    },
  };
}

function prometheusRule(strategy: string): any {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: meta('api', 'alp-monitoring'),
    spec: {
      groups: [
        {
          name: 'api.rules',
          partial_response_strategy: strategy,
          rules: [{ alert: 'ApiDown', expr: 'up{job="api"} == 0', for: '5m', labels: { severity: 'critical' } }],
        },
      ],
    },
  };
}

// Every case twice, which must agree: as synth validates (the quick check, then Ajv, compiled on
// first use, for what it does not vouch for: every invalid object), and with Ajv alone.
describe.each([
  ['quick check, then Ajv', true],
  ['Ajv alone', false],
])('validateSchema (%s) |', (_mode, quick) => {
  beforeAll(() => {
    useQuickSchemaCheck(quick);
  });
  afterAll(() => {
    useQuickSchemaCheck(true);
  });

  describe('core kinds (Kubernetes v1.28 definitions)', () => {
    test('a valid Deployment has no problems', () => {
      // GIVEN
      const manifest = deployment();
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails when replicas is not an integer', () => {
      // GIVEN
      const manifest = deployment();
      manifest.spec.replicas = 'x';
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([{ object: 'Deployment/alp-blue/api', path: 'spec.replicas', message: 'must be integer' }]);
    });

    test('fails on an unknown field, a missing required field, a bad quantity and an int-or-string of the wrong type', () => {
      // GIVEN
      const manifest = deployment();
      const container = manifest.spec.template.spec.containers[0];
      container.imagePullPolicyy = 'Always';
      container.resources.limits.cpu = '1 core';
      delete manifest.spec.selector;
      manifest.spec.strategy.rollingUpdate.maxSurge = true;
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'Deployment/alp-blue/api', path: 'spec.selector', message: 'is required' },
        { object: 'Deployment/alp-blue/api', path: 'spec.strategy.rollingUpdate.maxSurge', message: 'must be string or integer' },
        { object: 'Deployment/alp-blue/api', path: 'spec.template.spec.containers[0].imagePullPolicyy', message: 'unknown field' },
        {
          object: 'Deployment/alp-blue/api',
          path: 'spec.template.spec.containers[0].resources.limits.cpu',
          message: 'must match pattern "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"',
        },
      ]);
    });

    test('fails on duplicate keys in a map list, and quotes map keys that are not identifiers', () => {
      // GIVEN
      const manifest = deployment();
      manifest.spec.template.spec.containers[0].ports.push({ name: 'metrics', containerPort: 8080 });
      manifest.metadata.labels['app.kubernetes.io/version'] = 1;
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'Deployment/alp-blue/api', path: 'metadata.labels["app.kubernetes.io/version"]', message: 'must be string' },
        {
          object: 'Deployment/alp-blue/api',
          path: 'spec.template.spec.containers[0].ports[1]',
          message: 'duplicate entry (containerPort: 8080)',
        },
      ]);
    });

    test('a null property counts as unset, as on the API server', () => {
      // GIVEN
      const manifest = deployment();
      manifest.metadata.creationTimestamp = null;
      manifest.spec.replicas = null;
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });

    test.each([
      [
        'autoscaling/v2 HorizontalPodAutoscaler',
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: meta('api', 'alp-blue'),
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
            minReplicas: 2,
            maxReplicas: 8,
            metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          },
        },
      ],
      [
        'policy/v1 PodDisruptionBudget',
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: meta('api', 'alp-blue'),
          spec: { minAvailable: 1, selector: { matchLabels: { app: 'api' } } },
        },
      ],
      [
        'networking.k8s.io/v1 NetworkPolicy',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: meta('deny-all', 'alp-blue'),
          spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
        },
      ],
      [
        'rbac.authorization.k8s.io/v1 Role',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: meta('api', 'alp-blue'),
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
        },
      ],
      [
        'scheduling.k8s.io/v1 PriorityClass',
        { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta('alp-critical'), value: 1000000 },
      ],
      [
        'batch/v1 CronJob',
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: meta('retention', 'alp-data'),
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: {
              spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: 'busybox:1.36' }] } } },
            },
          },
        },
      ],
      ['v1 Secret', { apiVersion: 'v1', kind: 'Secret', metadata: meta('s', 'alp-blue'), type: 'Opaque', data: { token: 'c2VjcmV0' } }],
    ])('a valid %s has no problems', (_, manifest) => {
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on a Secret value that is not base64 (format byte)', () => {
      // GIVEN
      const manifest = { apiVersion: 'v1', kind: 'Secret', metadata: meta('s', 'alp-blue'), data: { token: 'not base64!' } };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([{ object: 'Secret/alp-blue/s', path: 'data.token', message: 'must match format "byte"' }]);
    });

    test('fails on a cluster-scoped object named without a namespace', () => {
      // GIVEN
      const manifest = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta('alp-critical'), value: 'high' };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([{ object: 'PriorityClass/alp-critical', path: 'value', message: 'must be integer' }]);
    });
  });

  describe('unknown kinds', () => {
    test.each([
      ['example.com/v1', 'Widget'],
      ['apps/v2', 'Deployment'],
      // ESO serves only v1: v1beta1 is in the CRD with served: false.
      ['external-secrets.io/v1beta1', 'ExternalSecret'],
    ])('fails with "no schema" for %s %s', (apiVersion, kind) => {
      // GIVEN
      const manifest = { apiVersion, kind, metadata: { name: 'x', namespace: 'ns' } };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([{ object: `${kind}/ns/x`, path: '', message: `no schema for ${apiVersion} ${kind}` }]);
    });
  });

  describe('external-secrets.io', () => {
    test('a valid ExternalSecret v1 has no problems', () => {
      // WHEN
      const problems = validateSchema(externalSecret());
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on an unknown field, which the API server would prune', () => {
      // GIVEN
      const manifest = externalSecret();
      manifest.spec.secretStoreRef.namespace = 'vault';
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'ExternalSecret/alp-blue/api-redis', path: 'spec.secretStoreRef.namespace', message: 'unknown field' },
      ]);
    });

    test('fails on an unknown metadata field (metadata is checked as ObjectMeta)', () => {
      // GIVEN
      const manifest = externalSecret();
      manifest.metadata.label = { app: 'api' };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([{ object: 'ExternalSecret/alp-blue/api-redis', path: 'metadata.label', message: 'unknown field' }]);
    });

    test('a valid ClusterSecretStore has no problems', () => {
      // GIVEN
      const manifest = {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: meta('vault'),
        spec: {
          provider: {
            vault: {
              server: 'https://vault.example.com',
              path: 'secret',
              version: 'v2',
              auth: { kubernetes: { mountPath: 'kubernetes', role: 'alp' } },
            },
          },
        },
      };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });
  });

  describe('cert-manager.io', () => {
    test('a valid Certificate has no problems', () => {
      // WHEN
      const problems = validateSchema(certificate());
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails when secretName is missing and the key algorithm is not allowed', () => {
      // GIVEN
      const manifest = certificate();
      delete manifest.spec.secretName;
      manifest.spec.privateKey.algorithm = 'DSA';
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'Certificate/alp-edge/learn', path: 'spec.secretName', message: 'is required' },
        { object: 'Certificate/alp-edge/learn', path: 'spec.privateKey.algorithm', message: 'must be one of "RSA", "ECDSA", "Ed25519"' },
      ]);
    });

    test('a valid ClusterIssuer has no problems', () => {
      // GIVEN
      const manifest = {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: meta('alp-acme'),
        spec: {
          acme: {
            email: 'platform-team@alp.example.com',
            server: 'https://acme-v02.api.letsencrypt.org/directory',
            privateKeySecretRef: { name: 'alp-acme-account-key' },
            solvers: [
              {
                http01: {
                  gatewayHTTPRoute: { parentRefs: [{ kind: 'Gateway', name: 'alp-gateway', namespace: 'alp-edge', sectionName: 'http' }] },
                },
              },
            ],
          },
        },
      };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });
  });

  describe('security.istio.io', () => {
    test('a valid PeerAuthentication has no problems, although its schema lists only spec and status', () => {
      // GIVEN
      const manifest = {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: meta('strict-mtls', 'alp-blue'),
        spec: { mtls: { mode: 'STRICT' } },
      };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on an mTLS mode outside the enum', () => {
      // GIVEN
      const manifest = {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: meta('strict-mtls', 'alp-blue'),
        spec: { mtls: { mode: 'STRICTER' } },
      };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        {
          object: 'PeerAuthentication/alp-blue/strict-mtls',
          path: 'spec.mtls.mode',
          message: 'must be one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
        },
      ]);
    });

    test('fails on an AuthorizationPolicy rule with a misspelt field', () => {
      // GIVEN
      const manifest = {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: meta('api', 'alp-blue'),
        spec: {
          action: 'ALLOW',
          selector: { matchLabels: { app: 'api' } },
          rules: [{ from: [{ source: { principal: ['cluster.local/ns/alp-edge/sa/gateway'] } }] }],
        },
      };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'AuthorizationPolicy/alp-blue/api', path: 'spec.rules[0].from[0].source.principal', message: 'unknown field' },
      ]);
    });
  });

  describe('gateway.networking.k8s.io', () => {
    test('a valid Gateway with an HTTPS listener has no problems', () => {
      // WHEN
      const problems = validateSchema(gateway());
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on a duplicate listener name and a port of the wrong type', () => {
      // GIVEN
      const manifest = gateway();
      manifest.spec.listeners[1].name = 'http';
      manifest.spec.listeners[1].port = '443';
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'Gateway/alp-edge/alp-gateway', path: 'spec.listeners[1].port', message: 'must be integer' },
        { object: 'Gateway/alp-edge/alp-gateway', path: 'spec.listeners[1]', message: 'duplicate entry (name: "http")' },
      ]);
    });

    test('a Gateway v1beta1 (the v1 schema, stored once) is valid, or fails on a port of the wrong type', () => {
      // GIVEN
      const valid = { ...gateway(), apiVersion: 'gateway.networking.k8s.io/v1beta1' };
      const invalid = structuredClone(valid);
      invalid.spec.listeners[0].port = 'eighty';
      // WHEN
      const problems = [...validateSchema(valid), ...validateSchema(invalid)];
      // THEN
      expect(problems).toEqual([{ object: 'Gateway/alp-edge/alp-gateway', path: 'spec.listeners[0].port', message: 'must be integer' }]);
    });

    test('a valid HTTPRoute with a RequestRedirect filter has no problems', () => {
      // WHEN
      const problems = validateSchema(httpRedirect());
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on a redirect status code and scheme outside their enums', () => {
      // GIVEN
      const manifest = httpRedirect();
      manifest.spec.rules[0].filters[0].requestRedirect = { scheme: 'HTTPS', statusCode: 300 };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        {
          object: 'HTTPRoute/alp-edge/https-redirect',
          path: 'spec.rules[0].filters[0].requestRedirect.scheme',
          message: 'must be one of "http", "https"',
        },
        {
          object: 'HTTPRoute/alp-edge/https-redirect',
          path: 'spec.rules[0].filters[0].requestRedirect.statusCode',
          message: 'must be one of 301, 302, 303, 307, 308',
        },
      ]);
    });

    test('ReferenceGrant v1beta1 (schema from @kubernetes-models/gateway-api) is valid, or fails without "to"', () => {
      // GIVEN
      const grant: any = {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: meta('from-edge', 'alp-blue'),
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'alp-edge' }],
          to: [{ group: '', kind: 'Service' }],
        },
      };
      // WHEN
      const valid = validateSchema(grant);
      delete grant.spec.to;
      const invalid = validateSchema(grant);
      // THEN
      expect(valid).toEqual([]);
      expect(invalid).toEqual([{ object: 'ReferenceGrant/alp-blue/from-edge', path: 'spec.to', message: 'is required' }]);
    });
  });

  describe('argoproj.io', () => {
    test('a valid Application has no problems', () => {
      // WHEN
      const problems = validateSchema(application());
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on a non-boolean prune and a missing destination', () => {
      // GIVEN
      const manifest = application();
      manifest.spec.syncPolicy.automated.prune = 'yes';
      delete manifest.spec.destination;
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([
        { object: 'Application/argocd/alp-primary-blue', path: 'spec.destination', message: 'is required' },
        { object: 'Application/argocd/alp-primary-blue', path: 'spec.syncPolicy.automated.prune', message: 'must be boolean' },
      ]);
    });

    test('valid AppProject and ApplicationSet have no problems', () => {
      // GIVEN
      const project = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: meta('alp', 'argocd'),
        spec: {
          sourceRepos: ['https://git.example.com/alp/deploy.git'],
          destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'alp-*' }],
        },
      };
      const appSet = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ApplicationSet',
        metadata: meta('alp', 'argocd'),
        spec: {
          generators: [{ list: { elements: [{ colour: 'blue' }, { colour: 'green' }] } }],
          template: { metadata: { name: 'alp-{{colour}}' }, spec: application().spec },
        },
      };
      // WHEN
      const problems = [...validateSchema(project), ...validateSchema(appSet)];
      // THEN
      expect(problems).toEqual([]);
    });
  });

  describe('monitoring.coreos.com', () => {
    test('a valid ServiceMonitor has no problems; its targetPort is int-or-string', () => {
      // GIVEN
      const manifest: any = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: meta('api', 'alp-blue'),
        spec: {
          selector: { matchLabels: { app: 'api' } },
          endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }, { targetPort: 9090 }],
        },
      };
      // WHEN
      const valid = validateSchema(manifest);
      manifest.spec.endpoints[1].targetPort = true;
      const invalid = validateSchema(manifest);
      // THEN
      expect(valid).toEqual([]);
      expect(invalid).toEqual([
        { object: 'ServiceMonitor/alp-blue/api', path: 'spec.endpoints[1].targetPort', message: 'must be integer or string' },
      ]);
    });

    test('a Go (?i) pattern is matched case-insensitively, with RE2', () => {
      // WHEN
      const upper = validateSchema(prometheusRule('WARN'));
      const wrong = validateSchema(prometheusRule('ignore'));
      // THEN
      expect(upper).toEqual([]);
      expect(wrong).toEqual([
        {
          object: 'PrometheusRule/alp-monitoring/api',
          path: 'spec.groups[0].partial_response_strategy',
          message: 'must match pattern "^(?i)(abort|warn)?$"',
        },
      ]);
    });

    test('an AlertmanagerConfig time interval follows RE2 scoping of (?i)', () => {
      // GIVEN a (?i) inside a group applies to that group only: "day" must stay lower case
      const config = (weekday: string) => ({
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'AlertmanagerConfig',
        metadata: meta('alp', 'alp-monitoring'),
        spec: { muteTimeIntervals: [{ name: 'weekdays', timeIntervals: [{ weekdays: [weekday] }] }] },
      });
      // WHEN
      const valid = validateSchema(config('MONday:friday'));
      const invalid = validateSchema(config('MONDAY'));
      // THEN
      expect(valid).toEqual([]);
      expect(invalid).toEqual([
        {
          object: 'AlertmanagerConfig/alp-monitoring/alp',
          path: 'spec.muteTimeIntervals[0].timeIntervals[0].weekdays[0]',
          message: 'must match pattern "^((?i)sun|mon|tues|wednes|thurs|fri|satur)day(?:((:(sun|mon|tues|wednes|thurs|fri|satur)day)$)|$)"',
        },
      ]);
    });

    test('a valid Probe has no problems', () => {
      // GIVEN
      const manifest = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Probe',
        metadata: meta('learn', 'alp-monitoring'),
        spec: {
          interval: '30s',
          module: 'http_2xx',
          prober: { url: 'blackbox-exporter:9115' },
          targets: { staticConfig: { static: ['https://learn.alp.example.com'] } },
        },
      };
      // WHEN
      const problems = validateSchema(manifest);
      // THEN
      expect(problems).toEqual([]);
    });
  });

  describe('postgresql.cnpg.io and velero.io', () => {
    test('valid Cluster, Pooler, ScheduledBackup and Schedule have no problems', () => {
      // GIVEN
      const manifests = [
        {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'Cluster',
          metadata: meta('alp-db', 'alp-data'),
          spec: { instances: 3, storage: { size: '20Gi' } },
        },
        {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'Pooler',
          metadata: meta('alp-db-rw', 'alp-data'),
          spec: { cluster: { name: 'alp-db' }, instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction' } },
        },
        {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'ScheduledBackup',
          metadata: meta('alp-db-daily', 'alp-data'),
          spec: { schedule: '0 0 2 * * *', cluster: { name: 'alp-db' } },
        },
        {
          apiVersion: 'velero.io/v1',
          kind: 'Schedule',
          metadata: meta('alp-daily', 'velero'),
          spec: { schedule: '0 3 * * *', template: { includedNamespaces: ['alp-data'], ttl: '720h0m0s' } },
        },
      ];
      // WHEN
      const problems = manifests.flatMap((m) => validateSchema(m));
      // THEN
      expect(problems).toEqual([]);
    });

    test('fails on a Cluster with instances as a string, below the minimum, and a Schedule without a schedule', () => {
      // GIVEN
      const cluster = {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: meta('alp-db', 'alp-data'),
        spec: { instances: 'three' },
      };
      const small = { ...cluster, spec: { instances: 0 } };
      const schedule = { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: meta('alp-daily', 'velero'), spec: { template: {} } };
      // WHEN
      const problems = [...validateSchema(cluster), ...validateSchema(small), ...validateSchema(schedule)];
      // THEN
      expect(problems).toEqual([
        { object: 'Cluster/alp-data/alp-db', path: 'spec.instances', message: 'must be integer' },
        { object: 'Cluster/alp-data/alp-db', path: 'spec.instances', message: 'must be >= 1' },
        { object: 'Schedule/velero/alp-daily', path: 'spec.schedule', message: 'is required' },
      ]);
    });
  });
});

describe('schemas (imports/schemas/) and prepared schemas (imports/validators/)', () => {
  const schemaFiles = readdirSync(join(IMPORTS, 'schemas'));
  const index: Record<string, string> = JSON.parse(readFileSync(join(IMPORTS, 'schemas', SCHEMA_INDEX), 'utf8'));

  test('imports/validators/ holds one prepared schema per schema file, and no code', () => {
    // WHEN
    const expected = preparedSchemaFiles(schemaFiles);
    // THEN
    expect(readdirSync(join(IMPORTS, 'validators')).sort()).toEqual(expected);
    expect(expected).toContain('external-secrets.io_ExternalSecret_v1.jsonl');
    expect(expected.every((file) => file.endsWith('.jsonl'))).toBe(true);
  });

  test('the prepared schemas are up to date (else run npm run import)', () => {
    for (const file of [`${K8S_SCHEMA}.json`, 'security.istio.io_AuthorizationPolicy_v1.json']) {
      // WHEN
      const source = preparedSchemaSource(join(IMPORTS, 'schemas'), file);
      // THEN
      expect(source).toEqual(readFileSync(join(IMPORTS, 'validators', file.replace(/\.json$/, '.jsonl')), 'utf8'));
    }
  });

  test('the index maps each CRD kind to a schema file, and each schema file but the Kubernetes definitions is indexed', () => {
    // WHEN
    const indexed = new Set(Object.values(index));
    // THEN
    expect([...indexed].filter((file) => !schemaFiles.includes(file))).toEqual([]);
    expect(schemaFiles.filter((file) => !indexed.has(file)).sort()).toEqual([SCHEMA_INDEX, `${K8S_SCHEMA}.json`]);
  });

  test('versions of a CRD with the same schema share one file; no two schema files are the same', () => {
    // WHEN
    const contents = schemaFiles.map((file) => readFileSync(join(IMPORTS, 'schemas', file), 'utf8'));
    // THEN
    expect(new Set(contents).size).toBe(contents.length);
    expect(
      ['Gateway', 'HTTPRoute'].map((kind) => [
        index[`gateway.networking.k8s.io/v1 ${kind}`],
        index[`gateway.networking.k8s.io/v1beta1 ${kind}`],
      ]),
    ).toEqual([
      ['gateway.networking.k8s.io_Gateway_v1.json', 'gateway.networking.k8s.io_Gateway_v1.json'],
      ['gateway.networking.k8s.io_HTTPRoute_v1.json', 'gateway.networking.k8s.io_HTTPRoute_v1.json'],
    ]);
    expect(index['security.istio.io/v1beta1 PeerAuthentication']).toBe('security.istio.io_PeerAuthentication_v1.json');
  });
});
