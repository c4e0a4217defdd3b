/**
 * GitOps: stable, reviewable names, and an Argo CD AppProject that fences what it may deploy.
 */
import { PolicyRule, statement, violation } from '../findings';
import { allObjects, ofKind, perObjectRule } from './_rule';
import { asArray } from './_selectors';

/**
 * The suffix cdk8s appends to generated names: a dash and 8 hex digits of the construct address.
 * All-digit suffixes (dates, build numbers) are deliberate and allowed; that lets about 2 % of
 * real hashes through.
 */
const HASH_SUFFIX = /-(?=[0-9a-f]{0,7}[a-f])[0-9a-f]{8}$/;

export const GITOPS_NO_HASH_NAMES = perObjectRule(
  {
    id: 'GITOPS-NO-HASH-NAMES',
    severity: 'error',
    title: 'Objects have explicit names without generated hashes',
    rationale:
      'A generated name changes when the construct tree is refactored: Argo CD then deletes and recreates the object, and diffs become unreadable.',
    source: 'Platform rule (GitOps: explicit metadata.name on every object)',
    fix: "Set 'metadata.name' explicitly in the construct (cdk8s appends a hash only to names it generates).",
  },
  allObjects,
  (object, report) => {
    const name = object.name;
    if (name === '') {
      const generated = object.manifest.metadata?.generateName;
      if (generated !== undefined) {
        report(
          violation('metadata.generateName', generated, 'must not be used', "every apply would create another object; set 'metadata.name'"),
        );
      }
    } else if (name.charCodeAt(name.length - 9) === 45 /* '-' */ && HASH_SUFFIX.test(name)) {
      report(violation('metadata.name', name, 'must not end with a generated hash', "set 'metadata.name' explicitly"));
    }
  },
);

/** Fields of an AppProject's spec that must not contain '*': list field, and the string fields of its entries. */
const APP_PROJECT_FIELDS: readonly { readonly list: string; readonly keys?: readonly string[] }[] = [
  { list: 'sourceRepos' },
  { list: 'sourceNamespaces' },
  { list: 'destinations', keys: ['server', 'name', 'namespace'] },
  { list: 'clusterResourceWhitelist', keys: ['group', 'kind'] },
  { list: 'namespaceResourceWhitelist', keys: ['group', 'kind'] },
];

export const GITOPS_APPPROJECT_NO_WILDCARDS = perObjectRule(
  {
    id: 'GITOPS-APPPROJECT-NO-WILDCARDS',
    severity: 'error',
    title: 'Argo CD AppProjects list their sources, destinations and resources',
    rationale:
      "A '*' in an AppProject lets its Applications deploy from any repository, to any cluster or namespace, or any kind of object.",
    source: 'Platform rule (Argo CD AppProject as a security boundary)',
    fix: "List this repository, the platform's clusters and namespaces, and the resource kinds explicitly.",
    helpUri: 'https://argo-cd.readthedocs.io/en/stable/user-guide/projects/',
  },
  ofKind('argoproj.io', 'AppProject'),
  (project, report) => {
    const spec = project.manifest.spec ?? {};
    if (asArray(spec.sourceRepos).length === 0) {
      report(statement("lists no 'spec.sourceRepos': its Applications cannot sync; list this repository", 'spec.sourceRepos'));
    }
    for (const { list, keys } of APP_PROJECT_FIELDS) {
      asArray(spec[list]).forEach((entry: any, i: number) => {
        const values: [string, unknown][] = keys
          ? keys.map((k) => [`spec.${list}[${i}].${k}`, entry?.[k]])
          : [[`spec.${list}[${i}]`, entry]];
        for (const [path, value] of values) {
          if (typeof value === 'string' && value.includes('*')) {
            report(violation(path, value, "must not contain the wildcard '*'", `list the ${list} explicitly`));
          }
        }
      });
    }
  },
);

/** The GitOps rules. */
export const GITOPS_RULES: readonly PolicyRule[] = [GITOPS_NO_HASH_NAMES, GITOPS_APPPROJECT_NO_WILDCARDS];
