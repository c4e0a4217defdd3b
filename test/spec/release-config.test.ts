import { platformSpec } from '../../charts';
import { clone, committedRelease, problemsOf } from '../helpers/manifests';
import { colorServices, featureFlagEnvName, validatePlatform } from '../../platform';

/** The platform's spec with a feature flag on one service (the platform declares none today). */
function specWithFlag(): any {
  const spec: any = clone(platformSpec);
  spec.services.find((s: any) => s.name === 'assessment-service').featureFlags = { 'adaptive-hints': false };
  return spec;
}
const serviceIndex = (spec: any, name: string) => spec.services.findIndex((s: any) => s.name === name);

describe('configuration staged on a colour |', () => {
  test("each colour runs the spec's configuration with its own staged values; a region's entry replaces the colour's for that service", () => {
    // GIVEN
    const release = committedRelease();
    release.colors.green.config = {
      'assessment-service': {
        env: { LOG_LEVEL: 'debug' },
        featureFlags: { 'adaptive-hints': true },
        resources: { limits: { memory: '1Gi' } },
      },
      'user-service': { autoscaling: { maxReplicas: 12 }, secrets: { oidc: { vaultKey: 'alp/user-service/oidc-v2' } } },
    };
    release.regions.dr.colors = { green: { config: { 'assessment-service': { env: { LOG_LEVEL: 'warn' } } } } };
    const model = validatePlatform(specWithFlag(), release);
    const spec = (name: string) => model.spec.services.find((s) => s.name === name)!;
    const run = (region: string, color: 'blue' | 'green', name: string) =>
      colorServices(model.spec, model.release, region, color).find((s) => s.name === name)!;
    // THEN blue is the spec's
    expect(run('primary', 'blue', 'assessment-service')).toEqual(spec('assessment-service'));
    // AND green in primary carries the staged values over the spec's
    const staged = run('primary', 'green', 'assessment-service');
    expect(staged.env).toEqual({ ...spec('assessment-service').env, LOG_LEVEL: 'debug' });
    expect(staged.featureFlags).toEqual({ 'adaptive-hints': true });
    expect(staged.resources).toEqual({
      requests: spec('assessment-service').resources.requests,
      limits: { ...spec('assessment-service').resources.limits, memory: '1Gi' },
    });
    const user = run('primary', 'green', 'user-service');
    expect(user.autoscaling).toEqual({ ...spec('user-service').autoscaling!, maxReplicas: 12 });
    expect(user.secrets.find((s) => s.name === 'oidc')!.vaultKey).toBe('alp/user-service/oidc-v2');
    // AND dr's own entry for assessment-service replaces the colour's (only its env is staged there)
    expect(run('dr', 'green', 'assessment-service')).toEqual({
      ...spec('assessment-service'),
      env: { ...spec('assessment-service').env, LOG_LEVEL: 'warn' },
    });
    expect(run('dr', 'green', 'user-service')).toEqual(user);
    expect(featureFlagEnvName('adaptive-hints')).toBe('FEATURE_ADAPTIVE_HINTS');
  });

  test('refuses, all at once with path, value and rule, what the spec does not declare or the service rules forbid', () => {
    // GIVEN
    const spec = specWithFlag();
    const release = committedRelease();
    release.colors.green.config = {
      'grading-service': { env: { A: 'b' } },
      'assessment-service': {
        featureFlags: { 'new-quiz-ui': true },
        env: { FEATURE_ADAPTIVE_HINTS: 'true', DB_PASSWORD: 'hunter2hunter2' },
        resources: { limits: { memory: '64Mi' } },
        replicas: 3,
        secrets: { oidc: { vaultKey: 'alp/x' } },
      },
    };
    release.regions.primary.colors = { blue: { images: { 'user-service': 'registry.alp.example.com/alp/user-service:3.3.0' } } };
    const i = serviceIndex(spec, 'assessment-service');
    const requested = spec.services[i].resources.requests.memory;
    // WHEN / THEN
    expect(problemsOf(spec, release)).toEqual([
      `release.yaml: 'colors.green.config[assessment-service].env.DB_PASSWORD' ("hunter2hunter2") must not hold a secret (its name has the credential word "PASSWORD"); declare it under the spec's 'services[${i}].secrets' so that it comes from Vault ('as: env' passes it as environment variables)`,
      "release.yaml: 'colors.green.config[assessment-service].env.FEATURE_ADAPTIVE_HINTS' (\"true\") must not set the variable of feature flag 'adaptive-hints'; stage 'featureFlags.adaptive-hints'",
      "release.yaml: 'colors.green.config[assessment-service].featureFlags[new-quiz-ui]' (true) must be a feature flag of the service in the spec (one of: adaptive-hints)",
      "release.yaml: 'colors.green.config[assessment-service].replicas' (3) must not be staged for a service that autoscales; stage 'autoscaling.minReplicas' and 'maxReplicas'",
      `release.yaml: 'colors.green.config[assessment-service].resources.requests.memory' ("${requested}") must not exceed the limit (64Mi)`,
      'release.yaml: \'colors.green.config[assessment-service].secrets.oidc\' ({"vaultKey":"alp/x"}) must be a secret of the service in the spec (one of: postgres)',
      'release.yaml: \'colors.green.config[grading-service]\' ({"env":{"A":"b"}}) must name a service of the spec',
      "release.yaml: 'regions.primary.colors.blue.images[user-service]' (\"registry.alp.example.com/alp/user-service:3.3.0\") must be pinned by a digest (@sha256:<64 hex digits>): the platform's own images run by digest in both colours, so that a tag moved in the registry changes nothing; stage it as registry.alp.example.com/alp/user-service:3.3.0@sha256:<digest>",
    ]);
  });

  test('the schema refuses fields a colour cannot stage', () => {
    const release = committedRelease();
    release.colors.green.config = { 'user-service': { port: 9090, autoscaling: { minReplicas: 0 } } };
    expect(problemsOf(platformSpec, release)).toEqual([
      "release.yaml: 'colors.green.config[user-service].autoscaling.minReplicas' (0) must be an integer from 1 to 500 (500 is the platform's limit of replicas per service and colour)",
      "release.yaml: 'colors.green.config[user-service].port' (9090) is not a known field",
    ]);
  });
});
