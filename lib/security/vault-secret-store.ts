import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterSecretStore, ClusterSecretStoreSpecProviderVaultVersion } from '../../imports/clustersecretstore-external-secrets.io';
import { PropProblem, throwIfProblems } from '../core';

/** The version of a Vault KV secrets engine. */
export type VaultKvVersion = 'v1' | 'v2';

/** A ServiceAccount in another namespace. */
export interface ServiceAccountReference {
  readonly name: string;
  readonly namespace: string;
}

/** The ServiceAccount of the External Secrets Operator, as its Helm chart installs it. */
export const ESO_SERVICE_ACCOUNT: ServiceAccountReference = { name: 'external-secrets', namespace: 'external-secrets' };

export interface VaultSecretStoreProps {
  /**
   * Name of the ClusterSecretStore, which ExternalSecrets refer to.
   * @default 'vault'
   */
  readonly name?: string;
  /** Vault's address, an https URL such as `https://vault.example.com:8200`. */
  readonly server: string;
  /**
   * Mount path of the KV secrets engine, without slashes at either end.
   * @default 'secret'
   */
  readonly path?: string;
  /**
   * Version of the KV secrets engine.
   * @default 'v2'
   */
  readonly version?: VaultKvVersion;
  /**
   * Mount path of Vault's Kubernetes auth method.
   * @default 'kubernetes'
   */
  readonly authMountPath?: string;
  /** The Vault role of the Kubernetes auth method that ESO logs in as. */
  readonly role: string;
  /**
   * The ServiceAccount whose token ESO presents to Vault. Always rendered with its namespace:
   * without one, ESO would use the ServiceAccount of that name in each ExternalSecret's namespace.
   * @default ESO_SERVICE_ACCOUNT (external-secrets/external-secrets)
   */
  readonly serviceAccount?: ServiceAccountReference;
  /**
   * The only namespaces whose ExternalSecrets may use this store (`spec.conditions`).
   * Required and non-empty: an unrestricted ClusterSecretStore lets any namespace read
   * everything the Vault role can read.
   */
  readonly namespaces: readonly string[];
  /** Labels of the ClusterSecretStore. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A cluster-wide `ClusterSecretStore` (external-secrets.io/v1) that reads HashiCorp Vault's KV
 * engine, logging in with Vault's Kubernetes auth method, usable only from the listed
 * namespaces. Cluster-scoped: define it in a chart without a namespace.
 *
 * @see https://external-secrets.io/latest/provider/hashicorp-vault/
 */
export class VaultSecretStore extends Construct {
  /** Name of the ClusterSecretStore. */
  public readonly name: string;
  /** The namespaces that may use the store, deduplicated and sorted. */
  public readonly namespaces: string[];
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: VaultSecretStoreProps) {
    super(scope, id);
    const resolved = {
      name: props.name ?? 'vault',
      path: props.path ?? 'secret',
      version: props.version ?? 'v2',
      authMountPath: props.authMountPath ?? 'kubernetes',
      serviceAccount: props.serviceAccount ?? ESO_SERVICE_ACCOUNT,
    };
    throwIfProblems(this, storeProblems(props, resolved, Chart.of(this).namespace));

    this.name = resolved.name;
    this.namespaces = [...new Set(props.namespaces)].sort();
    this.resource = new ClusterSecretStore(this, 'Resource', {
      metadata: { name: this.name, labels: props.labels },
      spec: {
        conditions: [{ namespaces: this.namespaces }],
        provider: {
          vault: {
            server: props.server,
            path: resolved.path,
            version: resolved.version === 'v1' ? ClusterSecretStoreSpecProviderVaultVersion.V1 : ClusterSecretStoreSpecProviderVaultVersion.V2,
            auth: {
              kubernetes: {
                mountPath: resolved.authMountPath,
                role: props.role,
                serviceAccountRef: { name: resolved.serviceAccount.name, namespace: resolved.serviceAccount.namespace },
              },
            },
          },
        },
      },
    });
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_RULE = 'must be a DNS label of at most 63 characters (lowercase letters, digits, "-")';
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Vault mount path: segments of letters, digits, `-`, `_` and `.`, no slash at either end. */
const VAULT_MOUNT = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

const isDnsLabel = (value: unknown) => typeof value === 'string' && value.length <= 63 && DNS_LABEL.test(value);

function storeProblems(
  props: VaultSecretStoreProps,
  resolved: { name: string; path: string; version: string; authMountPath: string; serviceAccount: ServiceAccountReference },
  chartNamespace: string | undefined,
): PropProblem[] {
  const problems: PropProblem[] = [];
  if (chartNamespace !== undefined) {
    problems.push({
      prop: 'namespace',
      value: chartNamespace,
      rule: 'must not be set on the chart of a ClusterSecretStore',
      fix: 'the store is cluster-scoped; define it in a chart without a namespace',
    });
  }
  if (resolved.name.length > 253 || !DNS_SUBDOMAIN.test(resolved.name)) {
    problems.push({ prop: 'name', value: resolved.name, rule: 'must be a DNS subdomain (lowercase letters, digits, "-", ".")' });
  }
  if (!isHttpsUrl(props.server)) {
    problems.push({
      prop: 'server',
      value: props.server,
      rule: 'must be an https:// URL without credentials, query or fragment',
      fix: 'ESO sends a ServiceAccount token to Vault, and Vault sends secrets back: neither may cross the network unencrypted',
    });
  }
  for (const prop of ['path', 'authMountPath'] as const) {
    if (!VAULT_MOUNT.test(resolved[prop])) {
      problems.push({ prop, value: resolved[prop], rule: 'must be a Vault mount path such as "secret" (letters, digits, "-", "_", ".", inner "/")' });
    }
  }
  if (resolved.version !== 'v1' && resolved.version !== 'v2') {
    problems.push({ prop: 'version', value: resolved.version, rule: 'must be "v1" or "v2"' });
  }
  if (typeof props.role !== 'string' || props.role.trim() === '') {
    problems.push({ prop: 'role', value: props.role, rule: 'must be the name of a Vault role of the Kubernetes auth method' });
  }
  if (!isDnsLabel(resolved.serviceAccount.name)) problems.push({ prop: 'serviceAccount.name', value: resolved.serviceAccount.name, rule: DNS_LABEL_RULE });
  if (!isDnsLabel(resolved.serviceAccount.namespace)) {
    problems.push({ prop: 'serviceAccount.namespace', value: resolved.serviceAccount.namespace, rule: DNS_LABEL_RULE });
  }
  if (!Array.isArray(props.namespaces) || props.namespaces.length === 0) {
    problems.push({
      prop: 'namespaces',
      value: props.namespaces,
      rule: 'must list at least one namespace',
      fix: 'a store without conditions lets every namespace read everything the Vault role can read',
    });
  } else {
    props.namespaces.forEach((namespace, i) => {
      if (!isDnsLabel(namespace)) problems.push({ prop: `namespaces[${i}]`, value: namespace, rule: DNS_LABEL_RULE });
    });
  }
  return problems;
}

function isHttpsUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
}
