import { App, Chart, Testing } from 'cdk8s';
import { PlacedChart } from '../../lib/core';
import { ServiceSecret } from '../../lib/security';
import { ServiceSecretProps } from '../../lib/security/service-secret';
import { VaultSecretStore, VaultSecretStoreProps } from '../../lib/security/vault-secret-store';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

const STORE: VaultSecretStoreProps = {
  server: 'https://vault.example.com:8200',
  role: 'alp-eso',
  namespaces: ['alp-green', 'alp-blue'],
};

const SECRET: ServiceSecretProps = {
  name: 'user-service-oidc',
  storeName: 'vault',
  remoteKey: 'alp/user-service/oidc',
  keys: ['client-secret', 'client-id'],
};

function synthStore(props: Partial<VaultSecretStoreProps> = {}): any[] {
  const chart = Testing.chart();
  new VaultSecretStore(chart, 'Store', { ...STORE, ...props });
  return Testing.synth(chart);
}

function synthSecret(props: Partial<ServiceSecretProps> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'alp-blue' });
  new ServiceSecret(chart, 'Secret', { ...SECRET, ...props });
  return Testing.synth(chart);
}

describe('VaultSecretStore |', () => {
  test('emits one cluster-scoped ClusterSecretStore named vault', () => {
    // WHEN
    const store = findObject(synthStore(), 'ClusterSecretStore', 'vault');
    // THEN
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.metadata.namespace).toBeUndefined();
  });

  test('reads Vault KV v2 at "secret" with Kubernetes auth as the ESO ServiceAccount by default', () => {
    expect(findObject(synthStore(), 'ClusterSecretStore', 'vault').spec.provider).toEqual({
      vault: {
        server: 'https://vault.example.com:8200',
        path: 'secret',
        version: 'v2',
        auth: {
          kubernetes: {
            mountPath: 'kubernetes',
            role: 'alp-eso',
            serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' },
          },
        },
      },
    });
  });

  test('is usable only from the listed namespaces, sorted and deduplicated', () => {
    const store = findObject(synthStore({ namespaces: ['alp-green', 'alp-blue', 'alp-green'] }), 'ClusterSecretStore', 'vault');
    expect(store.spec.conditions).toEqual([{ namespaces: ['alp-blue', 'alp-green'] }]);
  });

  test('admits the namespace of every ExternalSecret of its cluster that refers to it, and no other', () => {
    // GIVEN a store in cluster "primary", ExternalSecrets in its cluster and in another one
    const app = new App();
    const platform = new PlacedChart(app, 'Platform', { region: 'primary', component: 'platform' });
    const store = new VaultSecretStore(platform, 'Store', { server: STORE.server, role: STORE.role });
    const secretIn = (id: string, namespace: string, region: string, storeName = 'vault') => {
      const chart = new PlacedChart(app, id, { region, component: id.toLowerCase(), namespace });
      new ServiceSecret(chart, 'Secret', { ...SECRET, storeName });
    };
    secretIn('Monitoring', 'alp-monitoring', 'primary');
    secretIn('Logging', 'alp-logging', 'primary');
    secretIn('Blue', 'alp-blue', 'primary');
    secretIn('BlueAgain', 'alp-blue', 'primary');
    secretIn('Other', 'alp-other', 'primary', 'another-store');
    secretIn('Dr', 'alp-dr-only', 'dr');
    // WHEN
    const conditions = findObject(Testing.synth(platform), 'ClusterSecretStore', 'vault').spec.conditions;
    // THEN
    expect(conditions).toEqual([{ namespaces: ['alp-blue', 'alp-logging', 'alp-monitoring'] }]);
    expect(store.namespaces).toEqual(['alp-blue', 'alp-logging', 'alp-monitoring']);
    expect(platform.node.validate()).toEqual([]);
  });

  test('adds the listed namespaces to those that refer to it; with admitReferencingNamespaces false, only the listed ones', () => {
    // GIVEN an ExternalSecret in alp-data that refers to "vault" (charts without a cluster: one cluster)
    const app = Testing.app();
    const chart = new Chart(app, 'Platform');
    new ServiceSecret(new Chart(app, 'Data', { namespace: 'alp-data' }), 'Secret', SECRET);
    // WHEN
    const both = new VaultSecretStore(chart, 'Both', STORE);
    const listedOnly = new VaultSecretStore(chart, 'Listed', { ...STORE, admitReferencingNamespaces: false });
    // THEN
    expect(both.namespaces).toEqual(['alp-blue', 'alp-data', 'alp-green']);
    expect(listedOnly.namespaces).toEqual(['alp-blue', 'alp-green']);
  });

  test('fails validation when no ExternalSecret refers to it and no namespace is listed', () => {
    const chart = Testing.chart();
    const store = new VaultSecretStore(chart, 'Store', { server: STORE.server, role: STORE.role });
    expect(store.node.validate()).toEqual([
      "ClusterSecretStore vault admits no namespace: no ExternalSecret of its cluster refers to it and 'namespaces' lists none",
    ]);
  });

  test('takes name, mounts, version, ServiceAccount and labels from props', () => {
    // WHEN
    const store = findObject(
      synthStore({
        name: 'vault-eu',
        path: 'kv/alp',
        version: 'v1',
        authMountPath: 'k8s-eu-west',
        serviceAccount: { name: 'eso-vault', namespace: 'platform-secrets' },
        labels: { 'app.kubernetes.io/part-of': 'alp' },
      }),
      'ClusterSecretStore',
      'vault-eu',
    );
    // THEN
    expect(store.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'alp' });
    expect([store.spec.provider.vault.path, store.spec.provider.vault.version]).toEqual(['kv/alp', 'v1']);
    expect(store.spec.provider.vault.auth.kubernetes).toEqual({
      mountPath: 'k8s-eu-west',
      role: 'alp-eso',
      serviceAccountRef: { name: 'eso-vault', namespace: 'platform-secrets' },
    });
  });

  test('fails when the server is not https', () => {
    expect(errorOf(() => synthStore({ server: 'http://vault.example.com:8200' }))).toBe(
      'test/Store: \'server\' ("http://vault.example.com:8200") must be an https:// URL without credentials, query or fragment; ESO sends a ServiceAccount token to Vault, and Vault sends secrets back: neither may cross the network unencrypted',
    );
  });

  test('fails when no namespace may use the store', () => {
    expect(errorOf(() => synthStore({ namespaces: [], admitReferencingNamespaces: false }))).toBe(
      "test/Store: 'namespaces' ([]) must list at least one namespace when 'admitReferencingNamespaces' is false; a store without conditions lets every namespace read everything the Vault role can read",
    );
  });

  test('fails with every invalid prop at once', () => {
    expect(
      errorOf(() =>
        synthStore({
          server: 'vault:8200',
          path: '/secret/',
          role: '',
          serviceAccount: { name: 'eso', namespace: 'External' },
          namespaces: ['alp-blue', 'ALP'],
        }),
      ),
    ).toBe(
      [
        'test/Store: 5 invalid props',
        '  - test/Store: \'server\' ("vault:8200") must be an https:// URL without credentials, query or fragment; ESO sends a ServiceAccount token to Vault, and Vault sends secrets back: neither may cross the network unencrypted',
        '  - test/Store: \'path\' ("/secret/") must be a Vault mount path such as "secret" (letters, digits, "-", "_", ".", inner "/")',
        '  - test/Store: \'role\' ("") must be the name of a Vault role of the Kubernetes auth method',
        '  - test/Store: \'serviceAccount.namespace\' ("External") must be a DNS label of at most 63 characters (lowercase letters, digits, "-")',
        '  - test/Store: \'namespaces[1]\' ("ALP") must be a DNS label of at most 63 characters (lowercase letters, digits, "-")',
      ].join('\n'),
    );
  });

  test('fails when defined in a chart with a namespace', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'alp-blue' });
    expect(errorOf(() => new VaultSecretStore(chart, 'Store', STORE))).toBe(
      'test/Store: \'namespace\' ("alp-blue") must not be set on the chart of a ClusterSecretStore; the store is cluster-scoped; define it in a chart without a namespace',
    );
  });
});

