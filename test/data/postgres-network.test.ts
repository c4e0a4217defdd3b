import { Chart, Testing } from 'cdk8s';
import { PostgresCluster } from '../../lib/data/postgres';
import { PostgresNetworkPolicy, PostgresNetworkPolicyProps } from '../../lib/data/postgres-network';
import { NetworkPeer } from '../../lib/network/network-peer';
import { errorOf, findObject } from '../helpers/manifests';
import { PRIMARY_POSTGRES, schemaProblems } from './_helpers';

function synth(props: Partial<Omit<PostgresNetworkPolicyProps, 'cluster'>> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'alp-data' });
  const cluster = new PostgresCluster(chart, 'Postgres', PRIMARY_POSTGRES);
  new PostgresNetworkPolicy(chart, 'Network', {
    cluster,
    apiServer: [NetworkPeer.cidr('172.20.0.1/32')],
    objectStore: [NetworkPeer.cidr('10.0.128.0/24')],
    prometheus: NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, 'alp-monitoring'),
    ...props,
  });
  return Testing.synth(chart).filter((m) => m.kind === 'NetworkPolicy');
}

const peers = (rules: any[], side: 'from' | 'to') => rules.map((r) => [r[side][0], r.ports.map((p: any) => p.port)]);

describe('PostgresNetworkPolicy |', () => {
  test('lets the instances replicate, the operator and pooler in, and reach the API server and object store', () => {
    // WHEN
    const policy = findObject(synth(), 'NetworkPolicy', 'postgres-cluster');
    // THEN
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'postgres' } });
    expect(peers(policy.spec.ingress, 'from')).toHaveLength(4);
    expect(peers(policy.spec.ingress, 'from')).toEqual(
      expect.arrayContaining([
        [
          {
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'alp-monitoring' } },
          },
          [9187],
        ],
        [
          {
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } },
          },
          [5432, 8000],
        ],
        [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } }, [5432, 8000]],
        [{ podSelector: { matchLabels: { 'cnpg.io/poolerName': 'postgres-pooler-rw' } } }, [5432]],
      ]),
    );
    expect(peers(policy.spec.egress, 'to')).toEqual([
      [{ ipBlock: { cidr: '10.0.128.0/24' } }, [443]],
      [{ ipBlock: { cidr: '172.20.0.1/32' } }, [443, 6443]],
      [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } }, [5432, 8000]],
    ]);
  });

  test('lets the pooler reach the instances and the API server', () => {
    const policy = findObject(synth(), 'NetworkPolicy', 'postgres-pooler-rw-cluster');
    expect(peers(policy.spec.egress, 'to')).toEqual([
      [{ ipBlock: { cidr: '172.20.0.1/32' } }, [443, 6443]],
      [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } }, [5432]],
    ]);
  });

  test('validates against the schema', () => {
    expect(schemaProblems(synth())).toEqual([]);
  });

  test('fails without the API server or the object store', () => {
    expect(errorOf(() => synth({ apiServer: [], objectStore: [] }))).toBe(
      [
        'test/Network: 2 invalid props',
        "  - test/Network: 'apiServer' ([]) must list at least one peer; the instance manager cannot run without the Kubernetes API",
        "  - test/Network: 'objectStore' ([]) must list at least one peer; WAL archiving stops, and the disk fills, without the object store",
      ].join('\n'),
    );
  });
});
