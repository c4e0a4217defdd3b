import { join } from 'node:path';
import { platformApp } from '../../charts';
import { AMBIENT } from '../../lib';
import { platformModel, REPO_ROOT } from '../helpers/manifests';
import { previewHost, synthesize } from '../../platform';

describe('platform security |', () => {
  const model = platformModel();
  const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
  const manifests = output.objects.map((o) => o.manifest);

  test.each(['primary', 'dr'])('in %s, every namespace is default-deny for ingress and egress', (region) => {
    const inRegion = output.objects.filter((o) => o.region === region).map((o) => o.manifest);
    const namespaces = inRegion.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name);
    // The 5 platform namespaces and the log shipper's own.
    expect(namespaces.length).toBe(6);
    for (const namespace of namespaces) {
      const denyAll = inRegion.filter(
        (m) =>
          m.kind === 'NetworkPolicy'
          && m.metadata.namespace === namespace
          && Object.keys(m.spec.podSelector).length === 0
          && !m.spec.ingress
          && !m.spec.egress,
      );
      expect({ namespace, policyTypes: denyAll.map((m) => m.spec.policyTypes) }).toEqual({
        namespace,
        policyTypes: [['Ingress', 'Egress']],
      });
    }
  });

  test('no allow-all rule: every peer is specific and every rule names its ports', () => {
    for (const policy of manifests.filter((m) => m.kind === 'NetworkPolicy')) {
      for (const rule of [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])]) {
        // The one exception: the ambient dataplane's kubelet probes, from their single source, on any port.
        if (rule.from?.length === 1 && rule.from[0].ipBlock?.cidr === AMBIENT.probeSourceCidr) continue;
        expect(rule.ports?.length ?? 0).toBeGreaterThan(0);
        const peers = rule.from ?? rule.to;
        expect(peers.length).toBeGreaterThan(0);
        // A peer selects pods, addresses, or namespaces by label (the mesh's HBONE tunnel port 15008 between enrolled namespaces).
        for (const peer of peers)
          expect(Object.keys(peer.podSelector ?? peer.ipBlock ?? peer.namespaceSelector?.matchLabels ?? {}).length).toBeGreaterThan(0);
      }
    }
  });

  test('no Secret is written; secrets come from Vault through ExternalSecrets', () => {
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const externalSecrets = manifests.filter((m) => m.kind === 'ExternalSecret');
    // The services' secrets in each colour and region; per region PagerDuty, Slack, the dead
    // man's switch and Elasticsearch credentials, and the data layer's PostgreSQL owner,
    // object-store, Redis password and Redis TLS credentials.
    const serviceSecrets = model.spec.services.reduce((n, s) => n + s.secrets.length, 0);
    expect(externalSecrets.length).toBe(2 * 2 * serviceSecrets + 2 * 4 + 2 * 4);
    expect(new Set(externalSecrets.map((m) => m.spec.secretStoreRef.name))).toEqual(new Set(['vault']));
    expect(JSON.stringify(manifests)).not.toMatch(/stringData|"data":\{"[^"]+":"[A-Za-z0-9+/=]{8,}"/);
  });

  test('every public host and its preview host have a Certificate, renewed before expiry', () => {
    const hosts = model.spec.services.filter((s) => s.public).flatMap((s) => [s.public!.host, previewHost(model.spec, s.public!.host)]);
    for (const region of ['primary', 'dr']) {
      const certificates = output.objects
        .filter((o) => o.region === region && o.manifest.kind === 'Certificate')
        .map((o) => o.manifest.spec);
      expect(certificates.flatMap((c) => c.dnsNames).sort()).toEqual([...hosts].sort());
      for (const certificate of certificates) expect(certificate.renewBefore).toBe('720h');
    }
  });

  test('service accounts mount no token unless the service declares API access, which gets exactly its rules', () => {
    const accounts = output.objects
      .filter((o) => o.region === 'primary' && o.component === 'blue' && o.manifest.kind === 'ServiceAccount')
      .map((o) => o.manifest);
    const withApiAccess = model.spec.services.filter((s) => s.kubernetesApi).map((s) => s.name);
    expect(
      accounts
        .filter((a) => a.automountServiceAccountToken)
        .map((a) => a.metadata.name)
        .sort(),
    ).toEqual(withApiAccess.sort());
    expect(withApiAccess).toContain('learning-engine');
    const role = output.objects.find((o) => o.path === 'manifests/primary/blue/role-learning-engine-api.yaml')!.manifest;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['learning-engine-models'] },
    ]);
    const roles = manifests.filter((m) => m.kind === 'Role');
    expect(JSON.stringify(roles.map((r) => r.rules))).not.toMatch(/"\*"|escalate|impersonate|"bind"|"secrets"|pods\/exec/);
  });
});
