/**
 * Failover runbook steps for the DR report, as Markdown list items (commands in backticks).
 * The promotion is a patch for speed, made durable by a reviewed change of the spec: Argo CD
 * would otherwise undo the patch, so its auto-sync is paused for the data Application first.
 */

export interface PostgresFailoverOptions {
  /** Namespace of the cluster. */
  readonly namespace: string;
  /** Name of the replica Cluster in the DR region. */
  readonly clusterName: string;
  /** The Argo CD Application that syncs the DR region's data component. */
  readonly dataApplication: string;
}

/** Promote the DR replica cluster (`replica.enabled: false`), then make it durable in git. */
export function postgresFailoverSteps(options: PostgresFailoverOptions): string[] {
  const { namespace, clusterName, dataApplication } = options;
  return [
    `Pause Argo CD's auto-sync of the DR data Application: \`argocd app set ${dataApplication} --sync-policy none\`.`,
    `Promote the replica cluster: \`kubectl -n ${namespace} patch cluster ${clusterName} --type merge -p '{"spec":{"replica":{"enabled":false}}}'\`.`,
    `Wait until it accepts writes: \`kubectl -n ${namespace} wait cluster/${clusterName} --for=condition=Ready --timeout=15m\`, then \`kubectl cnpg status ${clusterName} -n ${namespace}\` shows a primary.`,
    'Make it durable: in the spec, make the DR region the primary (its PostgresCluster without `replicaOf`), run `npm run synth`, merge, and re-enable auto-sync.',
    'The services need no change: they reach the database through the pooler, which now forwards to the new primary.',
    'Before failing back, rebuild the old primary as a replica of the new one (`replicaOf` its archive); never start both as primaries.',
  ];
}

export interface RedisFailoverOptions {
  /** Namespace of the Redis StatefulSet. */
  readonly namespace: string;
  /** Name of the StatefulSet. */
  readonly name: string;
  /** Path of the mounted password file. */
  readonly passwordFile: string;
}

/** Make the DR Redis pod 0 a primary (its replicas already follow it), then make it durable. */
export function redisFailoverSteps(options: RedisFailoverOptions): string[] {
  const { namespace, name, passwordFile } = options;
  // redis-cli reads the password from REDISCLI_AUTH, so that it does not show in the process list.
  const promote = `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli replicaof no one`;
  return [
    `Promote pod 0: \`kubectl -n ${namespace} exec ${name}-0 -- sh -c '${promote}'\`; the other pods already replicate from it.`,
    "Make it durable: remove `replicaOf` from the DR region's Redis in the spec, run `npm run synth` and merge (a restart would otherwise follow the lost primary again).",
  ];
}

export interface TrafficFailoverOptions {
  /** The DR region's name. */
  readonly drRegion: string;
  /** The colour to serve from the DR region. */
  readonly color: string;
  /**
   * The command that moves traffic to another colour, given `--to <color> --region <region>`.
   * @default - none: the step says what to make sure of without naming a command
   */
  readonly switchTrafficCommand?: string;
}

/** Move users to the DR region. */
export function trafficFailoverSteps(options: TrafficFailoverOptions): string[] {
  return [
    options.switchTrafficCommand === undefined
      ? `Make sure the DR region serves the intended colour (${options.color}).`
      : `Make sure the DR region serves the intended colour: \`${options.switchTrafficCommand} --to ${options.color} --region ${options.drRegion}\` (no change when it already does).`,
    `Point the public DNS records at the ${options.drRegion} region's edge gateway (the failover record set), and watch the error rate and latency SLOs recover.`,
  ];
}
