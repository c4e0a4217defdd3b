/**
 * Rules between the release state and the (valid parts of the) spec: regions, each colour's
 * images, and the configuration a colour stages.
 */
import { COLORS, escapeControlCharacters, parseImage, unpinnedReason } from '../../lib/core';
import { applyServiceConfig, featureFlagEnvName } from './color-config';
import { ReleaseState, ServiceConfig } from './release';
import { ServiceSpec } from './schema';
import { configurableProblems, problem, Problem } from './service-checks';

/** What the release checks need of the spec, even when parts of it are invalid. */
export interface ReleaseCheckedSpec {
  /** The services that are valid on their own. */
  readonly services: ReadonlyArray<{ readonly index: number; readonly service: ServiceSpec }>;
  /** Every service name in the spec. */
  readonly serviceNames: ReadonlySet<string>;
  /** Region names, when the regions are valid. */
  readonly regionNames?: readonly string[];
}

/** Rules between the release state and the (valid parts of the) spec. */
export function checkRelease(spec: ReleaseCheckedSpec, release: ReleaseState): Problem[] {
  const problems: Problem[] = [...regionProblems(spec, release)];
  const services = new Map(spec.services.map(({ service }) => [service.name, service]));
  for (const color of COLORS) {
    const { images, config } = release.colors[color];
    problems.push(...imageProblems(spec, services, images, ['colors', color, 'images'], true));
    problems.push(...configProblems(spec, services, config, ['colors', color, 'config']));
    for (const region of Object.keys(release.regions)) {
      const own = release.regions[region].colors?.[color];
      if (!own) continue;
      const at = ['regions', region, 'colors', color];
      problems.push(...imageProblems(spec, services, own.images ?? {}, [...at, 'images'], false));
      problems.push(...configProblems(spec, services, own.config, [...at, 'config']));
    }
  }
  return problems;
}

/** Every region of the spec has a live colour, and no other region is named. */
function regionProblems(spec: ReleaseCheckedSpec, release: ReleaseState): Problem[] {
  const problems: Problem[] = [];
  const regionNames = spec.regionNames;
  if (!regionNames) return problems;
  for (const name of regionNames) {
    if (!Object.hasOwn(release.regions, name))
      problems.push(problem(['regions', name], undefined, 'is required: the spec declares this region'));
  }
  for (const name of Object.keys(release.regions)) {
    if (!regionNames.includes(name))
      problems.push(problem(['regions', name], release.regions[name], `must be a region of the spec (one of: ${regionNames.join(', ')})`));
  }
  return problems;
}

/** The images of one colour (`complete`: every service needs one) or of a region's own entries. */
function imageProblems(
  spec: ReleaseCheckedSpec,
  services: ReadonlyMap<string, ServiceSpec>,
  images: Readonly<Record<string, string>>,
  at: PropertyKey[],
  complete: boolean,
): Problem[] {
  const problems: Problem[] = [];
  for (const service of services.values()) {
    const path = [...at, service.name];
    const reference = Object.hasOwn(images, service.name) ? images[service.name] : undefined;
    if (reference === undefined) {
      if (complete) problems.push(problem(path, undefined, 'is required: every service needs an image in both colours'));
      continue;
    }
    problems.push(...referenceProblems(service, reference, path));
  }
  for (const name of Object.keys(images)) {
    if (!spec.serviceNames.has(name)) problems.push(problem([...at, name], images[name], 'must name a service of the spec'));
  }
  return problems;
}

function referenceProblems(service: ServiceSpec, reference: string, path: PropertyKey[]): Problem[] {
  const unpinned = unpinnedReason(reference);
  if (unpinned) return [problem(path, reference, unpinned)];
  const problems: Problem[] = [];
  const image = parseImage(reference)!;
  if (image.repository !== service.imageRepository) {
    problems.push(problem(path, reference, `must be an image of the service's repository (${service.imageRepository})`));
  }
  if (!image.digest) {
    problems.push(
      problem(
        path,
        reference,
        `must be pinned by a digest (@sha256:<64 hex digits>): the platform's own images run by digest in both colours, so that a tag moved in the registry changes nothing; stage it as ${service.imageRepository}:${image.tag}@sha256:<digest>`,
      ),
    );
  }
  return problems;
}

/** A colour's staged configuration: it names the spec's services, flags and secrets, and breaks none of the service rules. */
function configProblems(
  spec: ReleaseCheckedSpec,
  services: ReadonlyMap<string, ServiceSpec>,
  config: Readonly<Record<string, ServiceConfig>> | undefined,
  at: PropertyKey[],
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, staged] of Object.entries(config ?? {})) {
    const service = services.get(name);
    if (!service) {
      if (!spec.serviceNames.has(name)) problems.push(problem([...at, name], staged, 'must name a service of the spec'));
      continue;
    }
    problems.push(...namedEntryProblems(service, staged, [...at, name]));
    const index = spec.services.find((s) => s.service === service)!.index;
    problems.push(...introducedProblems(service, staged, [...at, name], `the spec's 'services[${index}].secrets'`));
  }
  return problems;
}

/** Staged flags and secrets are the spec's; bounds are staged the way the service scales. */
function namedEntryProblems(service: ServiceSpec, staged: ServiceConfig, at: PropertyKey[]): Problem[] {
  const problems: Problem[] = [];
  const flags = Object.keys(service.featureFlags);
  for (const flag of Object.keys(staged.featureFlags ?? {})) {
    if (!flags.includes(flag)) {
      problems.push(
        problem(
          [...at, 'featureFlags', flag],
          staged.featureFlags![flag],
          `must be a feature flag of the service in the spec (${list(flags)})`,
        ),
      );
    }
  }
  for (const name of Object.keys(staged.env ?? {})) {
    const flag = flags.find((f) => featureFlagEnvName(f) === name);
    if (flag)
      problems.push(
        problem(
          [...at, 'env', name],
          staged.env![name],
          `must not set the variable of feature flag '${flag}'; stage 'featureFlags.${flag}'`,
        ),
      );
  }
  const secrets = service.secrets.map((s) => s.name);
  for (const name of Object.keys(staged.secrets ?? {})) {
    if (!secrets.includes(name))
      problems.push(
        problem([...at, 'secrets', name], staged.secrets![name], `must be a secret of the service in the spec (${list(secrets)})`),
      );
  }
  if (staged.autoscaling && !service.autoscaling) {
    problems.push(
      problem(
        [...at, 'autoscaling'],
        staged.autoscaling,
        "must not be staged for a service with a fixed 'replicas' in the spec; stage 'replicas'",
      ),
    );
  }
  if (staged.replicas !== undefined && service.autoscaling) {
    problems.push(
      problem(
        [...at, 'replicas'],
        staged.replicas,
        "must not be staged for a service that autoscales; stage 'autoscaling.minReplicas' and 'maxReplicas'",
      ),
    );
  }
  return problems;
}

/**
 * The service rules the staged configuration breaks (and the spec's own values do not), at the
 * field as the colour runs it: a limit staged below the spec's request is reported at
 * `resources.requests.<amount>` of the colour's configuration.
 */
function introducedProblems(service: ServiceSpec, staged: ServiceConfig, at: PropertyKey[], secretsAt: string): Problem[] {
  const within = (...path: PropertyKey[]) => [...at, ...path];
  const key = (p: Problem) => `${p.path}\n${p.rule}`;
  const before = new Set(configurableProblems(service, within, secretsAt).map(key));
  return configurableProblems(applyServiceConfig(service, staged), within, secretsAt).filter((p) => !before.has(key(p)));
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'it has none' : `one of: ${escapeControlCharacters([...names].sort().join(', '))}`;
}
