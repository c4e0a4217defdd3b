import { Construct } from 'constructs';
import { PropProblem, throwIfProblems } from '../core';
import { CLUSTER_COMPONENTS } from '../core/cluster-components';
import { CNPG_PORTS } from '../core/endpoints';
import { AllowPolicy } from '../network/allow-policy';
import { NetworkPeer, NetworkPort } from '../network/network-peer';
import { dnsLabelProblems, integerProblems } from './_validation';
import { POOLER_NAME_LABEL } from './pgbouncer-pooler';
import { PostgresCluster } from './postgres';

export interface PostgresNetworkPolicyProps {
  /** The cluster (and its pooler) whose own traffic the policies allow. */
  readonly cluster: PostgresCluster;
  /** The Kubernetes API server's addresses: the instance manager and PgBouncer's controller watch the API. */
  readonly apiServer: readonly NetworkPeer[];
  /** Ports of the API server as the pods reach it (the Service port and the endpoints' port). @default [443, 6443] */
  readonly apiServerPorts?: readonly number[];
  /** Addresses of the object store (HTTPS), e.g. the S3 VPC endpoint's. */
  readonly objectStore: readonly NetworkPeer[];
  /** Namespace of the CloudNativePG operator. @default 'cnpg-system' */
  readonly operatorNamespace?: string;
  /** Prometheus, let in to scrape the exporters. @default - no scraping allowed */
  readonly prometheus?: NetworkPeer;
}

/**
 * The NetworkPolicies a CloudNativePG cluster needs in a default-deny namespace, on top of the
 * clients' access to the pooler (which the data chart grants):
 * - `<cluster>-cluster`, for the instances and the operator's bootstrap jobs: replication and
 *   status between them, the operator in on 5432/8000, the pooler in on 5432, and out to the
 *   API server and the object store;
 * - `<pooler>-cluster`, for PgBouncer: out to the instances and the API server.
 *
 * @see https://cloudnative-pg.io/documentation/current/networking/
 */
export class PostgresNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: PostgresNetworkPolicyProps) {
    super(scope, id);
    const operatorNamespace = props.operatorNamespace ?? 'cnpg-system';
    throwIfProblems(this, networkProblems(props, operatorNamespace));
    const { cluster } = props;
    const apiPorts: NetworkPort[] = (props.apiServerPorts ?? [443, 6443]).map((port) => ({ port }));
    const clusterPods = NetworkPeer.pods({ ...cluster.clusterSelector });
    const poolerPods = NetworkPeer.pods({ ...cluster.pooler.selector });
    const operator = NetworkPeer.pods({ ...CLUSTER_COMPONENTS['cnpg-operator'].podLabels }, operatorNamespace);
    const { postgres, instanceManager } = CNPG_PORTS;

    const instances = new AllowPolicy(this, 'ClusterPolicy', { name: `${cluster.name}-cluster`, selector: { ...cluster.clusterSelector } })
      .allowFrom(clusterPods, [{ port: postgres }, { port: instanceManager }])
      .allowFrom(operator, [{ port: postgres }, { port: instanceManager }])
      .allowFrom(poolerPods, [{ port: postgres }])
      .allowTo(clusterPods, [{ port: postgres }, { port: instanceManager }]);
    for (const peer of props.apiServer) instances.allowTo(peer, apiPorts);
    for (const peer of props.objectStore) instances.allowTo(peer, [{ port: 443 }]);
    if (props.prometheus) instances.allowFrom(props.prometheus, [{ port: CNPG_PORTS.instanceMetrics }]);

    const pooler = new AllowPolicy(this, 'PoolerPolicy', {
      name: `${cluster.pooler.name}-cluster`,
      selector: { [POOLER_NAME_LABEL]: cluster.pooler.name },
    }).allowTo(clusterPods, [{ port: postgres }]);
    for (const peer of props.apiServer) pooler.allowTo(peer, apiPorts);
    if (props.prometheus) pooler.allowFrom(props.prometheus, [{ port: CNPG_PORTS.poolerMetrics }]);
  }
}

function networkProblems(props: PostgresNetworkPolicyProps, operatorNamespace: string): PropProblem[] {
  const problems: PropProblem[] = [...dnsLabelProblems('operatorNamespace', operatorNamespace)];
  if (props.apiServer.length === 0) {
    problems.push({
      prop: 'apiServer',
      value: [],
      rule: 'must list at least one peer',
      fix: 'the instance manager cannot run without the Kubernetes API',
    });
  }
  if (props.objectStore.length === 0) {
    problems.push({
      prop: 'objectStore',
      value: [],
      rule: 'must list at least one peer',
      fix: 'WAL archiving stops, and the disk fills, without the object store',
    });
  }
  (props.apiServerPorts ?? []).forEach((port, i) => problems.push(...integerProblems(`apiServerPorts[${i}]`, port, 1, 65535)));
  return problems;
}
