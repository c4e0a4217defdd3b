import { Chart, Testing } from 'cdk8s';
import { NetworkPeer } from '../../lib/network';
import { LogShipper, LogShipperProps } from '../../lib/monitoring/log-shipper';
import { validateSchema } from '../../lib/policy/schema';
import { verifyManifests } from '../../lib/policy/verify';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { restrictedViolations } from '../helpers/pod-security';
import { monitoringChart } from './fixtures';

const PROPS: LogShipperProps = {
  elasticsearch: { host: 'logs.es.example.com', peer: NetworkPeer.cidr('10.20.0.0/16') },
  credentials: { storeName: 'vault', remoteKey: 'alp/logging/elasticsearch' },
  monitoringNamespace: 'alp-monitoring',
  namespace: 'alp-logging',
};

function build(props: Partial<LogShipperProps> = {}): { shipper: LogShipper; manifests: any[] } {
  const chart = monitoringChart();
  const shipper = new LogShipper(chart, 'Logs', { ...PROPS, ...props });
  return { shipper, manifests: Testing.synth(chart) };
}

describe('LogShipper |', () => {
  const { shipper, manifests } = build();
  const daemonSet = findObject(manifests, 'DaemonSet', 'fluent-bit');
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];

  test('runs in its own namespace, whose PSS enforce level is privileged and audit/warn baseline', () => {
    expect(kindCounts(manifests)).toEqual({
      Namespace: 1,
      ExternalSecret: 1,
      ConfigMap: 1,
      ServiceAccount: 1,
      DaemonSet: 1,
      Service: 1,
      ServiceMonitor: 1,
      NetworkPolicy: 2,
    });
    const namespace = findObject(manifests, 'Namespace', 'alp-logging');
    expect(namespace.metadata.namespace).toBeUndefined();
    expect(namespace.metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'baseline',
      'pod-security.kubernetes.io/audit-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/warn-version': 'v1.28',
    });
    expect(manifests.filter((m) => m.kind !== 'Namespace').map((m) => m.metadata.namespace)).toEqual(Array(8).fill('alp-logging'));
  });

  test("reads the node's container logs through two read-only hostPath volumes, and breaks nothing else of restricted", () => {
    expect(pod.volumes.filter((v: any) => v.hostPath)).toEqual([
      { name: 'container-logs', hostPath: { path: '/var/log/containers', type: 'Directory' } },
      { name: 'pod-logs', hostPath: { path: '/var/log/pods', type: 'Directory' } },
    ]);
    expect(container.volumeMounts.filter((m: any) => m.name.endsWith('-logs'))).toEqual([
      { name: 'container-logs', mountPath: '/var/log/containers', readOnly: true },
      { name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true },
    ]);
    expect(restrictedViolations(pod)).toEqual(['volume container-logs uses hostPath', 'volume pod-logs uses hostPath']);
    expect([pod.hostNetwork, pod.hostPID, pod.hostIPC, pod.automountServiceAccountToken]).toEqual([false, false, false, false]);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      supplementalGroups: [0],
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('records its one policy exception with the reason', () => {
    expect(shipper.policyExceptions).toEqual([
      {
        rule: 'PSS-BASELINE-HOST-PATH',
        object: 'DaemonSet/alp-logging/fluent-bit',
        reason: expect.stringContaining('only hostPath volumes give'),
      },
    ]);
  });

  test('with that exception, the policy checks find nothing else to refuse', () => {
    // GIVEN the exception as the policy file would hold it
    const exceptions = shipper.policyExceptions.map((e) => ({ ...e, expires: '2099-12-31' }));
    // WHEN
    const report = verifyManifests(
      manifests.map((manifest) => ({ manifest })),
      { exceptions, today: '2030-01-01' },
    );
    // THEN only the default image's missing digest remains (the project carries a dated exception for it)
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.ruleId} ${f.object}`)).toEqual([
      'WORKLOAD-IMAGE-DIGEST DaemonSet/alp-logging/fluent-bit',
    ]);
    expect(report.exceptions.map((e) => e.status)).toEqual(['applied']);
  });

  test('runs as root only when asked to, and then records the two extra exceptions the policy checks need', () => {
    // GIVEN nodes whose runtime writes the logs mode 0600
    const root = build({ runAsRoot: true });
    // THEN
    expect(root.shipper.policyExceptions.map((e) => e.rule)).toEqual([
      'PSS-BASELINE-HOST-PATH',
      'PSS-RESTRICTED-RUN-AS-NON-ROOT',
      'PSS-RESTRICTED-RUN-AS-USER',
    ]);
    const rootPod = findObject(root.manifests, 'DaemonSet', 'fluent-bit').spec.template.spec;
    expect([
      rootPod.securityContext.runAsUser,
      rootPod.securityContext.runAsNonRoot,
      rootPod.containers[0].securityContext.capabilities,
    ]).toEqual([0, false, { drop: ['ALL'] }]);
    const report = verifyManifests(
      root.manifests.map((manifest) => ({ manifest })),
      {
        exceptions: root.shipper.policyExceptions.map((e) => ({ ...e, expires: '2099-12-31' })),
        today: '2030-01-01',
      },
    );
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['WORKLOAD-IMAGE-DIGEST']);
    expect(report.exceptions.map((e) => e.status)).toEqual(['applied', 'applied', 'applied']);
  });

  test('ships JSON logs to Elasticsearch over verified TLS with credentials from an ExternalSecret', () => {
    const config = findObject(manifests, 'ConfigMap', 'fluent-bit').data['fluent-bit.conf'];
    expect(config).toContain('    Path                     /var/log/containers/*.log\n');
    expect(config).toContain('    Parser                   json\n');
    expect(config).toContain('    Host                     logs.es.example.com\n    Port                     9200\n');
    expect(config).toContain(
      '    HTTP_Passwd              ${ES_PASSWORD}\n    tls                      On\n    tls.verify               On\n',
    );
    expect(container.env).toEqual([
      { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'fluent-bit-elasticsearch', key: 'password' } } },
      { name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: 'fluent-bit-elasticsearch', key: 'username' } } },
    ]);
    expect(findObject(manifests, 'ExternalSecret', 'fluent-bit-elasticsearch').spec.data.map((d: any) => d.remoteRef)).toEqual([
      { key: 'alp/logging/elasticsearch', property: 'password' },
      { key: 'alp/logging/elasticsearch', property: 'username' },
    ]);
  });

  test('writes to the `logs-*` indices unless given a prefix, at the priority `critical` unless given one', () => {
    const prefixOf = (objects: any[]) =>
      /\n {4}Logstash_Prefix +(\S+)\n/.exec(findObject(objects, 'ConfigMap', 'fluent-bit').data['fluent-bit.conf'])?.[1];
    expect(prefixOf(manifests)).toBe('logs');
    expect(pod.priorityClassName).toBe('critical');
    const given = build({
      elasticsearch: { ...PROPS.elasticsearch, indexPrefix: 'shop-logs' },
      priorityClassName: 'shop-critical',
    }).manifests;
    expect(prefixOf(given)).toBe('shop-logs');
    expect(findObject(given, 'DaemonSet', 'fluent-bit').spec.template.spec.priorityClassName).toBe('shop-critical');
  });

  test('its namespace denies by default and allows DNS, Elasticsearch and Prometheus only', () => {
    expect(findObject(manifests, 'NetworkPolicy', 'fluent-bit-default-deny').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
    const allow = findObject(manifests, 'NetworkPolicy', 'fluent-bit-allow').spec;
    expect(allow.ingress).toEqual([
      {
        from: [
          {
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'alp-monitoring' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 2020 }],
      },
    ]);
    expect(allow.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 9200 }] });
    expect(allow.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
  });

  test('every object matches its schema, also in a chart of another namespace', () => {
    const chart = new Chart(Testing.app(), 'elsewhere', { namespace: 'alp-edge' });
    new LogShipper(chart, 'Logs', {
      ...PROPS,
      elasticsearch: { ...PROPS.elasticsearch, caSecret: { secretName: 'es-ca', key: 'ca.crt' } },
    });
    const elsewhere = Testing.synth(chart);
    expect(elsewhere.filter((m) => m.kind !== 'Namespace').every((m) => m.metadata.namespace === 'alp-logging')).toBe(true);
    expect(findObject(elsewhere, 'ConfigMap', 'fluent-bit').data['fluent-bit.conf']).toContain(
      'tls.ca_file              /fluent-bit/elasticsearch-ca/ca.crt',
    );
    expect([...manifests, ...elsewhere].flatMap(validateSchema)).toEqual([]);
  });

  test('fails on bad targets, listing every problem', () => {
    expect(
      errorOf(() => build({ elasticsearch: { host: 'https://es', port: 0, peer: NetworkPeer.cidr('10.0.0.0/8') }, logReaderGroup: -1 })),
    ).toBe(
      [
        'monitoring/Logs: 3 invalid props',
        '  - monitoring/Logs: \'elasticsearch.host\' ("https://es") must be a host name such as "logs.es.example.com"',
        "  - monitoring/Logs: 'elasticsearch.port' (0) must be an integer from 1 to 65535",
        "  - monitoring/Logs: 'logReaderGroup' (-1) must be a group id (an integer of at least 0)",
      ].join('\n'),
    );
  });

  test('fails without its namespace: there is no neutral default', () => {
    expect(errorOf(() => build({ namespace: undefined as unknown as string }))).toBe(
      "monitoring/Logs: 'namespace' (missing) must be a DNS label",
    );
  });
});
