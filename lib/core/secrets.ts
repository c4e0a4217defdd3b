/**
 * Recognizes secret values written as plain configuration, so that they can be refused:
 * secrets come from Vault, never from git.
 */

/** Environment variable names that announce a secret. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/** Well-known shapes of credentials. */
const SECRET_VALUES: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/^AKIA[0-9A-Z]{16}$/, 'an AWS access key id'],
  [/^(ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}$/, 'a GitHub token'],
  [/^xox[abpr]-[A-Za-z0-9-]{10,}$/, 'a Slack token'],
  [/^sk_(live|test)_[A-Za-z0-9]{10,}$/, 'a Stripe key'],
  [/^eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}$/, 'a JSON Web Token'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
];

/**
 * Why an environment variable looks like a secret, or undefined. The reason completes
 * "must not hold a secret (…)".
 */
export function secretLiteralReason(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name)) return `its name looks like a secret's`;
  for (const [pattern, what] of SECRET_VALUES) {
    if (pattern.test(value)) return `its value looks like ${what}`;
  }
  return undefined;
}