describe('ServiceSecret |', () => {
  test('emits one ExternalSecret and never a Secret', () => {
    // WHEN
    const manifests = synthSecret();
    // THEN
    expect(kindCounts(manifests)).toEqual({ ExternalSecret: 1 });
    const external = findObject(manifests, 'ExternalSecret', 'user-service-oidc');
    expect(external.apiVersion).toBe('external-secrets.io/v1');
    expect(external.metadata.namespace).toBe('alp-blue');
  });

  test('reads from the ClusterSecretStore every hour into an owned Secret of the same name', () => {
    const spec = findObject(synthSecret(), 'ExternalSecret', 'user-service-oidc').spec;
    expect(spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault' });
    expect(spec.refreshInterval).toBe('1h');
    expect(spec.target).toEqual({ name: 'user-service-oidc', creationPolicy: 'Owner', deletionPolicy: 'Retain' });
  });

  test('maps each Vault property to the Secret key of the same name, sorted', () => {
    expect(
      findObject(synthSecret({ keys: ['client-secret', 'client-id', 'client-secret'] }), 'ExternalSecret', 'user-service-oidc').spec.data,
    ).toEqual([
      { secretKey: 'client-id', remoteRef: { key: 'alp/user-service/oidc', property: 'client-id' } },
      { secretKey: 'client-secret', remoteRef: { key: 'alp/user-service/oidc', property: 'client-secret' } },
    ]);
  });

  test('exposes the Secret name and keys for the workload to mount', () => {
    const secret = new ServiceSecret(Testing.chart(), 'Secret', { ...SECRET, refreshInterval: '15m' });
    expect([secret.secretName, secret.keys, secret.refreshInterval]).toEqual(['user-service-oidc', ['client-id', 'client-secret'], '15m']);
  });

  test('renders a store with the secrets that use it', () => {
    // GIVEN
    const chart = Testing.chart();
    const store = new VaultSecretStore(chart, 'Store', STORE);
    // WHEN
    new ServiceSecret(chart, 'Oidc', { ...SECRET, storeName: store.name });
    new ServiceSecret(chart, 'Db', {
      name: 'user-service-db',
      storeName: store.name,
      remoteKey: 'alp/user-service/db',
      keys: ['password', 'username'],
      refreshInterval: '1h30m',
    });
    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('fails when there are no keys', () => {
    expect(errorOf(() => synthSecret({ keys: [] }))).toBe(
      "test/Secret: 'keys' ([]) must list at least one key; name the properties of the remote secret that the service needs",
    );
  });

  test('fails when the refresh interval is not a positive Go duration', () => {
    expect(errorOf(() => synthSecret({ refreshInterval: '1 hour' }))).toBe(
      'test/Secret: \'refreshInterval\' ("1 hour") must be a Go duration such as "1h", "15m" or "1h30m"',
    );
    expect(errorOf(() => synthSecret({ refreshInterval: '0s' }))).toBe(
      'test/Secret: \'refreshInterval\' ("0s") must be above zero; a zero interval never refreshes, so rotated values never arrive',
    );
  });

  test('fails with every invalid prop at once', () => {
    expect(
      errorOf(() =>
        synthSecret({ name: 'User_Oidc', storeName: '', remoteKey: '/alp/../oidc', keys: ['client id', 'ok'], refreshInterval: '15' }),
      ),
    ).toBe(
      [
        'test/Secret: 5 invalid props',
        '  - test/Secret: \'name\' ("User_Oidc") must be a DNS subdomain (lowercase letters, digits, "-", ".")',
        '  - test/Secret: \'storeName\' ("") must be a DNS subdomain (lowercase letters, digits, "-", ".")',
        '  - test/Secret: \'remoteKey\' ("/alp/../oidc") must be a path such as "alp/user-service/oidc" (letters, digits, "-", "_", ".", inner "/"); give the path relative to the store\'s KV mount',
        '  - test/Secret: \'keys[0]\' ("client id") must be a Secret key (letters, digits, "-", "_", ".")',
        '  - test/Secret: \'refreshInterval\' ("15") must be a Go duration such as "1h", "15m" or "1h30m"',
      ].join('\n'),
    );
  });
});
