import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ClusterSecretStore, ClusterSecretStoreSpecProviderVaultVersion } from '../../imports/clustersecretstore-external-secrets.io';
import { PlacedChart, PropProblem, throwIfProblems } from '../core';
import { dnsSubdomainProblem, problemsOf, rfc1123LabelProblem } from '../core/validation';

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
   * Namespaces whose ExternalSecrets may use this store (`spec.conditions`) besides those
   * `admitReferencingNamespaces` finds. The store always renders conditions: an unrestricted
   * ClusterSecretStore lets any namespace read everything the Vault role can read.
   * @default - none: only the namespaces that refer to the store
   */
  readonly namespaces?: readonly string[];
  /**
   * Admits every namespace in which an ExternalSecret of the same cluster refers to this store
   * (`secretStoreRef` of kind `ClusterSecretStore` and this name), found in the whole construct
   * tree when the app is synthesized. External Secrets refuses an ExternalSecret whose namespace
   * no condition admits, so a hand-kept list falls behind the secrets that use the store.
   * Charts are in the same cluster when both are `PlacedChart`s of one `cluster`, or either is
   * not a `PlacedChart`.
   * @default true
   */
  readonly admitReferencingNamespaces?: boolean;
  /** Labels of the ClusterSecretStore. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A cluster-wide `ClusterSecretStore` (external-secrets.io/v1) that reads HashiCorp Vault's KV
 * engine, logging in with Vault's Kubernetes auth method, usable only from the namespaces whose
 * ExternalSecrets refer to it (and any listed ones). Cluster-scoped: define it in a chart
 * without a namespace.
 *
 * External Secrets admits an ExternalSecret's namespace when any one condition matches it (by
 * name, label selector or regular expression); a store without conditions admits every
 * namespace. This store renders one condition listing names, never none.
 *
 * @see https://external-secrets.io/latest/provider/hashicorp-vault/
 * @see https://external-secrets.io/latest/api/clustersecretstore/
 */
export class VaultSecretStore extends Construct {
  /** Name of the ClusterSecretStore. */
  public readonly name: string;
  public readonly resource: ApiObject;
  private readonly listed: string[];
  private readonly admitReferencing: boolean;

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
    this.listed = [...(props.namespaces ?? [])];
    this.admitReferencing = props.admitReferencingNamespaces ?? true;
    this.node.addValidation({
      validate: () =>
        this.namespaces.length > 0
          ? []
          : [
              `ClusterSecretStore ${this.name} admits no namespace: no ExternalSecret of its cluster refers to it and 'namespaces' lists none`,
            ],
    });
    this.resource = new ClusterSecretStore(this, 'Resource', {
      metadata: { name: this.name, labels: props.labels },
      spec: {
        conditions: Lazy.any({ produce: () => [{ namespaces: this.namespaces }] }),
        provider: {
          vault: {
            server: props.server,
            path: resolved.path,
            version:
              resolved.version === 'v1' ? ClusterSecretStoreSpecProviderVaultVersion.V1 : ClusterSecretStoreSpecProviderVaultVersion.V2,
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

  /**
   * The namespaces that may use the store, deduplicated and sorted: the listed ones and, with
   * `admitReferencingNamespaces`, those of the ExternalSecrets that refer to it. Complete once
   * the construct tree is.
   */
  public get namespaces(): string[] {
    const namespaces = new Set(this.listed);
    if (this.admitReferencing) {
      for (const namespace of referencingNamespaces(this.node.root, this.name, clusterOf(this))) namespaces.add(namespace);
    }
    return [...namespaces].sort();
  }
}

/** The cluster of a construct's chart, or undefined when its chart is not placed in one. */
function clusterOf(construct: IConstruct): string | undefined {
  const chart = Chart.of(construct);
  return PlacedChart.isPlacedChart(chart) ? chart.cluster : undefined;
}

/** The namespaces of the ExternalSecrets under `root` in `cluster` that refer to ClusterSecretStore `store`. */
function referencingNamespaces(root: IConstruct, store: string, cluster: string | undefined): string[] {
  const namespaces: string[] = [];
  for (const construct of root.node.findAll()) {
    if (!ApiObject.isApiObject(construct) || construct.kind !== 'ExternalSecret' || construct.apiGroup !== 'external-secrets.io') continue;
    const other = clusterOf(construct);
    if (cluster !== undefined && other !== undefined && other !== cluster) continue;
    const ref = construct.toJson().spec?.secretStoreRef;
    if (ref?.kind !== 'ClusterSecretStore' || ref?.name !== store) continue;
    namespaces.push(construct.metadata.namespace ?? 'default');
  }
  return namespaces;
}

/** A Vault mount path: segments of letters, digits, `-`, `_` and `.`, no slash at either end. */
const VAULT_MOUNT = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

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
  problems.push(...problemsOf(dnsSubdomainProblem('name', resolved.name)));
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
      problems.push({
        prop,
        value: resolved[prop],
        rule: 'must be a Vault mount path such as "secret" (letters, digits, "-", "_", ".", inner "/")',
      });
    }
  }
  if (resolved.version !== 'v1' && resolved.version !== 'v2') {
    problems.push({ prop: 'version', value: resolved.version, rule: 'must be "v1" or "v2"' });
  }
  if (typeof props.role !== 'string' || props.role.trim() === '') {
    problems.push({ prop: 'role', value: props.role, rule: 'must be the name of a Vault role of the Kubernetes auth method' });
  }
  problems.push(
    ...problemsOf(
      rfc1123LabelProblem('serviceAccount.name', resolved.serviceAccount.name),
      rfc1123LabelProblem('serviceAccount.namespace', resolved.serviceAccount.namespace),
    ),
  );
  const admitReferencing = props.admitReferencingNamespaces ?? true;
  if (props.namespaces !== undefined && !Array.isArray(props.namespaces)) {
    problems.push({ prop: 'namespaces', value: props.namespaces, rule: 'must be a list of namespaces' });
  } else if (!admitReferencing && (props.namespaces ?? []).length === 0) {
    problems.push({
      prop: 'namespaces',
      value: props.namespaces ?? [],
      rule: "must list at least one namespace when 'admitReferencingNamespaces' is false",
      fix: 'a store without conditions lets every namespace read everything the Vault role can read',
    });
  }
  (Array.isArray(props.namespaces) ? props.namespaces : []).forEach((namespace, i) => {
    problems.push(...problemsOf(rfc1123LabelProblem(`namespaces[${i}]`, namespace)));
  });
  return problems;
}

function isHttpsUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '' && url.search === '' && url.hash === ''
  );
}
