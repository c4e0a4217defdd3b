/**
 * The files of the Redis ConfigMap: `redis.conf` (fixed settings) and `start.sh`, which writes
 * the pod's role and credentials into a runtime include and starts the server.
 */

/** Where the Redis ConfigMap, the runtime include and the data live in the container. */
export const REDIS_CONFIG_DIR = '/etc/redis';
export const REDIS_RUNTIME_DIR = '/run/redis';
export const REDIS_DATA_DIR = '/data';
/** Where the TLS certificate, key and CA (`tls.crt`, `tls.key`, `ca.crt`) are mounted. */
export const REDIS_TLS_DIR = '/etc/redis-tls';

export interface RedisConfigOptions {
  /** `maxmemory` in MiB. */
  readonly maxmemoryMiB: number;
  readonly maxmemoryPolicy: string;
  readonly port: number;
  /** The TLS port: replication (in the cluster and across regions) runs over it. */
  readonly tlsPort: number;
}

/**
 * `redis.conf`: persistence (AOF every second plus RDB snapshots), memory bound, read-only
 * replicas, and TLS on `tlsPort` with client certificates required (only holders of a
 * certificate of the shared CA, i.e. the Redis pods of every region, may use it); replicas
 * connect to their primary over TLS (`tls-replication`). Clients in the cluster keep `port`.
 */
export function redisConf(options: RedisConfigOptions): string {
  return [
    '# Written by alp-deploy. Role and credentials come from the runtime include below.',
    'bind * -::*',
    `port ${options.port}`,
    'protected-mode yes',
    `dir ${REDIS_DATA_DIR}`,
    'appendonly yes',
    'appendfsync everysec',
    'save 3600 1 300 100 60 10000',
    `maxmemory ${options.maxmemoryMiB}mb`,
    `maxmemory-policy ${options.maxmemoryPolicy}`,
    'replica-read-only yes',
    'replica-serve-stale-data yes',
    'repl-diskless-sync yes',
    `tls-port ${options.tlsPort}`,
    `tls-cert-file ${REDIS_TLS_DIR}/tls.crt`,
    `tls-key-file ${REDIS_TLS_DIR}/tls.key`,
    `tls-ca-cert-file ${REDIS_TLS_DIR}/ca.crt`,
    'tls-auth-clients yes',
    'tls-replication yes',
    `include ${REDIS_RUNTIME_DIR}/runtime.conf`,
    '',
  ].join('\n');
}

/**
 * `start.sh`: pod 0 follows `REDIS_PRIMARY_HOST` when it is set (replica-only mode) and is the
 * primary otherwise; every other pod follows pod 0, through the headless Service, by a name
 * relative to its namespace (so a restored copy in another namespace follows its own pod 0),
 * on the TLS port (`tls-replication yes`).
 * The password is read from the mounted Secret into a memory-backed file that only the Redis
 * user can read; it never appears in the process arguments.
 */
export function redisStartScript(passwordFile: string): string {
  return [
    '#!/bin/sh',
    'set -eu',
    'ordinal="${HOSTNAME##*-}"',
    'password="$(cat ' + passwordFile + ')"',
    'umask 077',
    'runtime="' + REDIS_RUNTIME_DIR + '/runtime.conf"',
    'printf \'requirepass "%s"\\nmasterauth "%s"\\n\' "$password" "$password" > "$runtime"',
    'if [ "$ordinal" != "0" ]; then',
    '  printf \'replicaof %s %s\\n\' "${REDIS_STATEFULSET}-0.${REDIS_HEADLESS_SERVICE}" "$REDIS_TLS_PORT" >> "$runtime"',
    'elif [ -n "${REDIS_PRIMARY_HOST:-}" ]; then',
    '  printf \'replicaof %s %s\\n\' "$REDIS_PRIMARY_HOST" "$REDIS_PRIMARY_PORT" >> "$runtime"',
    'fi',
    'exec redis-server ' + REDIS_CONFIG_DIR + '/redis.conf',
    '',
  ].join('\n');
}

/** A probe command: PING answers `PONG`, or `LOADING` too when `allowLoading` (liveness during a long AOF load). */
export function redisPingCommand(passwordFile: string, port: number, allowLoading: boolean): string[] {
  const expected = allowLoading ? "'PONG|LOADING'" : "'PONG'";
  return ['sh', '-c', `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${port} ping | grep -Eq ${expected}`];
}
