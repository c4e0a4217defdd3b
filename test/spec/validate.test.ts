import { platformSpec } from '../../charts';
import { clone, committedRelease, errorOf, problemsOf, serviceNameList } from '../helpers/manifests';
import { runbookBaseUrl, validatePlatform, validateSpec } from '../../platform';

describe('validatePlatform |', () => {
  test("the platform's own spec and release are valid, with defaults filled in", () => {
    // WHEN
    const model = validatePlatform(platformSpec, committedRelease());
    // THEN
    expect(model.spec.namespaces).toEqual({
      blue: 'alp-blue',
      green: 'alp-green',
      edge: 'alp-edge',
      data: 'alp-data',
      monitoring: 'alp-monitoring',
    });
    const content = model.spec.services.find((s) => s.name === 'content-service')!;
    expect(content.tier).toBe('backend');
    expect(content.availability).toEqual({ objective: 99.9, latencyP99Ms: 500 });
    expect(content.autoscaling!.targetCPUUtilizationPercentage).toBe(70);
    expect(model.release.regions.primary.activeColor).toBe('blue');
  });

  test('fails with every problem at once, each with path, value and rule', () => {
    // GIVEN three mistakes in three places
    const spec: any = clone(platformSpec);
    spec.services[1].port = 70000;
    spec.services[2].autoscaling.minReplicas = 9;
    spec.services[3].dependsOn.services.push('grading-service');
    // WHEN
    const message = errorOf(() => validatePlatform(spec, committedRelease(), { spec: 'platform.yaml' }));
    // THEN
    expect(message).toBe(
      [
        'invalid platform input (3 problems); nothing was written',
        "  - platform.yaml: 'services[1].port' (70000) must be an integer from 1 to 65535",
        "  - platform.yaml: 'services[2].autoscaling.minReplicas' (9) must not exceed 'maxReplicas' (8)",
        `  - platform.yaml: 'services[3].dependsOn.services[2]' ("grading-service") must name a service of this spec (one of: ${serviceNameList(spec)})`,
      ].join('\n'),
    );
  });

  test('fails when an availability objective is too low to page, or the monitoring section is wrong', () => {
    const spec: any = clone(platformSpec);
    spec.services[2].availability = { objective: 93 };
    spec.monitoring.alerting.slackChannel = 'alp-alerts';
    spec.monitoring.elasticsearch.cidr = '10.20.0.0';
    spec.monitoring.blackbox.egressCidrs = [];
    spec.monitoring.jaeger = { namespace: 'Jaeger' };
    expect(problemsOf(spec)).toEqual([
      'spec: \'monitoring.alerting.slackChannel\' ("alp-alerts") must be a Slack channel such as "#alp-alerts"',
      "spec: 'monitoring.blackbox.egressCidrs' ([]) must list at least one CIDR",
      'spec: \'monitoring.elasticsearch.cidr\' ("10.20.0.0") must be an IPv4 CIDR such as "203.0.113.0/24"',
      'spec: \'monitoring.jaeger.namespace\' ("Jaeger") must be a DNS label: lowercase letters, digits and "-", starting with a letter',
      "spec: 'services[2].availability.objective' (93) must be a percentage from 93.06 to 99.999 (below 93.06 the burn-rate alerts could never page)",
    ]);
  });

  test('fills in the monitoring defaults, the runbooks next to the synthesized output', () => {
    const { spec } = validatePlatform(platformSpec, committedRelease());
    expect(spec.monitoring.jaeger).toEqual({ namespace: 'jaeger', service: 'jaeger-collector', port: 4317 });
    expect(spec.monitoring.alerting).toMatchObject({ pagerDutyVaultKey: 'alp/alerting/pagerduty', slackVaultKey: 'alp/alerting/slack' });
    expect(runbookBaseUrl(spec)).toBe('https://git.alp.example.com/platform/alp-deploy/blob/main/dist/runbooks');
    expect(
      runbookBaseUrl({ ...spec, gitops: { ...spec.gitops, repoURL: 'git@git.example.com:ops/alp.git', revision: 'release', path: 'out' } }),
    ).toBe('https://git.example.com/ops/alp/blob/release/out/runbooks');
  });

  test('fails when a field is unknown, suggesting the nearest known one', () => {
    const spec: any = clone(platformSpec);
    spec.services[0].metricPort = 9090;
    spec.regoins = [];
    expect(problemsOf(spec)).toEqual([
      "spec: 'regoins' ([]) is not a known field; did you mean 'regions'?",
      "spec: 'services[0].metricPort' (9090) is not a known field; did you mean 'metricsPort'?",
    ]);
  });

  test('fails when types, enums and formats are wrong', () => {
    const spec: any = clone(platformSpec);
    spec.services[0].tier = 'frontend';
    spec.services[0].resources.limits.memory = '512MB';
    spec.services[0].imageRepository = 'Registry/API:1';
    delete spec.services[1].port;
    expect(problemsOf(spec)).toEqual([
      'spec: \'services[0].imageRepository\' ("Registry/API:1") must be an image repository without tag or digest',
      'spec: \'services[0].resources.limits.memory\' ("512MB") must be a memory quantity in Ki, Mi or Gi, such as "512Mi"',
      'spec: \'services[0].tier\' ("frontend") must be one of "gateway", "backend", "worker"',
      "spec: 'services[1].port' (missing) is required",
    ]);
  });

  test('fails when rules across fields are broken', () => {
    const spec: any = clone(platformSpec);
    spec.regions[1].role = 'primary';
    spec.services[1].name = 'api-gateway';
    spec.services[0].dependsOn.services.shift();
    spec.services[2].metricsPort = spec.services[2].port;
    spec.services[2].resources.requests.cpu = '2';
    spec.services[4].replicas = 3;
    spec.services[5].autoscaling.minReplicas = 1;
    expect(
      errorOf(() => validateSpec(spec))
        .split('\n  - ')
        .slice(1),
    ).toEqual([
      // Renaming user-service takes the GDPR erasure job's owner away.
      `spec: 'data.gdpr.erasure.owningService' ("user-service") must name a service of this spec (one of: ${serviceNameList(spec)})`,
      'spec: \'regions\' (["primary:primary","dr:primary"]) must contain exactly one region with role "primary" (found 2)',
      'spec: \'services[1].name\' ("api-gateway") must be unique; services[0].name has the same value',
      "spec: 'services[2].metricsPort' (8080) must differ from 'port' (8080) so that metrics are not served to callers",
      'spec: \'services[2].resources.requests.cpu\' ("2") must not exceed the limit (1)',
      "spec: 'services[4].replicas' (3) must not be set together with 'autoscaling' (the HorizontalPodAutoscaler owns the replica count)",
      "spec: 'services[5].autoscaling.minReplicas' (1) must be at least 2 so that a node drain never takes the service down",
    ]);
  });

  test('fails when the release state disagrees with the spec', () => {
    // GIVEN
    const release = committedRelease();
    release.regions['us-east'] = { activeColor: 'green' };
    delete release.regions.dr;
    release.colors.green.images['api-gateway'] = 'registry.alp.example.com/alp/api-gateway:latest';
    release.colors.green.images['user-service'] = release.colors.green.images['content-service'];
    delete release.colors.blue.images['learning-engine'];
    release.colors.blue.images['quiz-service'] = 'registry.alp.example.com/alp/quiz-service:1.0.0';
    release.colors.blue.activeColor = 'blue';
    // THEN
    expect(problemsOf(platformSpec, release)).toEqual(['release.yaml: \'colors.blue.activeColor\' ("blue") is not a known field']);
    delete release.colors.blue.activeColor;
    expect(problemsOf(platformSpec, release)).toEqual([
      "release.yaml: 'colors.blue.images[learning-engine]' (missing) is required: every service needs an image in both colours",
      'release.yaml: \'colors.blue.images[quiz-service]\' ("registry.alp.example.com/alp/quiz-service:1.0.0") must name a service of the spec',
      "release.yaml: 'colors.green.images[api-gateway]' (\"registry.alp.example.com/alp/api-gateway:latest\") must be pinned by a digest (@sha256:…) or a tag other than 'latest'",
      `release.yaml: 'colors.green.images[user-service]' ("registry.alp.example.com/alp/content-service:1.9.4@sha256:a61fab84ea383be8f18d1d9c01ff9a6f14e8cda6132f883efb6a7cc8e12c905b") must be an image of the service's repository (registry.alp.example.com/alp/user-service)`,
      "release.yaml: 'regions.dr' (missing) is required: the spec declares this region",
      'release.yaml: \'regions[us-east]\' ({"activeColor":"green"}) must be a region of the spec (one of: primary, dr)',
    ]);
  });

  test('validateSpec checks the spec alone', () => {
    const spec: any = clone(platformSpec);
    spec.services[0].autoscaling.maxReplicas = 0;
    expect(errorOf(() => validateSpec(spec))).toBe(
      "invalid platform input (1 problem); nothing was written\n  - spec: 'services[0].autoscaling.maxReplicas' (0) must be an integer from 1 to 500 (500 is the platform's limit of replicas per service and colour)",
    );
  });

  test('fails when the spec holds a secret value instead of a Vault reference', () => {
    const spec: any = clone(platformSpec);
    spec.services[1].env = { DATABASE_PASSWORD: 'hunter2', LOG_LEVEL: 'info', SMTP_URL: 'smtp://mailer:s3cret@smtp.example.com' };
    expect(problemsOf(spec)).toEqual([
      "spec: 'services[1].env.DATABASE_PASSWORD' (\"hunter2\") must not hold a secret (its name has the credential word \"PASSWORD\"); declare it under 'services[1].secrets' so that it comes from Vault ('as: env' passes it as environment variables)",
      "spec: 'services[1].env.SMTP_URL' (\"smtp://mailer:s3cret@smtp.example.com\") must not hold a secret (its value looks like a URL with a password); declare it under 'services[1].secrets' so that it comes from Vault ('as: env' passes it as environment variables)",
    ]);
  });

  test('fails when Kubernetes API access is broader than least privilege', () => {
    const spec: any = clone(platformSpec);
    spec.services[3].kubernetesApi = { rules: [{ apiGroups: [''], resources: ['secrets', 'pods/*'], verbs: ['get', 'impersonate'] }] };
    expect(problemsOf(spec)).toEqual([
      "spec: 'services[3].kubernetesApi.rules[0].resources[0]' (\"secrets\") must not be secrets unless 'allowSecretAccess' is true; mount the secret into the pod from an ExternalSecret instead of reading it through the API",
      "spec: 'services[3].kubernetesApi.rules[0].resources[1]' (\"pods/*\") must not contain the wildcard '*'; list the resources explicitly",
      'spec: \'services[3].kubernetesApi.rules[0].verbs[1]\' ("impersonate") must not be escalate, bind or impersonate; these verbs let the holder grant itself permissions beyond its Role',
    ]);
  });

  test('fails when the TLS issuer, Vault or a secret is misdeclared', () => {
    const spec: any = clone(platformSpec);
    spec.tls.issuer = { type: 'selfsigned' };
    spec.vault.server = 'http://vault.alp.example.com';
    spec.services[0].secrets[0].keys = [];
    expect(problemsOf(spec)).toEqual([
      "spec: 'services[0].secrets[0].keys' ([]) must list at least one key",
      'spec: \'tls.issuer.type\' ("selfsigned") must have type "acme" or "vault"',
      'spec: \'vault.server\' ("http://vault.alp.example.com") must be an https:// URL',
    ]);
  });
});
