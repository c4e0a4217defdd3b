/**
 * Secrets never live in git: no Secret with data, no credential written into an environment variable.
 */
import { isPlainObject, secretLiteralReason } from '../../core';
import { PolicyRule, statement } from '../findings';
import { ctxOf } from './_context';
import { asArray } from './_selectors';


export const SECRET_NO_DATA: PolicyRule = {
  id: 'SECRET-NO-DATA',
  severity: 'error',
  title: 'No Secret carries data',
  rationale: 'Secret values in manifests end up in git, in every clone and in CI logs; base64 is not encryption.',
  source: 'NSA/CISA Kubernetes Hardening Guide, "Secrets"; CIS Kubernetes Benchmark 5.4.2',
  fix: 'Store the value in Vault and deliver it with an ExternalSecret (ServiceSecret in this library).',
  check(context) {
    const ctx = ctxOf(context);
    for (const secret of ctx.ofKind('', 'Secret')) {
      for (const field of ['data', 'stringData']) {
        const value = secret.manifest[field];
        if (isPlainObject(value) && Object.keys(value).length > 0) {
          // The values are not quoted: they are the secret.
          const keys = Object.keys(value).sort();
          ctx.report(SECRET_NO_DATA, secret, statement(
            `'${field}' holds ${keys.length === 1 ? '1 key' : `${keys.length} keys`} (${keys.join(', ')}) and must be empty; deliver the values from Vault with an ExternalSecret`, field));
        }
      }
    }
  },
};

export const SECRET_NO_LITERAL_ENV: PolicyRule = {
  id: 'SECRET-NO-LITERAL-ENV',
  severity: 'error',
  title: 'No secret-looking literal in environment variables',
  rationale: 'A credential written into a manifest is readable by anyone with the repository or get access to the workload.',
  source: 'CIS Kubernetes Benchmark 5.4.1 (prefer secrets as files over environment variables); platform rule',
  fix: "Mount the value from a Secret delivered by an ExternalSecret; reference it with 'valueFrom.secretKeyRef' if it must be a variable.",
  check(context) {
    const ctx = ctxOf(context);
    for (const pod of ctx.pods) {
      for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
        asArray(pod.spec[field]).forEach((container: any, i: number) => {
          asArray(container?.env).forEach((env: any, j: number) => {
            if (typeof env?.name !== 'string' || typeof env?.value !== 'string') return;
            const reason = secretLiteralReason(env.name, env.value);
            if (reason) {
              // The value itself is not quoted: it may be a real credential.
              const path = `${pod.specPath}.${field}[${i}].env[${j}].value`;
              ctx.report(SECRET_NO_LITERAL_ENV, pod.object, statement(
                `'${path}' (${env.value.length} characters, not shown) must not hold a secret (${reason}: ${env.name}); use 'valueFrom.secretKeyRef' to a Secret from an ExternalSecret`, path));
            }
          });
        });
      }
    }
  },
};

/** The secrets rules. */
export const SECRETS_RULES: readonly PolicyRule[] = [SECRET_NO_DATA, SECRET_NO_LITERAL_ENV];
