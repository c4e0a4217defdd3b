import { z } from 'zod';
import { apiAccessRuleProblems, escapeControlCharacters, parseImage } from '../../lib/core';
import { apiGrantProblems, undeclaredObjectProblems } from '../../lib/rbac/api-grants';
import { SpecCluster, specClusters, vaultAuthMountOf } from './cluster-settings';
import { SpecError, SpecProblem, formatPath, problemsFromZod } from '../../lib/core/problems';
import { releaseSchema, ReleaseState } from './release';
import { checkRelease } from './release-checks';
import { configurableProblems, MIN_SERVICE_REPLICAS, problem, Problem, ServicePath } from './service-checks';
import { MAX_SERVICES, ParsedPlatformSpec, platformSpecSchema, RegionSpec, serviceSchema, ServiceSpec, SERVICES_LIMIT } from './schema';

/** Namespace names by role, with defaults resolved. */
export interface PlatformNamespaces {
  readonly blue: string;
  readonly green: string;
  readonly edge: string;
  readonly data: string;
  readonly monitoring: string;
}

/** The validated spec: every default filled in, namespaces resolved. */
export interface PlatformSpec extends Omit<ParsedPlatformSpec, 'namespaces'> {
  readonly namespaces: PlatformNamespaces;
}

/** A validated spec and release state that agree with each other. */
export interface PlatformModel {
  readonly spec: PlatformSpec;
  readonly release: ReleaseState;
}

export interface InputSources {
  /** Name used for the spec in messages. @default 'spec' */
  readonly spec?: string;
  /** Name used for the release state in messages. @default 'release.yaml' */
  readonly release?: string;
}

/** The smallest replica count that survives a node drain or a rolling update. */

/**
 * Validates the platform spec and the release state together and returns the resolved model.
 * Throws one `SpecError` that lists every problem in both inputs: a broken service does not
 * hide the problems of the others, nor those of the release state.
 */
export function validatePlatform(specInput: unknown, releaseInput: unknown, sources: InputSources = {}): PlatformModel {
  const specSource = sources.spec ?? 'spec';
  const releaseSource = sources.release ?? 'release.yaml';
  const checked = checkSpecInput(specInput, specSource);
  const problems = [...checked.problems, ...prototypeKeyProblems(releaseInput, releaseSource)];

  const releaseResult = releaseSchema.safeParse(releaseInput);
  if (!releaseResult.success) {
    problems.push(
      ...withoutPrototypeKeys(
        problemsFromZod(releaseSource, releaseInput, releaseResult.error, (path) => objectKeysAt(releaseSchema, path)),
      ),
    );
  } else {
    problems.push(...checkRelease(checked, releaseResult.data).map((p) => ({ ...p, source: releaseSource })));
  }

  if (problems.length > 0 || !checked.spec || !releaseResult.success) throw new SpecError(problems);
  return { spec: checked.spec, release: releaseResult.data };
}

/** Validates the spec alone (for tools that do not need a release). */
export function validateSpec(specInput: unknown, source = 'spec'): PlatformSpec {
  const checked = checkSpecInput(specInput, source);
  if (!checked.spec) throw new SpecError(checked.problems);
  return checked.spec;
}

/** What is known about a spec after checking it, even when parts of it are invalid. */
interface CheckedSpec {
  /** The whole spec, when it has no problem at all. */
  readonly spec?: PlatformSpec;
  readonly problems: SpecProblem[];
  /** The services that are valid on their own, with their index in the input. */
  readonly services: ReadonlyArray<{ readonly index: number; readonly service: ServiceSpec }>;
  /** Every service name in the input, valid service or not (so one error does not cascade). */
  readonly serviceNames: ReadonlySet<string>;
  /** Region names, when the regions are valid. */
  readonly regionNames?: readonly string[];
}

/**
 * Checks the spec in parts, so that every problem is found in one pass: the top level with
 * services left opaque, then each service on its own, then the rules between them.
 */
