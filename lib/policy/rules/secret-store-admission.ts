/**
 * External Secrets: an ExternalSecret reads a ClusterSecretStore only if the store's conditions
 * admit the ExternalSecret's namespace.
 */
import { ManifestObject, PolicyRule, violation } from '../findings';
import { inputRule } from './_rule';
import { asArray, labelSelectorMatches, stringMap } from './_selectors';

/** Whether a store's `spec.conditions` admit a namespace; `unknown` when a label selector needs the Namespace object and it is absent. */
export type StoreAdmission = 'admitted' | 'refused' | 'unknown';

/**
 * How External Secrets judges a ClusterSecretStore's `spec.conditions` for a namespace: no
 * conditions admit every namespace; otherwise the namespace must match one condition by name
 * (`namespaces`), by regular expression (`namespaceRegexes`, unanchored as Go's `MatchString`)
 * or by label selector (`namespaceSelector`, over the Namespace's labels and its
 * `kubernetes.io/metadata.name`). `namespaceLabels` is undefined when the Namespace is unknown.
 */
export function storeAdmits(
  conditions: unknown,
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): StoreAdmission {
  const list = asArray(conditions);
  if (list.length === 0) return 'admitted';
  let unknown = false;
  for (const condition of list) {
    if (asArray(condition?.namespaces).includes(namespace)) return 'admitted';
    for (const pattern of asArray(condition?.namespaceRegexes)) {
      if (typeof pattern === 'string' && matches(pattern, namespace)) return 'admitted';
    }
    const selector = condition?.namespaceSelector;
    if (selector !== undefined && selector !== null) {
      if (namespaceLabels === undefined) unknown = true;
      else if (labelSelectorMatches(selector, { ...namespaceLabels, 'kubernetes.io/metadata.name': namespace })) return 'admitted';
    }
  }
  return unknown ? 'unknown' : 'refused';
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return false; // External Secrets skips a pattern it cannot compile
  }
}

export const SECRET_STORE_ADMISSION = inputRule(
  {
    id: 'SECRET-STORE-ADMISSION',
    severity: 'error',
    title: 'ExternalSecrets read ClusterSecretStores whose conditions admit their namespace',
    rationale:
      'External Secrets refuses an ExternalSecret whose namespace no condition of its ClusterSecretStore admits: the Secret is never written, and pods that mount it never start.',
    source: 'External Secrets Operator: ClusterSecretStore spec.conditions',
    fix: "Admit the namespace in the store's conditions (VaultSecretStore admits every namespace whose ExternalSecrets refer to it), or read another store.",
    helpUri: 'https://external-secrets.io/latest/api/clustersecretstore/',
  },
  (ctx, report, skip) => {
    const externalSecrets = ctx.ofKind('external-secrets.io', 'ExternalSecret');
    if (externalSecrets.length === 0) return;
    const stores = byClusterAndName(ctx.ofKind('external-secrets.io', 'ClusterSecretStore'));
    const namespaces = byClusterAndName(ctx.ofKind('', 'Namespace'));
    const absentStores = new Set<string>();
    const absentNamespaces = new Set<string>();
    for (const externalSecret of externalSecrets) {
      const ref = externalSecret.manifest.spec?.secretStoreRef;
      // A namespaced SecretStore is always in the ExternalSecret's own namespace.
      if (ref?.kind !== 'ClusterSecretStore' || typeof ref?.name !== 'string') continue;
      const store = stores.get(key(externalSecret.cluster, ref.name));
      if (!store) {
        absentStores.add(ref.name);
        continue;
      }
      const namespace = ctx.namespaceOf(externalSecret);
      const namespaceObject = namespaces.get(key(externalSecret.cluster, namespace));
      const verdict = storeAdmits(
        store.manifest.spec?.conditions,
        namespace,
        namespaceObject ? stringMap(namespaceObject.manifest.metadata?.labels) : undefined,
      );
      if (verdict === 'unknown') absentNamespaces.add(namespace);
      if (verdict !== 'refused') continue;
      report(
        externalSecret,
        violation(
          'spec.secretStoreRef.name',
          ref.name,
          `must name a ClusterSecretStore that admits namespace ${namespace}: no condition of ${store.label} does, so External Secrets refuses it and never writes the Secret`,
          `admit "${namespace}" in the store's 'spec.conditions'`,
        ),
      );
    }
    if (absentStores.size > 0) {
      skip(
        `the ClusterSecretStores ${[...absentStores].sort().join(', ')} are not in the manifests: their ExternalSecrets are judged with them`,
      );
    }
    if (absentNamespaces.size > 0) {
      skip(
        `the Namespace objects of ${[...absentNamespaces].sort().join(', ')} are not in the manifests: stores that select namespaces by label are judged with them`,
      );
    }
  },
);

const key = (cluster: string, name: string) => `${cluster}\n${name}`;

/** Cluster-scoped objects (or Namespaces) by cluster and name. */
function byClusterAndName(objects: readonly ManifestObject[]): Map<string, ManifestObject> {
  return new Map(objects.map((o) => [key(o.cluster, o.name), o]));
}

/** The rules on External Secrets' stores. */
export const SECRET_STORE_RULES: readonly PolicyRule[] = [SECRET_STORE_ADMISSION];
