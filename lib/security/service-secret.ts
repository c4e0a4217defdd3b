import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/externalsecret-external-secrets.io';
import { PropProblem, throwIfProblems } from '../core';
import { dnsSubdomainProblem, problemsOf } from '../core/validation';

export interface ServiceSecretProps {
  /** Name of the ExternalSecret and of the Kubernetes Secret that ESO creates from it. */
  readonly name: string;
  /** Name of the ClusterSecretStore to read from, e.g. a `VaultSecretStore`'s `name`. */
  readonly storeName: string;
  /** Path of the secret in the store, relative to the KV mount, e.g. `alp/user-service/oidc`. */
  readonly remoteKey: string;
  /**
   * Properties of the remote secret to copy; each becomes the Secret key of the same name.
   * Deduplicated and sorted.
   */
  readonly keys: readonly string[];
  /**
   * How often ESO re-reads the store, as a Go duration (`1h`, `15m`, `1h30m`). Rotated values
   * reach the Secret within this time; must be above zero, since `0s` would never refresh.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /** Labels of the ExternalSecret. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * One service's secret, synced from a ClusterSecretStore by the External Secrets Operator:
 * an `ExternalSecret` (external-secrets.io/v1) whose target Secret has the same name. No
 * secret value passes through this code or the rendered manifests.
 *
 * The target uses `creationPolicy: Owner`: the Secret belongs to the ExternalSecret, so
 * removing the ExternalSecret from git (and Argo CD pruning it) removes the Secret too, and
 * no copy of the secret outlives its declaration.
 * `deletionPolicy: Retain`: when the remote secret is gone, ESO keeps the last values, so a
 * Vault mistake does not stop pods from starting; revoke a leaked credential at its source.
 *
 * @see https://external-secrets.io/latest/api/externalsecret/
 */
export class ServiceSecret extends Construct {
  /** Name of the Kubernetes Secret that ESO writes (and of the ExternalSecret). */
  public readonly secretName: string;
  /** The keys of the Secret, deduplicated and sorted. */
  public readonly keys: string[];
  public readonly refreshInterval: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceSecretProps) {
    super(scope, id);
    const refreshInterval = props.refreshInterval ?? '1h';
    throwIfProblems(this, secretProblems(props, refreshInterval));

    this.secretName = props.name;
    this.keys = [...new Set(props.keys)].sort();
    this.refreshInterval = refreshInterval;
    this.resource = new ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        refreshInterval,
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: props.storeName },
        target: {
          name: props.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        },
        data: this.keys.map((key) => ({ secretKey: key, remoteRef: { key: props.remoteKey, property: key } })),
      },
    });
  }
}

/** A key of a Secret's data. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** A path in the store: segments of letters, digits, `-`, `_` and `.`, no slash at either end. */
const REMOTE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration such as `1h30m`, or undefined when it is not one. */
function goDurationSeconds(duration: string): number | undefined {
  if (typeof duration !== 'string' || !GO_DURATION.test(duration)) return undefined;
  let seconds = 0;
  for (const [, amount, , unit] of duration.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit];
  }
  return seconds;
}

function secretProblems(props: ServiceSecretProps, refreshInterval: string): PropProblem[] {
  const problems = problemsOf(dnsSubdomainProblem('name', props.name), dnsSubdomainProblem('storeName', props.storeName));
  if (
    typeof props.remoteKey !== 'string'
    || !REMOTE_KEY.test(props.remoteKey)
    || props.remoteKey.split('/').some((s) => s === '.' || s === '..')
  ) {
    problems.push({
      prop: 'remoteKey',
      value: props.remoteKey,
      rule: 'must be a path such as "alp/user-service/oidc" (letters, digits, "-", "_", ".", inner "/")',
      fix: "give the path relative to the store's KV mount",
    });
  }
  if (!Array.isArray(props.keys) || props.keys.length === 0) {
    problems.push({
      prop: 'keys',
      value: props.keys,
      rule: 'must list at least one key',
      fix: 'name the properties of the remote secret that the service needs',
    });
  } else {
    props.keys.forEach((key, i) => {
      if (typeof key !== 'string' || key.length > 253 || !SECRET_KEY.test(key)) {
        problems.push({ prop: `keys[${i}]`, value: key, rule: 'must be a Secret key (letters, digits, "-", "_", ".")' });
      }
    });
  }
  const seconds = goDurationSeconds(refreshInterval);
  if (seconds === undefined) {
    problems.push({ prop: 'refreshInterval', value: refreshInterval, rule: 'must be a Go duration such as "1h", "15m" or "1h30m"' });
  } else if (seconds <= 0) {
    problems.push({
      prop: 'refreshInterval',
      value: refreshInterval,
      rule: 'must be above zero',
      fix: 'a zero interval never refreshes, so rotated values never arrive',
    });
  }
  return problems;
}