function checkSpecInput(input: unknown, source: string): CheckedSpec {
  const problems: SpecProblem[] = prototypeKeyProblems(input, source);
  const keysAt = (path: readonly PropertyKey[]) => objectKeysAt(platformSpecSchema, path);

  const top = topLevelSchema.safeParse(input);
  if (!top.success) problems.push(...withoutPrototypeKeys(problemsFromZod(source, input, top.error, keysAt)));

  // Past the limit (a problem of its own), services are not checked one by one: the work stays bounded.
  const inputServices = fieldOf(input, 'services');
  const rawServices: unknown[] = Array.isArray(inputServices) ? inputServices.slice(0, MAX_SERVICES) : [];
  const services: Array<{ index: number; service: ServiceSpec }> = [];
  rawServices.forEach((raw, index) => {
    const result = serviceSchema.safeParse(raw);
    if (result.success) {
      services.push({ index, service: result.data });
    } else {
      const prefixed = new z.ZodError(result.error.issues.map((issue) => ({ ...issue, path: ['services', index, ...issue.path] })));
      problems.push(...withoutPrototypeKeys(problemsFromZod(source, input, prefixed, keysAt)));
    }
  });
  const serviceNames = new Set(rawServices.map((s) => fieldOf(s, 'name')).filter((n): n is string => typeof n === 'string'));

  const namespaces = top.success ? resolveNamespaces(top.data) : undefined;
  const regions = top.success ? top.data.regions : undefined;
  const topology = top.success ? top.data.topology : undefined;
  problems.push(...checkSpec(services, serviceNames, regions, topology, namespaces).map((p) => ({ ...p, source })));
  if (top.success)
    problems.push(
      ...checkData(
        top.data.data,
        services.map((s) => s.service),
        serviceNames,
        regions,
      ).map((p) => ({ ...p, source })),
    );
  if (top.success) problems.push(...checkClusters(top.data).map((p) => ({ ...p, source })));

  const spec =
    problems.length === 0 && top.success && namespaces ? { ...top.data, namespaces, services: services.map((s) => s.service) } : undefined;
  return { spec, problems, services, serviceNames, regionNames: regions?.map((r) => r.name) };
}

/** The spec's schema with the services left to `serviceSchema`, one by one. */
const topLevelSchema = platformSpecSchema.extend({
  services: z.array(z.unknown()).min(1, { error: 'must list at least one service' }).max(MAX_SERVICES, SERVICES_LIMIT),
});

function resolveNamespaces(parsed: z.output<typeof topLevelSchema>): PlatformNamespaces {
  const ns = parsed.namespaces;
  return {
    blue: ns.blue ?? `${parsed.name}-blue`,
    green: ns.green ?? `${parsed.name}-green`,
    edge: ns.edge ?? `${parsed.name}-edge`,
    data: ns.data ?? `${parsed.name}-data`,
    monitoring: ns.monitoring ?? `${parsed.name}-monitoring`,
  };
}

/** Rules that span fields of the spec; each runs on the parts that are valid on their own. */
function checkSpec(
  services: CheckedSpec['services'],
  names: ReadonlySet<string>,
  regions: readonly RegionSpec[] | undefined,
  topology: ParsedPlatformSpec['topology'] | undefined,
  namespaces: PlatformNamespaces | undefined,
): Problem[] {
  const problems: Problem[] = [];
  if (regions) problems.push(...regionProblems(regions, topology));
  if (namespaces) {
    const namespaceEntries = Object.entries(namespaces);
    problems.push(
      ...duplicates(
        namespaceEntries.map(([, n]) => n),
        (i) => ['namespaces', namespaceEntries[i][0]],
      ),
    );
  }
  problems.push(
    ...duplicates(
      services.map((s) => s.service.name),
      (i) => ['services', services[i].index, 'name'],
    ),
  );

  const routes = new Map<string, number>();
  const nameAt = new Map(services.map((s) => [s.index, s.service.name]));
  services.forEach(({ index: i, service }) => {
    problems.push(...serviceProblems(service, i, names));
    if (service.public) {
      const route = `${service.public.host}${service.public.path}`;
      const owner = routes.get(route);
      if (owner !== undefined) {
        problems.push(
          problem(['services', i, 'public'], route, `must be unique; services[${owner}] (${nameAt.get(owner)}) already serves it`),
        );
      }
      routes.set(route, i);
    }
  });
  return problems;
}

