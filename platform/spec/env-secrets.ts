import { secretLiteralReason } from '../../lib/core';

/**
 * Words that name a credential when they are a whole segment of an environment variable's
 * name (segments are split at "_", "-" and "."): `DB_PASS`, `API_KEY`, `AUTH_HEADER_VALUE`.
 * Whole segments, so that `KEYCLOAK_URL`, `MONKEY_COUNT` or `AUTHOR_NAME` are not taken for
 * credentials. Longer words that name a secret anywhere in a name (PASSWORD, SECRET, TOKEN,
 * CREDENTIAL, …) are matched as the policy check `alp verify` matches them (lib/core/secrets.ts).
 */
export const CREDENTIAL_NAME_SEGMENTS: readonly string[] = [
  'PASS',
  'PASSWD',
  'PASSWORD',
  'PASSWORDS',
  'PASSPHRASE',
  'PWD',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'KEY',
  'KEYS',
  'APIKEY',
  'PRIVKEY',
  'PRIVATEKEY',
  'ACCESSKEY',
  'AUTH',
  'CREDENTIAL',
  'CREDENTIALS',
  'CREDS',
];

/**
 * Last segments that say a variable holds where or how to find a value, not the value itself:
 * `CACHE_KEY_PREFIX`, `AUTH_URL`, `SIGNING_KEY_FILE` (a mounted secret's path) are configuration.
 * They lift only the segment rule above; the names `alp verify` refuses stay refused.
 */
export const NON_SECRET_LAST_SEGMENTS: readonly string[] = [
  'URL',
  'URI',
  'ENDPOINT',
  'HOST',
  'HOSTNAME',
  'PORT',
  'PATH',
  'FILE',
  'DIR',
  'HEADER',
  'NAME',
  'ENABLED',
  'TIMEOUT',
  'TTL',
  'PREFIX',
  'SUFFIX',
  'LENGTH',
  'SIZE',
  'ALGORITHM',
  'ISSUER',
];

/**
 * An HTTP Authorization value (`Basic dXNlcjpwYXNz`, `Bearer eyJ…`, optionally after
 * `Authorization:`): a scheme, then a credential of 8 or more token characters with a digit or a
 * symbol of base64 or of a token, or both cases, so that prose such as "Basic features" is not one.
 */
const AUTHORIZATION_VALUE = /^\s*(?:Authorization:\s*)?(?:Basic|Bearer|Digest|Token)\s+([A-Za-z0-9._~+/=-]{8,})\s*$/i;
const looksLikeCredential = (token: string) => /[0-9._~+/=-]/.test(token) || (/[a-z]/.test(token) && /[A-Z]/.test(token));
/** A URL with user:password@ (or :password@) anywhere in the value, any scheme. */
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

/**
 * Why a literal environment variable of the spec looks like a credential, or undefined: by its
 * name (a credential word as a whole segment, unless the last segment says it is a location or
 * a setting; or a name `alp verify` refuses) or by its value (an Authorization header's
 * credential, a URL with user:password@, a private key, a cloud or API token). The reason
 * completes "must not hold a secret (…)".
 */
export function envCredentialReason(name: string, value: string): string | undefined {
  const segments = name
    .toUpperCase()
    .split(/[_.-]+/)
    .filter((s) => s !== '');
  const last = segments[segments.length - 1];
  const word = segments.find((s) => CREDENTIAL_NAME_SEGMENTS.includes(s));
  if (word !== undefined && !NON_SECRET_LAST_SEGMENTS.includes(last)) return `its name has the credential word ${JSON.stringify(word)}`;
  const policyReason = secretLiteralReason(name, '');
  if (policyReason) return policyReason;
  const authorization = AUTHORIZATION_VALUE.exec(value);
  if (authorization && looksLikeCredential(authorization[1])) return 'its value looks like an HTTP Authorization credential';
  if (URL_WITH_PASSWORD.test(value)) return 'its value looks like a URL with a password';
  return secretLiteralReason('', value);
}
