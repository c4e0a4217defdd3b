import { join } from 'node:path';
import { platformApp } from '../../charts';
import { AMBIENT } from '../../lib';
import { PROMETHEUS } from '../../lib/core/endpoints';
import { MESH_DATAPLANE_RULES } from '../../lib/policy/rules';
import { verifyManifests } from '../../lib/policy/verify';
import { platformModel, REPO_ROOT } from '../helpers/manifests';
import { synthesize } from '../../platform';

/**
 * The mesh is real: every namespace with STRICT mutual TLS is enrolled in the spec's dataplane,
 * Prometheus scrapes its STRICT targets through the same dataplane, and the dataplane's tunnels
 * pass the NetworkPolicies. Expectations come from the objects and the spec, not from lists.
 */
describe('mesh dataplane |', () => {
  const model = platformModel();
  const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
  // The regions' clusters (the objects of Argo CD's own are in no namespace of the platform).
  const regions = [...new Set(output.objects.filter((o) => o.manifest.kind === 'Namespace').map((o) => o.region))].sort();
  const of = (region: string) => output.objects.filter((o) => o.region === region).map((o) => o.manifest);
  const namespaceLabels = (manifests: any[]) =>
    new Map<string, Record<string, string>>(
      manifests.filter((m) => m.kind === 'Namespace').map((m) => [m.metadata.name, m.metadata.labels ?? {}]),
    );
  const strictNamespaces = (manifests: any[]) =>
    new Set<string>(
      manifests
        .filter((m) => m.kind === 'PeerAuthentication' && m.spec?.mtls?.mode === 'STRICT' && !m.spec?.selector)
        .map((m) => m.metadata.namespace),
    );
  const dataplaneOf = (labels: Record<string, string> | undefined) => labels?.[AMBIENT.label];

  test('the spec chooses ambient by default', () => {
    expect(model.spec.mesh).toEqual({ enabled: true, dataplane: 'ambient' });
  });

  test.each(regions)('in %s, every namespace with a STRICT PeerAuthentication is enrolled in the dataplane', (region) => {
    const manifests = of(region);
    const labels = namespaceLabels(manifests);
    const strict = [...strictNamespaces(manifests)].sort();
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.map((ns) => [ns, dataplaneOf(labels.get(ns))])).toEqual(strict.map((ns) => [ns, model.spec.mesh.dataplane]));
  });

  test.each(regions)('in %s, Prometheus is in the same dataplane as every STRICT namespace it scrapes', (region) => {
    const manifests = of(region);
    const labels = namespaceLabels(manifests);
    const strict = strictNamespaces(manifests);
    const prometheusNamespace = model.spec.namespaces[PROMETHEUS.namespaceRole];
    const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor' || m.kind === 'PodMonitor');
    const targets = [...new Set(monitors.flatMap((m) => m.spec.namespaceSelector?.matchNames ?? [m.metadata.namespace]))]
      .filter((ns) => strict.has(ns))
      .sort();
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.map((ns) => [ns, dataplaneOf(labels.get(prometheusNamespace))])).toEqual(
      targets.map((ns) => [ns, dataplaneOf(labels.get(ns))]),
    );
    expect(dataplaneOf(labels.get(prometheusNamespace))).toBe(AMBIENT.value);
  });

  test.each(regions)(
    "in %s, tunnels pass default-deny: enrolled namespaces accept and open HBONE, the gateways' namespace opens it",
    (region) => {
      const manifests = of(region);
      const labels = namespaceLabels(manifests);
      const hbone = (rules: any[] | undefined) =>
        (rules ?? []).filter((r) => r.ports?.some((p: any) => p.port === AMBIENT.hbonePort && p.protocol === 'TCP'));
      const policiesIn = (ns: string) =>
        manifests.filter(
          (m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === ns && Object.keys(m.spec.podSelector ?? {}).length === 0,
        );
      const gatewayNamespaces = new Set(manifests.filter((m) => m.kind === 'Gateway').map((m) => m.metadata.namespace));
      for (const [ns, nsLabels] of labels) {
        const enrolled = dataplaneOf(nsLabels) === AMBIENT.value;
        const ingress = policiesIn(ns).flatMap((p) => hbone(p.spec.ingress));
        const egress = policiesIn(ns).flatMap((p) => hbone(p.spec.egress));
        if (enrolled || gatewayNamespaces.has(ns)) {
          expect([ns, egress.flatMap((r) => r.to)]).toEqual([
            ns,
            [{ namespaceSelector: { matchLabels: { [AMBIENT.label]: AMBIENT.value } } }],
          ]);
        }
        if (enrolled) {
          expect([ns, ingress.flatMap((r) => r.from)]).toEqual([
            ns,
            [
              { namespaceSelector: { matchLabels: { [AMBIENT.label]: AMBIENT.value } } },
              ...[...gatewayNamespaces].sort().map((g) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': g } } })),
            ],
          ]);
        }
      }
    },
  );

  test.each(regions)(
    "in %s, every enrolled namespace admits the kubelet probes from the dataplane's probe source under its default-deny",
    (region) => {
      const manifests = of(region);
      const enrolled = [...namespaceLabels(manifests)].filter(([, labels]) => dataplaneOf(labels) === AMBIENT.value).map(([name]) => name);
      expect(enrolled.length).toBeGreaterThan(0);
      for (const namespace of enrolled) {
        const probeRules = manifests
          .filter((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === namespace && Object.keys(m.spec.podSelector).length === 0)
          .flatMap((m) => m.spec.ingress ?? [])
          .filter((rule: any) => rule.from.some((peer: any) => peer.ipBlock?.cidr === AMBIENT.probeSourceCidr));
        // From that address only, on every port (each probe names its own).
        expect({ namespace, probeRules }).toEqual({ namespace, probeRules: [{ from: [{ ipBlock: { cidr: AMBIENT.probeSourceCidr } }] }] });
      }
    },
  );

  test('no generated AuthorizationPolicy needs a waypoint, and every STRICT namespace has a dataplane', () => {
    const report = verifyManifests(
      output.objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.region })),
      { rules: MESH_DATAPLANE_RULES, today: '2026-03-01' },
    );
    expect(report.findings).toEqual([]);
    expect(output.objects.filter((o) => o.manifest.kind === 'AuthorizationPolicy').length).toBeGreaterThan(0);
  });
});