/** Each region's cluster fields match the topology (when it is valid); one primary region; unique names. */
function regionProblems(regions: readonly RegionSpec[], topology: ParsedPlatformSpec['topology'] | undefined): Problem[] {
  const problems: Problem[] = [];
  if (topology) {
    regions.forEach((region, i) => {
      if (topology === 'namespace-per-color') {
        if (!region.cluster)
          problems.push(problem(['regions', i, 'cluster'], undefined, 'is required with topology "namespace-per-color"'));
        if (region.colorClusters)
          problems.push(
            problem(
              ['regions', i, 'colorClusters'],
              region.colorClusters,
              'must not be set with topology "namespace-per-color"; use \'cluster\'',
            ),
          );
      } else {
        if (!region.colorClusters)
          problems.push(problem(['regions', i, 'colorClusters'], undefined, 'is required with topology "cluster-per-color"'));
        if (region.cluster)
          problems.push(
            problem(['regions', i, 'cluster'], region.cluster, 'must not be set with topology "cluster-per-color"; use \'colorClusters\''),
          );
      }
    });
  }
  const primaries = regions.filter((r) => r.role === 'primary');
  if (primaries.length !== 1) {
    problems.push(
      problem(
        ['regions'],
        regions.map((r) => `${r.name}:${r.role}`),
        `must contain exactly one region with role "primary" (found ${primaries.length})`,
      ),
    );
  }
  problems.push(
    ...duplicates(
      regions.map((r) => r.name),
      (i) => ['regions', i, 'name'],
    ),
  );
  return problems;
}

/** The rules within one service (services[i]); `names` are every service name of the spec. */
function serviceProblems(service: ServiceSpec, i: number, names: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const at: ServicePath = (...path) => ['services', i, ...path];
  if (service.metricsPort === service.port) {
    problems.push(
      problem(
        at('metricsPort'),
        service.metricsPort,
        `must differ from 'port' (${service.port}) so that metrics are not served to callers`,
      ),
    );
  }
  problems.push(...configurableProblems(service, at));
  problems.push(
    ...duplicates(
      service.secrets.map((secret) => secret.name),
      (j) => at('secrets', j, 'name'),
    ),
  );
  problems.push(...kubernetesApiProblems(service, i));
  const seen = new Set<string>();
  service.dependsOn.services.forEach((dependency: string, j: number) => {
    const path = at('dependsOn', 'services', j);
    if (dependency === service.name) problems.push(problem(path, dependency, 'must not be the service itself'));
    else if (!names.has(dependency))
      problems.push(problem(path, dependency, `must name a service of this spec (one of: ${nameList(names)})`));
    if (seen.has(dependency)) problems.push(problem(path, dependency, 'must not be listed twice'));
    seen.add(dependency);
  });
  return problems;
}

/** The service's Kubernetes API access rules (services[i].kubernetesApi), when it has any. */
function kubernetesApiProblems(service: ServiceSpec, i: number): Problem[] {
  if (!service.kubernetesApi) return [];
  // "Own" Secrets: the ones the service's 'secrets' entries make (<service>-<name>, see charts/color-chart.ts).
  // Without 'allowSecretAccess', apiAccessRuleProblems refuses secrets outright.
  const { rules, allowSecretAccess } = service.kubernetesApi;
  const ownSecrets = allowSecretAccess ? service.secrets.map((secret) => `${service.name}-${secret.name}`) : undefined;
  const named = undeclaredObjectProblems(service.name, rules, service.kubernetesApi.externalObjects);
  return [...apiAccessRuleProblems(rules, allowSecretAccess), ...apiGrantProblems(rules, ownSecrets), ...named].map((p) => ({
    path: `services[${i}].kubernetesApi.${p.prop}`,
    value: p.value,
    rule: p.fix ? `${p.rule}; ${p.fix}` : p.rule,
  }));
}

/**
 * Rules between the data section and the rest of the spec: every region has its own archive,
 * the GDPR jobs belong to services of the spec and run their images, and no data class or
 * backup outlives the GDPR retention period.
 */
function checkData(
  data: ParsedPlatformSpec['data'],
  services: readonly ServiceSpec[],
  names: ReadonlySet<string>,
  regions: readonly RegionSpec[] | undefined,
): Problem[] {
  return [
    ...gdprJobProblems(data, services, names),
    ...backupRetentionProblems(data),
    ...(regions ? backupDestinationProblems(data, regions) : []),
  ];
}

/** A path in the data section. */
const dataPath = (...path: PropertyKey[]): PropertyKey[] => ['data', ...path];

