/**
 * Schema validation as rules: every object against the Kubernetes v1.28 or CRD schema of its
 * apiVersion and kind (see `validateSchema`), including fields the API server would drop or reject.
 */
import { ManifestObject, PolicyRule, statement } from '../findings';
import { SchemaProblem, validateSchema } from '../schema';
import { allObjects, perObjectRule } from './_rule';

const NO_SCHEMA = 'no schema for ';

const cache = new WeakMap<ManifestObject, SchemaProblem[]>();

/** The object's schema problems, validated once for both rules. */
function problemsOf(object: ManifestObject): SchemaProblem[] {
  let problems = cache.get(object);
  if (!problems) {
    problems = validateSchema(object.manifest);
    cache.set(object, problems);
  }
  return problems;
}

/** `'<path>' <message>` as a sentence: `'spec.replica' is an unknown field …`, `'spec.replicas' must be integer`. */
function describe(problem: SchemaProblem): string {
  if (problem.message === 'unknown field') return `'${problem.path}' is an unknown field; the API server would drop or reject it`;
  return /^(must|is|has) /.test(problem.message) ? `'${problem.path}' ${problem.message}` : `'${problem.path}': ${problem.message}`;
}

const isKubernetesObject = (object: ManifestObject) =>
  typeof object.manifest.apiVersion === 'string' && typeof object.manifest.kind === 'string';
const isUnknownKind = (problem: SchemaProblem) => problem.path === '' && problem.message.startsWith(NO_SCHEMA);

export const SCHEMA = perObjectRule(
  {
    id: 'SCHEMA',
    severity: 'error',
    title: 'Objects match their schema',
    rationale: 'The API server rejects invalid objects and silently drops unknown fields: what was reviewed would not be what runs.',
    source: 'Kubernetes v1.28 OpenAPI schemas and the CRD schemas in imports/',
    fix: 'Correct the field as the message says; a misspelt field name is reported as an unknown field.',
  },
  allObjects,
  (object, report) => {
    if (!isKubernetesObject(object)) {
      report(statement("is not a Kubernetes object: 'apiVersion' and 'kind' must be strings"));
      return;
    }
    for (const problem of problemsOf(object)) {
      if (isUnknownKind(problem)) continue;
      report(problem.path === '' ? statement(problem.message) : statement(describe(problem), problem.path));
    }
  },
);

export const SCHEMA_UNKNOWN_KIND = perObjectRule(
  {
    id: 'SCHEMA-UNKNOWN-KIND',
    severity: 'warning',
    title: 'Every kind has a schema',
    rationale: 'An object of a kind without a known schema is not validated at all.',
    source: 'Platform rule (every object is checked against its schema)',
    fix: 'Import the CRD of the kind (cdk8s.yaml imports, then npm run import), or correct its apiVersion.',
  },
  allObjects,
  (object, report) => {
    if (!isKubernetesObject(object)) return;
    const unknown = problemsOf(object).find(isUnknownKind);
    if (unknown) report(statement(`has ${unknown.message}; it is not checked against a schema`));
  },
);

/** The schema rules. */
export const SCHEMA_RULES: readonly PolicyRule[] = [SCHEMA, SCHEMA_UNKNOWN_KIND];
