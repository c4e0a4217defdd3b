import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Pooler,
  PoolerSpecPgbouncerPoolMode,
  PoolerSpecTemplateSpecContainersResourcesLimits as Limit,
  PoolerSpecTemplateSpecContainersResourcesRequests as Request,
  PoolerSpecType,
} from '../../imports/pooler-postgresql.cnpg.io';
import { LABEL_COMPONENT, POSTGRES, PropProblem, selectorLabels, throwIfProblems } from '../core';
import { zoneSpread } from '../workload/pod-template';
import { ContainerResources, containerResourceProblems, resourceQuantities } from '../workload/resources';
import { restrictedContainerSecurityContext } from '../workload/security-context';
import { dnsLabelProblems, integerProblems, sortedRecord } from './_validation';

/** PgBouncer's pooling mode: a server connection per client session, or per transaction. */
export type PoolMode = 'session' | 'transaction';

/** What CloudNativePG labels a pooler's pods with (the value is the Pooler's name). */
export const POOLER_NAME_LABEL = 'cnpg.io/poolerName';

/** Requests and limits of a PgBouncer container that sets none. */
export const DEFAULT_POOLER_RESOURCES: ContainerResources = {
  requests: { cpu: '100m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** PgBouncer parameters of a pooler that sets none. */
export const DEFAULT_PGBOUNCER_PARAMETERS: Readonly<Record<string, string>> = { default_pool_size: '20', max_client_conn: '1000' };

export interface PgBouncerPoolerOptions {
  /**
   * Name of the Pooler, of its Service and of the ServiceAccount the operator creates; the
   * platform's services and policies know the read-write pooler as `POSTGRES.name`.
   * @default POSTGRES.name ('postgres-pooler-rw')
   */
  readonly name?: string;
  /** PgBouncer pods; at least 2, so that one can be drained. @default 2 */
  readonly instances?: number;
  /**
   * `session` keeps session state (prepared statements, advisory locks, `SET`) and suits any
   * application; `transaction` shares server connections more but breaks session state.
   * @default 'session'
   */
  readonly poolMode?: PoolMode;
  /** Requests and limits of the PgBouncer container. @default DEFAULT_POOLER_RESOURCES */
  readonly resources?: ContainerResources;
  /**
   * PgBouncer parameters, written sorted.
   * @default DEFAULT_PGBOUNCER_PARAMETERS
   * @see https://cloudnative-pg.io/documentation/current/connection_pooling/#pgbouncer-configuration-options
   */
  readonly parameters?: Record<string, string>;
  /** Create the operator's PodMonitor for PgBouncer's metrics. @default true */
  readonly enablePodMonitor?: boolean;
}

export interface PgBouncerPoolerProps extends PgBouncerPoolerOptions {
  /** The CloudNativePG Cluster the pooler connects to. */
  readonly clusterName: string;
}

/**
 * A CloudNativePG `Pooler` (PgBouncer) in front of a cluster's read-write service: the one
 * endpoint the services use. Its pods spread over zones and run with the restricted
 * container settings; the operator owns the rest of the pod (image, probes, TLS to the cluster).
 *
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/
 */
export class PgBouncerPooler extends Construct {
  public readonly name: string;
  public readonly instances: number;
  /** The labels that select the pooler's pods. */
  public readonly selector: Record<string, string>;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: PgBouncerPoolerProps) {
    super(scope, id);
    this.name = props.name ?? POSTGRES.name;
    this.instances = props.instances ?? 2;
    const resources = props.resources ?? DEFAULT_POOLER_RESOURCES;
    throwIfProblems(this, [...poolerOptionProblems(props), ...dnsLabelProblems('clusterName', props.clusterName)]);
    this.selector = { [POOLER_NAME_LABEL]: this.name };

    this.resource = new Pooler(this, 'Resource', {
      metadata: { name: this.name, labels: { ...selectorLabels({ name: this.name }), [LABEL_COMPONENT]: 'database-pooler' } },
      spec: {
        cluster: { name: props.clusterName },
        type: PoolerSpecType.RW,
        instances: this.instances,
        monitoring: { enablePodMonitor: props.enablePodMonitor ?? true },
        pgbouncer: {
          poolMode: (props.poolMode ?? 'session') as string as PoolerSpecPgbouncerPoolMode,
          parameters: sortedRecord(props.parameters ?? DEFAULT_PGBOUNCER_PARAMETERS),
        },
        template: {
          metadata: { labels: this.selector },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [zoneSpread(this.selector)],
            containers: [
              {
                name: 'pgbouncer',
                resources: resourceQuantities(resources, Request.fromString, Limit.fromString),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
      },
    });
  }
}

/** Every invalid pooler option, with props named `<prefix><option>` (e.g. `pooler.instances`). */
export function poolerOptionProblems(options: PgBouncerPoolerOptions, prefix = ''): PropProblem[] {
  const poolMode = options.poolMode ?? 'session';
  return [
    ...dnsLabelProblems(`${prefix}name`, options.name ?? POSTGRES.name),
    ...integerProblems(
      `${prefix}instances`,
      options.instances,
      2,
      undefined,
      'a single PgBouncer pod cuts every connection when it is drained or fails',
    ),
    ...containerResourceProblems(options.resources ?? DEFAULT_POOLER_RESOURCES, `${prefix}resources`),
    ...(['session', 'transaction'].includes(poolMode)
      ? []
      : [{ prop: `${prefix}poolMode`, value: poolMode, rule: 'must be "session" or "transaction"' }]),
  ];
}