/**
 * The GDPR jobs (per data class, and erasure) belong to services of the spec and run their
 * images; no data class is kept beyond the GDPR retention period, and data class names are unique.
 */
function gdprJobProblems(data: ParsedPlatformSpec['data'], services: readonly ServiceSpec[], names: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const byName = new Map(services.map((s) => [s.name, s]));
  const known = nameList(names);
  const owner = (path: PropertyKey[], name: string, image: string) => {
    if (!names.has(name)) {
      problems.push(problem([...path, 'owningService'], name, `must name a service of this spec (one of: ${known})`));
      return;
    }
    const repository = parseImage(image)?.repository;
    const service = byName.get(name);
    if (service && repository !== undefined && repository !== service.imageRepository) {
      problems.push(
        problem([...path, 'image'], image, `must be an image of the owning service '${name}' (repository ${service.imageRepository})`),
      );
    }
  };
  data.gdpr.dataClasses.forEach((dataClass, i) => {
    owner(dataPath('gdpr', 'dataClasses', i), dataClass.owningService, dataClass.image);
    if (dataClass.retentionDays > data.gdpr.retentionDays) {
      problems.push(
        problem(
          dataPath('gdpr', 'dataClasses', i, 'retentionDays'),
          dataClass.retentionDays,
          `must not exceed 'data.gdpr.retentionDays' (${data.gdpr.retentionDays})`,
        ),
      );
    }
  });
  problems.push(
    ...duplicates(
      data.gdpr.dataClasses.map((c) => c.name),
      (i) => dataPath('gdpr', 'dataClasses', i, 'name'),
    ),
  );
  owner(dataPath('gdpr', 'erasure'), data.gdpr.erasure.owningService, data.gdpr.erasure.image);
  return problems;
}

/** No backup (Velero's, or the PostgreSQL archive) outlives the GDPR retention period. */
function backupRetentionProblems(data: ParsedPlatformSpec['data']): Problem[] {
  const problems: Problem[] = [];
  const gdprHours = data.gdpr.retentionDays * 24;
  if (data.backups.veleroTtlHours > gdprHours) {
    problems.push(
      problem(
        dataPath('backups', 'veleroTtlHours'),
        data.backups.veleroTtlHours,
        `must not exceed the GDPR retention period ('data.gdpr.retentionDays' ${data.gdpr.retentionDays}, ${gdprHours} hours): a backup kept longer holds personal data that should have been erased`,
      ),
    );
  }
  if (data.backups.retentionDays >= data.gdpr.retentionDays) {
    problems.push(
      problem(
        dataPath('backups', 'retentionDays'),
        data.backups.retentionDays,
        `must be below 'data.gdpr.retentionDays' (${data.gdpr.retentionDays}): the archive keeps the window plus one backup interval`,
      ),
    );
  }
  return problems;
}

/** Every region, and only the regions of the spec, archive their PostgreSQL to a location of their own. */
function backupDestinationProblems(data: ParsedPlatformSpec['data'], regions: readonly RegionSpec[]): Problem[] {
  const problems: Problem[] = [];
  const regionNames = regions.map((r) => r.name);
  for (const name of regionNames) {
    if (!Object.hasOwn(data.backups.destinations, name))
      problems.push(
        problem(
          dataPath('backups', 'destinations', name),
          undefined,
          'is required: every region archives its PostgreSQL to its own location',
        ),
      );
  }
  for (const name of Object.keys(data.backups.destinations)) {
    if (!regionNames.includes(name))
      problems.push(
        problem(
          dataPath('backups', 'destinations', name),
          data.backups.destinations[name],
          `must name a region of this spec (one of: ${regionNames.join(', ')})`,
        ),
      );
  }
  const paths = Object.entries(data.backups.destinations);
  problems.push(
    ...duplicates(
      paths.map(([, path]) => path.replace(/\/+$/, '')),
      (i) => dataPath('backups', 'destinations', paths[i][0]),
    ),
  );
  return problems;
}

/**
 * Every cluster logs in to Vault through a Kubernetes auth mount of its own (see
 * `vaultAuthMountOf`): a mount validates tokens against one API server and its CA.
 */
