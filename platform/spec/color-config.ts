/**
 * Configuration blue/green: a colour runs each service with the spec's configuration and what
 * release.yaml stages on that colour (see `serviceConfigSchema`). Everything that builds a colour's
 * objects reads the services through `colorServices`, so a staged value reaches that colour only.
 */
import { ColorConfigAspect } from '../../lib/core/labels';
import { colorState, ReleaseState, ServiceConfig } from './release';
import { ServiceSpec } from './schema';

/** The environment variable of a feature flag: `new-quiz-ui` -> `FEATURE_NEW_QUIZ_UI`. */
export function featureFlagEnvName(flag: string): string {
  return `FEATURE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** A service's feature flags as environment variables ("true"/"false"), sorted by flag. */
export function featureFlagEnv(service: Pick<ServiceSpec, 'featureFlags'>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(service.featureFlags)
      .sort()
      .map((flag) => [featureFlagEnvName(flag), String(service.featureFlags[flag])]),
  );
}

/** The service with a colour's staged configuration applied (the service itself when nothing is staged). */
export function applyServiceConfig(service: ServiceSpec, config: ServiceConfig | undefined): ServiceSpec {
  if (config === undefined) return service;
  const { requests, limits } = config.resources ?? {};
  return {
    ...service,
    env: config.env ? { ...service.env, ...config.env } : service.env,
    featureFlags: config.featureFlags ? { ...service.featureFlags, ...config.featureFlags } : service.featureFlags,
    resources: {
      requests: { ...service.resources.requests, ...definedFields(requests) },
      limits: { ...service.resources.limits, ...definedFields(limits) },
    },
    // Bounds apply the way the service scales (release-checks.ts refuses the other kind).
    replicas: service.replicas !== undefined && config.replicas !== undefined ? config.replicas : service.replicas,
    autoscaling:
      service.autoscaling && config.autoscaling ? { ...service.autoscaling, ...definedFields(config.autoscaling) } : service.autoscaling,
    secrets: config.secrets
      ? service.secrets.map((secret) =>
          config.secrets![secret.name] ? { ...secret, vaultKey: config.secrets![secret.name].vaultKey } : secret,
        )
      : service.secrets,
  };
}

/** The services as `color` runs them in `region`: the spec's, with the colour's staged configuration. */
export function colorServices(
  spec: { readonly services: readonly ServiceSpec[] },
  release: ReleaseState,
  region: string,
  color: 'blue' | 'green',
): ServiceSpec[] {
  const { config } = colorState(release, region, color);
  return spec.services.map((service) =>
    applyServiceConfig(service, Object.hasOwn(config, service.name) ? config[service.name] : undefined),
  );
}

/**
 * The aspects in which a service's objects in this colour differ from the spec's on purpose, for
 * the `alp-deploy.io/color-config` annotation that blue/green parity reads: staged env and feature
 * flags change the containers' env, and so on. Empty when nothing is staged.
 */
export function stagedAspects(config: ServiceConfig | undefined): ColorConfigAspect[] {
  if (config === undefined) return [];
  const aspects: ColorConfigAspect[] = [];
  if (config.env || config.featureFlags) aspects.push('env');
  if (config.resources) aspects.push('resources');
  if (config.replicas !== undefined) aspects.push('replicas');
  if (config.autoscaling) aspects.push('autoscaling');
  if (config.secrets) aspects.push('vaultKey');
  return aspects;
}

function definedFields<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
