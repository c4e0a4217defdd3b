import { platformSpec } from '../../charts';
import { describeValue, escapeControlCharacters } from '../../lib/core/errors';
import { apiGrantProblems } from '../../lib/rbac/api-grants';
import { clone, committedRelease, errorOf, problemsOf } from '../helpers/manifests';
import { envCredentialReason, MAX_REGIONS, MAX_SERVICE_REPLICAS, MAX_SERVICES, validatePlatform } from '../../platform';

type Change = (spec: any, release: any) => void;

/** Each row: what is wrong, how the platform's inputs are broken, every problem expected. */
function rows(...cases: Array<[string, Change, string[]]>) {
  return cases;
}

const REPLICA_RULE = "must be an integer from 1 to 500 (500 is the platform's limit of replicas per service and colour)";

describe('numbers and lists that drive the size of the output are bounded, naming the limit', () => {
  test('the limits', () => {
    expect([MAX_SERVICE_REPLICAS, MAX_SERVICES, MAX_REGIONS]).toEqual([500, 2000, 8]);
  });

  test.each(
    rows(
      [
        'maxReplicas of a billion',
        (s) => {
          s.services[0].autoscaling.maxReplicas = 1_000_000_000;
        },
        [`spec: 'services[0].autoscaling.maxReplicas' (1000000000) ${REPLICA_RULE}`],
      ],
      [
        'minReplicas above the limit',
        (s) => {
          s.services[2].autoscaling.minReplicas = 501;
        },
        [`spec: 'services[2].autoscaling.minReplicas' (501) ${REPLICA_RULE}`],
      ],
      [
        'a fixed replica count above the limit',
        (s) => {
          delete s.services[4].autoscaling;
          s.services[4].replicas = 501;
        },
        [`spec: 'services[4].replicas' (501) ${REPLICA_RULE}`],
      ],
      [
        '500 replicas, the limit itself',
        (s) => {
          s.services[0].autoscaling.maxReplicas = 500;
          s.services[0].autoscaling.minReplicas = 501;
        },
        [`spec: 'services[0].autoscaling.minReplicas' (501) ${REPLICA_RULE}`],
      ],
      [
        'ten PostgreSQL instances and ten Redis pods',
        (s) => {
          s.data.postgres.instances = 10;
          s.data.redis.replicas = 10;
        },
        [
          "spec: 'data.postgres.instances' (10) must be an integer from 3 to 9 (9 is the platform's limit of PostgreSQL instances)",
          "spec: 'data.redis.replicas' (10) must be an integer from 2 to 9 (9 is the platform's limit of Redis pods)",
        ],
      ],
      [
        '21 secrets in one service',
        (s) => {
          s.services[6].secrets = Array.from({ length: 21 }, (_, i) => ({
            name: `s${i}`,
            vaultKey: `alp/notification-service/s${i}`,
            keys: ['value'],
          }));
        },
        [
          expect.stringMatching(
            /^spec: 'services\[6\]\.secrets' \(\[\{"name":"s0",.*\.\.\.\) must list at most 20 secrets \(the platform's limit per service; put several keys in one secret\)$/,
          ),
        ],
      ],
      [
        '51 egress rules in one service',
        (s) => {
          s.services[6].egress = Array.from({ length: 51 }, () => ({ host: 'smtp.sendgrid.net', cidrs: ['203.0.113.0/24'], ports: [587] }));
        },
        [
          expect.stringMatching(
            /^spec: 'services\[6\]\.egress' \(\[\{"host":"smtp\.sendgrid\.net",.*\.\.\.\) must list at most 50 rules \(the platform's limit per service; merge rules with several CIDRs or ports\)$/,
          ),
        ],
      ],
    ),
  )('refuses %s', (_, change, expected) => {
    const spec: any = clone(platformSpec);
    const release = committedRelease();
    change(spec, release);
    expect(problemsOf(spec, release)).toEqual(expected);
  });

  test('refuses more services than the limit, and checks only the first 2000 one by one', () => {
    const spec: any = clone(platformSpec);
    const template = spec.services[2];
    spec.services = Array.from({ length: MAX_SERVICES + 1 }, (_, i) => ({ ...template, name: `svc-${i}` }));
    // The one past the limit is broken, and not reported: the work stays bounded.
    spec.services[MAX_SERVICES].port = 'http';
    const problems = errorOf(() => validatePlatform(spec, committedRelease()))
      .split('\n  - ')
      .slice(1);
    // (The release names none of these services: its problems are left out here.)
    expect(problems.filter((p) => !p.startsWith('release.yaml:'))).toEqual([
      `spec: 'services' (${describeValue(spec.services)}) must list at most 2000 services (the largest platform the benchmark synthesizes; split the platform)`,
    ]);
  });

  test('refuses more regions than the limit', () => {
    const spec: any = clone(platformSpec);
    spec.regions = Array.from({ length: MAX_REGIONS + 1 }, (_, i) => ({ ...spec.regions[1], name: `r${i}` }));
    expect(problemsOf(spec).filter((p) => p.startsWith('spec:'))).toEqual([
      `spec: 'regions' (${describeValue(spec.regions)}) must list at most 8 regions (each region is a complete copy of the platform)`,
    ]);
  });
});

const FOLDER_RULE =
  'must be a folder inside the repository such as "dist" or "deploy/alp": names of letters, digits, ".", "_" and "-" joined by single "/", none of them "." or "..", not starting with "/"';
const SECRET_KEY_RULE =
  'must be a Secret key of at most 253 characters: letters, digits, "-", "_" and ".", not starting with "." (it is a file name; "." and ".." would leave the secret\'s folder)';
const VAULT_PATH_RULE =
  'must be a Vault path such as "secret" or "pki_int/sign/alp": names of letters, digits, "_", "-" and "." (not starting with ".") joined by single "/"';

describe('paths stay where they belong', () => {
  test.each(['/srv/dist', '../dist', 'deploy/../../etc', 'deploy//alp', '.', 'dist/', 'dist/..'])('gitops.path %j is refused', (path) => {
    const spec: any = clone(platformSpec);
    spec.gitops.path = path;
    expect(problemsOf(spec)).toEqual([`spec: 'gitops.path' (${JSON.stringify(path)}) ${FOLDER_RULE}`]);
  });

  test.each(['dist', 'deploy/alp', '.generated/dist', 'out..put'])('gitops.path %j is a folder of the repository', (path) => {
    const spec: any = clone(platformSpec);
    spec.gitops.path = path;
    expect(validatePlatform(spec, committedRelease()).spec.gitops.path).toBe(path);
  });

  test.each(['--upload-pack=touch /tmp/x', 'main..evil', '/main', 'release/'])('gitops.revision %j is refused', (revision) => {
    const spec: any = clone(platformSpec);
    spec.gitops.revision = revision;
    expect(problemsOf(spec)).toEqual([
      `spec: 'gitops.revision' (${JSON.stringify(revision)}) must be a branch, tag or commit such as "main" or "release/2.14": letters, digits, ".", "_", "-" and "/", not starting with "-" or "/", without ".."`,
    ]);
  });

  test.each(
    rows(
      [
        'the secret key ".."',
        (s) => {
          s.services[0].secrets[0].keys = ['..'];
        },
        [`spec: 'services[0].secrets[0].keys[0]' ("..") ${SECRET_KEY_RULE}`],
      ],
      [
        'the secret key "."',
        (s) => {
          s.services[0].secrets[0].keys = ['signing-key', '.'];
        },
        [`spec: 'services[0].secrets[0].keys[1]' (".") ${SECRET_KEY_RULE}`],
      ],
      [
        'a secret key with a "/"',
        (s) => {
          s.services[0].secrets[0].keys = ['../../etc/passwd'];
        },
        [`spec: 'services[0].secrets[0].keys[0]' ("../../etc/passwd") ${SECRET_KEY_RULE}`],
      ],
      [
        'an empty secret key',
        (s) => {
          s.services[0].secrets[0].keys = [''];
        },
        [`spec: 'services[0].secrets[0].keys[0]' ("") ${SECRET_KEY_RULE}`],
      ],
      [
        'a Vault key that climbs out',
        (s) => {
          s.services[1].secrets[0].vaultKey = 'alp/../sys/oidc';
        },
        ['spec: \'services[1].secrets[0].vaultKey\' ("alp/../sys/oidc") must be a Vault KV path such as "alp/user-service/oidc"'],
      ],
      [
        'a Vault key with an empty segment',
        (s) => {
          s.data.postgres.credentialsVaultKey = 'alp//postgres';
        },
        ['spec: \'data.postgres.credentialsVaultKey\' ("alp//postgres") must be a Vault KV path such as "alp/alerting/slack"'],
      ],
      [
        'Vault mounts with ".." and empty segments',
        (s) => {
          s.vault.kvMount = '../sys';
          s.vault.authMountPath = 'kubernetes//eu';
          s.vault.role = 'eso role';
        },
        [
          `spec: 'vault.authMountPath' ("kubernetes//eu") ${VAULT_PATH_RULE}`,
          `spec: 'vault.kvMount' ("../sys") ${VAULT_PATH_RULE}`,
          'spec: \'vault.role\' ("eso role") must be a Vault role name: letters, digits, "_", "-" and "." (not starting with "."), at most 128 characters',
        ],
      ],
      [
        'a Vault PKI path that climbs out',
        (s) => {
          s.tls.issuer = { type: 'vault', server: 'https://vault.alp.example.com', path: 'pki_int/../sys/raw', role: 'alp' };
        },
        [`spec: 'tls.issuer.path' ("pki_int/../sys/raw") ${VAULT_PATH_RULE}`],
      ],
    ),
  )('refuses %s', (_, change, expected) => {
    const spec: any = clone(platformSpec);
    change(spec, undefined);
    expect(problemsOf(spec)).toEqual(expected);
  });
});

describe('__proto__ keys are refused anywhere, in the spec and in the release', () => {
  test('every one of them, with its path', () => {
    const spec: any = JSON.parse(
      JSON.stringify(platformSpec).replace('"name":"api-gateway",', '"name":"api-gateway","__proto__":{"isAdmin":true},'),
    );
    const release: any = JSON.parse(
      JSON.stringify(committedRelease()).replace('"regions":{', '"regions":{"__proto__":{"activeColor":"green"},'),
    );
    release.colors.green.images = JSON.parse(JSON.stringify(release.colors.green.images).replace('{', '{"__proto__":"x",'));
    expect(problemsOf(spec, release)).toEqual([
      "spec: 'services[0].__proto__' ({\"isAdmin\":true}) is not an allowed key (JavaScript's prototype property); remove it",
      "release.yaml: 'colors.green.images.__proto__' (\"x\") is not an allowed key (JavaScript's prototype property); remove it",
      'release.yaml: \'regions.__proto__\' ({"activeColor":"green"}) is not an allowed key (JavaScript\'s prototype property); remove it',
    ]);
    expect(({} as any).isAdmin).toBeUndefined();
  });

  test("a service or region named like an Object property is looked up as itself, not as the prototype's", () => {
    const release = committedRelease();
    delete release.regions.dr;
    delete release.colors.blue.images['user-service'];
    const spec: any = clone(platformSpec);
    spec.regions[1].name = 'constructor';
    spec.data.backups.destinations = { primary: spec.data.backups.destinations.primary, constructor: spec.data.backups.destinations.dr };
    expect(problemsOf(spec, release)).toEqual([
      "release.yaml: 'colors.blue.images[user-service]' (missing) is required: every service needs an image in both colours",
      "release.yaml: 'regions.constructor' (missing) is required: the spec declares this region",
    ]);
  });
});

describe("the platform's own images are pinned by digest in both colours", () => {
  test.each(['blue', 'green'])('a tag alone in %s is refused', (color) => {
    const release = committedRelease();
    release.colors[color].images['user-service'] = 'registry.alp.example.com/alp/user-service:3.2.0';
    expect(problemsOf(platformSpec, release)).toEqual([
      `release.yaml: 'colors.${color}.images[user-service]' ("registry.alp.example.com/alp/user-service:3.2.0") must be pinned by a digest (@sha256:<64 hex digits>): the platform's own images run by digest in both colours, so that a tag moved in the registry changes nothing; stage it as registry.alp.example.com/alp/user-service:3.2.0@sha256:<digest>`,
    ]);
  });

  test('a digest without a tag is pinned', () => {
    const release = committedRelease();
    release.colors.green.images['user-service'] = `registry.alp.example.com/alp/user-service@sha256:${'b'.repeat(64)}`;
    expect(validatePlatform(platformSpec, release).release.colors.green.images['user-service']).toMatch(/@sha256:b{64}$/);
  });
});

const RULE_PREFIX = "spec: 'services[3].kubernetesApi.rules[0]";
const apiRule =
  (rule: object, extra: object = {}): Change =>
  (s) => {
    s.services[3].kubernetesApi = { rules: [{ apiGroups: [''], ...rule }], ...extra };
  };

describe('the spec cannot grant a service more than its own reach through the Kubernetes API', () => {
  test.each(
    rows(
      [
        'pods/exec',
        apiRule({ resources: ['pods', 'pods/exec'], verbs: ['get', 'create'] }),
        [
          `${RULE_PREFIX}.resources[0]' ("pods") must not be granted with the verb "create": a pod it creates may run any image as any service account of the namespace; create a Job or a Deployment through the spec instead`,
          `${RULE_PREFIX}.resources[1]' ("pods/exec") must not be pods/exec: it runs commands in any pod of the namespace, with that pod's service account and secrets; remove it; no service is granted it (operators use their own access)`,
        ],
      ],
      [
        'pods/attach and pods/portforward',
        apiRule({ resources: ['pods/attach', 'pods/portforward'], verbs: ['get'] }),
        [
          `${RULE_PREFIX}.resources[0]' ("pods/attach") must not be pods/attach: it attaches to the processes of any pod of the namespace; remove it; no service is granted it (operators use their own access)`,
          `${RULE_PREFIX}.resources[1]' ("pods/portforward") must not be pods/portforward: it reaches any pod's ports past the NetworkPolicies and the mesh; remove it; no service is granted it (operators use their own access)`,
        ],
      ],
      [
        'serviceaccounts/token and nodes/proxy',
        apiRule({ resources: ['serviceaccounts/token', 'nodes/proxy'], verbs: ['create', 'get'] }),
        [
          `${RULE_PREFIX}.resources[0]' ("serviceaccounts/token") must not be serviceaccounts/token: it mints tokens of any service account of the namespace; remove it; no service is granted it (operators use their own access)`,
          `${RULE_PREFIX}.resources[1]' ("nodes/proxy") must not be nodes/proxy: it reaches the kubelet API, which runs commands in every pod of the node; remove it; no service is granted it (operators use their own access)`,
        ],
      ],
      [
        'escalate, bind and impersonate',
        apiRule({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'bind', 'impersonate'] }),
        [0, 1, 2].map(
          (i) =>
            `${RULE_PREFIX}.verbs[${i}]' (${JSON.stringify(['escalate', 'bind', 'impersonate'][i])}) must not be escalate, bind or impersonate; these verbs let the holder grant itself permissions beyond its Role`,
        ),
      ],
      [
        'wildcards in every list',
        apiRule({ apiGroups: ['*'], resources: ['*'], verbs: ['*'], resourceNames: ['*'] }),
        [
          `${RULE_PREFIX}.apiGroups[0]' ("*") must not contain the wildcard '*'; list the apiGroups explicitly`,
          `${RULE_PREFIX}.resourceNames[0]' ("*") must not contain the wildcard '*'; list the resourceNames explicitly`,
          `${RULE_PREFIX}.resources[0]' ("*") must not contain the wildcard '*'; list the resources explicitly`,
          `${RULE_PREFIX}.verbs[0]' ("*") must not contain the wildcard '*'; list the verbs explicitly`,
        ],
      ],
      [
        'secrets without allowSecretAccess',
        apiRule({ resources: ['secrets'], verbs: ['get'], resourceNames: ['learning-engine-postgres'] }),
        [
          `${RULE_PREFIX}.resources[0]' ("secrets") must not be secrets unless 'allowSecretAccess' is true; mount the secret into the pod from an ExternalSecret instead of reading it through the API`,
        ],
      ],
      [
        'every Secret of the namespace',
        apiRule({ resources: ['secrets'], verbs: ['get', 'list'] }, { allowSecretAccess: true }),
        [
          `${RULE_PREFIX}.resources[0]' ("secrets") must be limited by 'resourceNames' to the service's own Secrets (the ones its 'secrets' entries make); name them in resourceNames (one of learning-engine-postgres, learning-engine-redis)`,
        ],
      ],
      [
        "another service's Secret, and writing its own",
        apiRule(
          { resources: ['secrets'], verbs: ['get', 'update'], resourceNames: ['learning-engine-redis', 'user-service-oidc'] },
          { allowSecretAccess: true },
        ),
        [
          `${RULE_PREFIX}.resourceNames[1]' ("user-service-oidc") must name one of the service's own Secrets (learning-engine-postgres, learning-engine-redis); declare the secret under the service's 'secrets' (Vault) instead of reading another service's; give other resources a rule of their own`,
          `${RULE_PREFIX}.resources[0]' ("secrets") must only be read (get, list, watch), not granted "update"; Secrets are written by External Secrets from Vault, not by services`,
        ],
      ],
    ),
  )('refuses %s', (_, change, expected) => {
    const spec: any = clone(platformSpec);
    change(spec, undefined);
    expect(problemsOf(spec)).toEqual(expected);
  });

  test('reading its own Secret by name, when allowed, is accepted', () => {
    const spec: any = clone(platformSpec);
    apiRule({ resources: ['secrets'], verbs: ['get', 'watch'], resourceNames: ['learning-engine-redis'] }, { allowSecretAccess: true })(
      spec,
      undefined,
    );
    expect(validatePlatform(spec, committedRelease()).spec.services[3].kubernetesApi!.rules[0].resourceNames).toEqual([
      'learning-engine-redis',
    ]);
  });

  test('without own Secrets to compare with (the construct), only resources and verbs are checked', () => {
    expect(
      apiGrantProblems([{ apiGroups: [''], resources: ['secrets', 'Pods/Exec'], verbs: ['get'], resourceNames: ['anything'] }]),
    ).toEqual([
      {
        prop: 'rules[0].resources[1]',
        value: 'Pods/Exec',
        rule: "must not be pods/exec: it runs commands in any pod of the namespace, with that pod's service account and secrets",
        fix: 'remove it; no service is granted it (operators use their own access)',
      },
    ]);
  });
});

const VAULT_FIX = "declare it under 'services[1].secrets' so that it comes from Vault ('as: env' passes it as environment variables)";

describe('environment literals that look like credentials are refused, pointing to Vault', () => {
  test.each([
    ['DB_PASS', 'its name has the credential word "PASS"'],
    ['ADMIN_PWD', 'its name has the credential word "PWD"'],
    ['STRIPE_API_KEY', 'its name has the credential word "KEY"'],
    ['SIGNING_KEYS', 'its name has the credential word "KEYS"'],
    ['UPSTREAM_AUTH', 'its name has the credential word "AUTH"'],
    ['AUTH_HEADER_VALUE', 'its name has the credential word "AUTH"'],
    ['SMTP_CREDS', 'its name has the credential word "CREDS"'],
    ['DBPASSWORD', "its name looks like a secret's"],
    ['OAUTH_TOKEN_URL', "its name looks like a secret's"],
  ])('the name %s (%s)', (name, reason) => {
    const spec: any = clone(platformSpec);
    spec.services[1].env = { [name]: 'value-1', LOG_LEVEL: 'info' };
    expect(problemsOf(spec)).toEqual([`spec: 'services[1].env.${name}' ("value-1") must not hold a secret (${reason}); ${VAULT_FIX}`]);
  });

  test.each([
    ['Basic dXNlcjpodW50ZXIy', 'its value looks like an HTTP Authorization credential'],
    ['Bearer abcDEF123456', 'its value looks like an HTTP Authorization credential'],
    ['Authorization: token 0123456789abcdef', 'its value looks like an HTTP Authorization credential'],
    ['amqp://guest:guest@rabbitmq:5672/', 'its value looks like a URL with a password'],
    ['primary=https://:hunter2@db.example.com', 'its value looks like a URL with a password'],
    ['AKIAIOSFODNN7EXAMPLE', 'its value looks like an AWS access key id'],
  ])('the value %j (%s)', (value, reason) => {
    const spec: any = clone(platformSpec);
    spec.services[1].env = { UPSTREAM: value };
    expect(problemsOf(spec)).toEqual([
      `spec: 'services[1].env.UPSTREAM' (${JSON.stringify(value)}) must not hold a secret (${reason}); ${VAULT_FIX}`,
    ]);
  });

  test('names and values that only resemble credentials are plain configuration', () => {
    const env = {
      KEYCLOAK_URL: 'https://login.alp.example.com',
      CACHE_KEY_PREFIX: 'alp:',
      AUTH_URL: 'https://login.alp.example.com/auth',
      SIGNING_KEY_FILE: '/var/run/secrets/alp/jwt/signing-key',
      MONKEY_COUNT: '3',
      PASSENGER_LIMIT: '4',
      AUTHOR_NAME: 'Ada',
      PLAN: 'Basic features',
      HOMEPAGE: 'https://user@alp.example.com/',
    };
    expect(Object.entries(env).map(([name, value]) => [name, envCredentialReason(name, value)])).toEqual(
      Object.keys(env).map((name) => [name, undefined]),
    );
    const spec: any = clone(platformSpec);
    spec.services[1].env = env;
    expect(validatePlatform(spec, committedRelease()).spec.services[1].env).toEqual(env);
  });
});

describe('names echoed in problems never print raw control characters', () => {
  test("a name with a newline stays on its problem's line, in values, paths and lists of names", () => {
    const spec: any = clone(platformSpec);
    // Any service will do: its old name stays in the release state, which no longer names a service.
    const renamed = spec.services[6].name;
    spec.services[6].name = `${renamed}\n  - spec: all good`;
    spec.services[2].dependsOn.services = ['x\r\ny'];
    spec.services[1].env = { 'A\nB': 'c', OK: 'd' };
    const release = committedRelease();
    release.colors.blue.images['evil\u202e'] = 'registry.alp.example.com/alp/x:1';
    // The list of names a dependency may name: the spec's, sorted, the line feed shown escaped.
    const names = spec.services
      .map((s: any) => s.name)
      .sort()
      .join(', ')
      .replace('\n', '\\n');
    const message = errorOf(() => validatePlatform(spec, release));
    expect(message.split('\n')).toEqual([
      'invalid platform input (6 problems); nothing was written',
      '  - spec: \'services[1].env["A\\nB"]\' ("c") is not a valid key: it must be an environment variable name',
      `  - spec: 'services[2].dependsOn.services[0]' ("x\\r\\ny") must name a service of this spec (one of: ${names})`,
      `  - spec: 'services[6].name' ("${renamed}\\n  - spec: all good") must be a DNS label: lowercase letters, digits and "-", starting with a letter`,
      '  - release.yaml: \'colors.blue.images["evil\\u202e"]\' ("registry.alp.example.com/alp/x:1") must name a service of the spec',
      `  - release.yaml: 'colors.blue.images[${renamed}]' ("${release.colors.blue.images[renamed]}") must name a service of the spec`,
      `  - release.yaml: 'colors.green.images[${renamed}]' ("${release.colors.green.images[renamed]}") must name a service of the spec`,
    ]);
  });

  test.each([
    ['a line feed', 'a\nb', '"a\\nb"'],
    ['a carriage return and a tab', 'a\r\tb', '"a\\r\\tb"'],
    ['an escape sequence', 'a\u001b[2Jb', '"a\\u001b[2Jb"'],
    ['DEL and a C1 control (NEL)', 'a\u007f\u0085b', '"a\\u007f\\u0085b"'],
    ['the line and paragraph separators', 'a\u2028b\u2029c', '"a\\u2028b\\u2029c"'],
    ['a right-to-left override and an isolate', 'a\u202eb\u2066c', '"a\\u202eb\\u2066c"'],
  ])('describeValue escapes %s', (_, value, shown) => {
    expect(describeValue(value)).toBe(shown);
    expect(describeValue({ [value]: value })).toBe(`{${shown}:${shown}}`);
  });

  test('escapeControlCharacters leaves printable text alone', () => {
    expect(escapeControlCharacters('Grüße, 日本, "quoted" \\ back')).toBe('Grüße, 日本, "quoted" \\ back');
  });
});