function checkClusters(spec: Pick<ParsedPlatformSpec, 'regions' | 'topology' | 'vault'>): Problem[] {
  const problems: Problem[] = [];
  const clusters = specClusters(spec);
  const firstWith = new Map<string, SpecCluster>();
  for (const c of clusters) {
    const mount = vaultAuthMountOf(spec, c.cluster);
    const first = firstWith.get(mount);
    if (first === undefined) firstWith.set(mount, c);
    else {
      problems.push(
        problem(
          [...c.path, 'vaultAuthMountPath'],
          mount,
          `must differ from the Vault Kubernetes auth mount of cluster ${first.cluster.name} (${formatPath([...first.path])}): a mount validates the tokens of one cluster's API server only`,
        ),
      );
    }
  }
  return problems;
}

/** Names for a message, sorted and comma-separated, control characters escaped (names may be invalid ones). */
function nameList(names: Iterable<string>): string {
  return escapeControlCharacters([...names].sort().join(', '));
}

/** The most levels `prototypeKeyProblems` walks: deeper inputs are refused when read from a file. */
const PROTOTYPE_WALK_DEPTH = 64;

/**
 * A problem for every `__proto__` key in an input (JSON.parse makes it an own key; some consumers
 * would take it for the object's prototype). Inputs from files are refused earlier, when read;
 * this covers inputs built in code or parsed elsewhere. Cycles are walked once.
 */
function prototypeKeyProblems(input: unknown, source: string): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown, path: PropertyKey[]): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || path.length > PROTOTYPE_WALK_DEPTH) return;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i]));
      return;
    }
    const fields = value as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(fields)) {
      if (key === '__proto__') {
        problems.push({
          source,
          path: formatPath([...path, key]),
          value: fields[key],
          rule: "is not an allowed key (JavaScript's prototype property); remove it",
        });
      } else {
        visit(fields[key], [...path, key]);
      }
    }
  };
  visit(input, []);
  return problems;
}

/** The schema's problems, but those of `__proto__` keys: `prototypeKeyProblems` reports each once. */
function withoutPrototypeKeys(problems: SpecProblem[]): SpecProblem[] {
  return problems.filter((p) => p.path !== '__proto__' && !p.path.endsWith('.__proto__'));
}

function duplicates(values: string[], pathOf: (index: number) => PropertyKey[]): Problem[] {
  const firstIndex = new Map<string, number>();
  const problems: Problem[] = [];
  values.forEach((value, i) => {
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, i);
    else problems.push(problem(pathOf(i), value, `must be unique; ${formatPath(pathOf(first))} has the same value`));
  });
  return problems;
}

/** The field names a strict object accepts at `path`, for "did you mean" hints. */
function objectKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const key of path) {
    if (!current) return [];
    const def = definitionOf(current);
    if (def.type === 'object') current = unwrap(def.shape[key as string]);
    else if (def.type === 'array') current = unwrap(def.element);
    else if (def.type === 'record') current = unwrap(def.valueType);
    else return [];
  }
  const def = current ? definitionOf(current) : undefined;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

/** The schema inside optional, default, prefault and nullable wrappers. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  while (current) {
    const def = definitionOf(current);
    if (def.type !== 'optional' && def.type !== 'default' && def.type !== 'prefault' && def.type !== 'nullable') break;
    current = def.innerType;
  }
  return current;
}

/** A schema's definition, typed by its kind: narrowing on `type` gives the kind's fields. */
function definitionOf(schema: z.core.$ZodType): z.core.$ZodTypes['_zod']['def'] {
  // Every zod schema is one of the kinds of $ZodTypes.
  return (schema as z.core.$ZodTypes)._zod.def;
}

/** `value?.[key]` of input whose shape is not checked yet (a non-object has no such field). */
function fieldOf(value: unknown, key: string): unknown {
  return (value as Readonly<Record<string, unknown>> | null | undefined)?.[key];
}

/** The most replicas a service runs: its autoscaling maximum or its fixed count. */
/** The fewest replicas a service runs (its HPA's minReplicas or fixed count), before a region scales it. */
export function serviceMinReplicas(service: ParsedPlatformSpec['services'][number]): number {
  return service.autoscaling?.minReplicas ?? service.replicas ?? MIN_SERVICE_REPLICAS;
}

export function serviceMaxReplicas(service: ParsedPlatformSpec['services'][number]): number {
  return service.autoscaling?.maxReplicas ?? service.replicas ?? MIN_SERVICE_REPLICAS;
}
