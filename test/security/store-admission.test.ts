/**
 * Every ExternalSecret's namespace is admitted by the ClusterSecretStore it reads, as External
 * Secrets judges `spec.conditions` (any one condition admits; no conditions admit every namespace).
 */
import { platformApp } from '../../charts';
import { renderApp } from '../../lib';
import { SECRET_STORE_ADMISSION, storeAdmits } from '../../lib/policy/rules';
import { verifyManifests } from '../../lib/policy/verify';
import { platformModel } from '../helpers/manifests';
import { messagesOf, verify } from '../policy/corpus/fixtures';

describe('ClusterSecretStore conditions, as External Secrets reads them |', () => {
  test('no conditions admit every namespace; otherwise one condition must match by name, regular expression or label selector', () => {
    expect(storeAdmits(undefined, 'any', undefined)).toBe('admitted');
    expect(storeAdmits([], 'any', undefined)).toBe('admitted');
    expect(storeAdmits([{ namespaces: ['a'] }, { namespaces: ['b'] }], 'b', undefined)).toBe('admitted');
    expect(storeAdmits([{ namespaces: ['a'] }], 'b', undefined)).toBe('refused');
    // Go's MatchString is unanchored: "team" matches "my-team-x".
    expect(storeAdmits([{ namespaceRegexes: ['team'] }], 'my-team-x', undefined)).toBe('admitted');
    expect(storeAdmits([{ namespaceRegexes: ['^team$', '('] }], 'my-team-x', undefined)).toBe('refused');
    const bySelector = [{ namespaceSelector: { matchLabels: { secrets: 'vault' } } }];
    expect(storeAdmits(bySelector, 'a', { secrets: 'vault' })).toBe('admitted');
    expect(storeAdmits(bySelector, 'a', {})).toBe('refused');
    expect(storeAdmits(bySelector, 'a', undefined)).toBe('unknown');
    expect(storeAdmits([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'a' } } }], 'a', {})).toBe('admitted');
  });

  test('the rule judges an ExternalSecret only where its store is in the input', () => {
    const externalSecret = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'slack', namespace: 'ops' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, target: { name: 'slack' }, data: [] },
    };
    const store = (conditions: unknown) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault' },
      spec: { conditions, provider: {} },
    });
    const rules = [SECRET_STORE_ADMISSION];
    expect(verify([externalSecret], { rules }).findings).toEqual([]);
    expect(messagesOf(verify([externalSecret, store([{ namespaces: ['apps'] }])], { rules }), 'SECRET-STORE-ADMISSION')).toEqual([
      "ExternalSecret/ops/slack: 'spec.secretStoreRef.name' (\"vault\") must name a ClusterSecretStore that admits namespace ops: no condition of ClusterSecretStore/vault does, so External Secrets refuses it and never writes the Secret; admit \"ops\" in the store's 'spec.conditions'",
    ]);
    expect(verify([externalSecret, store([{ namespaces: ['apps', 'ops'] }])], { rules }).findings).toEqual([]);
    // A store in another cluster is not this ExternalSecret's store.
    const report = verifyClusters([
      [externalSecret, 'primary'],
      [store([{ namespaces: ['apps'] }]), 'dr'],
    ]);
    expect(report).toEqual([]);
  });
});

/** Findings of the rule when each object is applied to the given cluster. */
function verifyClusters(objects: [any, string][]): string[] {
  return verifyManifests(
    objects.map(([manifest, cluster]) => ({ manifest, cluster })),
    { rules: [SECRET_STORE_ADMISSION] },
  ).findings.map((f) => f.message);
}

describe('the platform |', () => {
  // The rendered objects, before synth's own verification (which would stop at any rule's error).
  const output = renderApp(platformApp.build(platformModel()));
  const inCluster = (cluster: string, kind: string) =>
    output.objects.filter((o) => o.cluster === cluster && o.manifest.kind === kind).map((o) => o.manifest);
  const clusters = [...new Set(output.objects.filter((o) => o.path.startsWith('manifests/')).map((o) => o.cluster))].sort();

  test.each(clusters)(
    "in cluster %s, every ExternalSecret's namespace is admitted by its ClusterSecretStore, which admits no other",
    (cluster) => {
      // GIVEN
      const stores = new Map(inCluster(cluster, 'ClusterSecretStore').map((s) => [s.metadata.name, s]));
      const externalSecrets = inCluster(cluster, 'ExternalSecret');
      expect(externalSecrets.length).toBeGreaterThan(0);
      // THEN every ExternalSecret reads a store of its cluster that admits its namespace
      const refused = externalSecrets
        .filter(
          (e) =>
            storeAdmits(stores.get(e.spec.secretStoreRef.name)?.spec.conditions, e.metadata.namespace, undefined) !== 'admitted'
            || !stores.has(e.spec.secretStoreRef.name),
        )
        .map((e) => `${e.metadata.namespace}/${e.metadata.name}`);
      expect(refused).toEqual([]);
      // AND each store admits exactly the namespaces of the ExternalSecrets that read it
      for (const [name, store] of stores) {
        const readers = [
          ...new Set(externalSecrets.filter((e) => e.spec.secretStoreRef.name === name).map((e) => e.metadata.namespace)),
        ].sort();
        expect({ name, conditions: store.spec.conditions }).toEqual({ name, conditions: [{ namespaces: readers }] });
      }
    },
  );

  test('the rule finds nothing in the whole output', () => {
    const report = verifyClusters(output.objects.map((o) => [o.manifest, o.cluster]));
    expect(report).toEqual([]);
  });
});
