/**
 * Secrets never live in git: no Secret with data, no credential written into an environment
 * variable or a ConfigMap.
 */
import { isPlainObject, secretLiteralReason } from '../../core';
import { PolicyRule, RuleInfo, statement } from '../findings';
import { ALL_CONTAINER_FIELDS } from './_context';
import { ofKind, perContainerRule, perObjectRule, Report } from './_rule';
import { asArray } from './_selectors';

/** Words of a name that announce a secret wherever they stand: `DB_PASS`, `redisAuth`, `smtp-pwd`. */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'PASS',
  'PASSWORD',
  'PASSWD',
  'PWD',
  'PASSPHRASE',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'AUTH',
  'CREDENTIAL',
  'CREDENTIALS',
  'CREDS',
  'APIKEY',
  'PRIVATEKEY',
  'SECRETKEY',
  'ACCESSKEY',
]);

/**
 * Last words after which a secret word names something that is not itself a secret: where the
 * secret is (`PASSWORD_FILE`, `AUTH_URL`) or how it is used (`AUTH_ENABLED`, `TOKEN_TTL`).
 */
const NOT_A_SECRET_SUFFIXES: ReadonlySet<string> = new Set([
  'URL',
  'URI',
  'ENDPOINT',
  'HOST',
  'PORT',
  'PATH',
  'FILE',
  'DIR',
  'ENABLED',
  'DISABLED',
  'MODE',
  'TYPE',
  'METHOD',
  'PROVIDER',
  'ISSUER',
  'TTL',
  'TIMEOUT',
  'EXPIRY',
  'ID',
  'NAME',
  'REF',
]);

/** `dbPassword`, `DB_PASSWORD`, `db-password`, `db.password` → `DB`, `PASSWORD`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase());
}

/**
 * Why a name looks like a secret's, beyond what `secretLiteralReason` knows, or undefined: one of
 * its words is a secret word (unless its last word says it names a location or a setting:
 * `AUTH_URL`, `AUTH_ENABLED`), or its last word is `KEY` (`API_KEY`, `STRIPE_KEY`, `apiKey`; but
 * not `KEYCLOAK_URL` or `ACCESS_KEY_ID`).
 */
export function secretNameReason(name: string): string | undefined {
  const w = words(name);
  if (w.length === 0) return undefined;
  const last = w[w.length - 1];
  if (last === 'KEY' || (!NOT_A_SECRET_SUFFIXES.has(last) && w.some((word) => SECRET_WORDS.has(word))))
    return "its name looks like a secret's";
  return undefined;
}

/** An HTTP `Authorization` value: `Basic <base64>` or `Bearer <token>`. */
const AUTHORIZATION = /\b(Basic|Bearer) ([A-Za-z0-9._~+/-]{8,}=*)/g;
/** A URL with a password: `scheme://user:password@host`. */
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:([^/\s@'"]+)@/gi;
/** A value that stands for another one (a placeholder filled in elsewhere): `$(X)`, `${X}`, `{{ x }}`, `%s`. */
const REFERENCE = /^(\$|\{\{|%)/;

/**
 * Whether `token` after `Basic`/`Bearer` is a credential rather than a word of prose ("Basic
 * authentication"): it has a digit or one of `+/=._~-`, or a capital letter after the first.
 */
function credentialToken(token: string): boolean {
  return /[0-9+/=._~-]/.test(token) || (/[a-z]/.test(token) && /[A-Z]/.test(token.slice(1)));
}

/**
 * Why a value holds a credential somewhere in it, or undefined: an `Authorization` value
 * (`Basic …`, `Bearer …`) or a URL with a password, neither being a placeholder. Works on whole
 * configuration files (ConfigMap values) as well as on single values.
 */
export function embeddedCredentialReason(value: string): string | undefined {
  for (const match of value.matchAll(AUTHORIZATION)) {
    if (credentialToken(match[2])) return `its value holds an HTTP ${match[1]} credential`;
  }
  for (const match of value.matchAll(URL_PASSWORD)) {
    if (!REFERENCE.test(match[1])) return 'its value holds a URL with a password';
  }
  return undefined;
}

/**
 * Why a literal `name`/`value` pair looks like a secret, or undefined: the platform's own
 * recognizer (`secretLiteralReason`, the one the spec uses), then the names and values it does not
 * know (`*_PASS`, `*_PWD`, `*AUTH*`, `*_KEY`, `Basic …`, `Bearer …`, a URL with a password
 * anywhere in the value). The reason completes "must not hold a secret (…)".
 */
export function credentialReason(name: string, value: string): string | undefined {
  return secretLiteralReason(name, value) ?? secretNameReason(name) ?? embeddedCredentialReason(value);
}

/** Why a name alone looks like a secret's (for values that cannot be read, such as binaryData), or undefined. */
function nameReason(name: string): string | undefined {
  return secretLiteralReason(name, '') ?? secretNameReason(name);
}

/** `data.KEY`, or `data["key.with.dots"]` for a key that is not an identifier. */
function keyPath(field: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${field}.${key}` : `${field}[${JSON.stringify(key)}]`;
}

/**
 * A rule that judges each key-value map among the top-level `fields` (`data`, `stringData`, …) of
 * every object of a core-group `kind`, with the field's name; fields the manifest lacks are skipped.
 */
function perDataMapRule(
  info: RuleInfo,
  kind: string,
  fields: readonly string[],
  judge: (field: string, entries: Record<string, unknown>, report: Report) => void,
): PolicyRule {
  return perObjectRule(info, ofKind('', kind), (object, report) => {
    for (const field of fields) {
      const entries = object.manifest[field];
      if (isPlainObject(entries)) judge(field, entries, report);
    }
  });
}

export const SECRET_NO_DATA = perDataMapRule(
  {
    id: 'SECRET-NO-DATA',
    severity: 'error',
    title: 'No Secret carries data',
    rationale: 'Secret values in manifests end up in git, in every clone and in CI logs; base64 is not encryption.',
    source: 'NSA/CISA Kubernetes Hardening Guide, "Secrets"; CIS Kubernetes Benchmark 5.4.2',
    fix: 'Store the value in Vault and deliver it with an ExternalSecret (ServiceSecret in this library).',
  },
  'Secret',
  ['data', 'stringData'],
  (field, values, report) => {
    // The values are not quoted: they are the secret.
    const keys = Object.keys(values).sort();
    if (keys.length === 0) return;
    report(
      statement(
        `'${field}' holds ${keys.length === 1 ? '1 key' : `${keys.length} keys`} (${keys.join(', ')}) and must be empty; deliver the values from Vault with an ExternalSecret`,
        field,
      ),
    );
  },
);

export const SECRET_NO_LITERAL_ENV = perContainerRule(
  {
    id: 'SECRET-NO-LITERAL-ENV',
    severity: 'error',
    title: 'No secret-looking literal in environment variables',
    rationale: 'A credential written into a manifest is readable by anyone with the repository or get access to the workload.',
    source: 'CIS Kubernetes Benchmark 5.4.1 (prefer secrets as files over environment variables); platform rule',
    fix: "Mount the value from a Secret delivered by an ExternalSecret; reference it with 'valueFrom.secretKeyRef' if it must be a variable.",
  },
  ALL_CONTAINER_FIELDS,
  (container, containerPath, report) => {
    asArray(container?.env).forEach((env: any, j: number) => {
      if (typeof env?.name !== 'string' || typeof env?.value !== 'string') return;
      const reason = credentialReason(env.name, env.value);
      if (!reason) return;
      // The value itself is not quoted: it may be a real credential.
      const path = `${containerPath}.env[${j}].value`;
      report(
        statement(
          `'${path}' (${env.value.length} characters, not shown) must not hold a secret (${reason}: ${env.name}); use 'valueFrom.secretKeyRef' to a Secret from an ExternalSecret`,
          path,
        ),
      );
    });
  },
);

export const SECRET_NO_CONFIGMAP_CREDENTIAL = perDataMapRule(
  {
    id: 'SECRET-NO-CONFIGMAP-CREDENTIAL',
    severity: 'error',
    title: 'No credential in ConfigMaps',
    rationale: 'A ConfigMap is stored unencrypted, readable by every role that reads configuration, and its manifest is in git.',
    source: 'CIS Kubernetes Benchmark 5.4.1; NSA/CISA Kubernetes Hardening Guide, "Secrets"; platform rule',
    fix: 'Store the value in Vault, deliver it with an ExternalSecret and mount that Secret; leave only a placeholder or a file path in the ConfigMap.',
  },
  'ConfigMap',
  ['data', 'binaryData'],
  (field, entries, report) => {
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value !== 'string') continue;
      // binaryData is base64: only its key can be judged.
      const reason = field === 'data' ? credentialReason(key, value) : nameReason(key);
      if (!reason) continue;
      // The value itself is not quoted: it may be a real credential.
      const path = keyPath(field, key);
      report(
        statement(
          `'${path}' (${value.length} characters, not shown) must not hold a secret (${reason}: ${key}); store it in Vault and mount it from a Secret delivered by an ExternalSecret`,
          path,
        ),
      );
    }
  },
);

/** The secrets rules. */
export const SECRETS_RULES: readonly PolicyRule[] = [SECRET_NO_DATA, SECRET_NO_LITERAL_ENV, SECRET_NO_CONFIGMAP_CREDENTIAL];
