import { spawnSync } from 'node:child_process';

/** How long a remote check waits for an answer, in ms (`ALP_REMOTE_TIMEOUT_MS`). */
export const DEFAULT_REMOTE_TIMEOUT_MS = 10_000;

/** One GET request. */
export interface HttpRequest {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The answer to a request: its status and body, or why there was none (refused, unknown host, timeout). */
export type HttpAnswer = { readonly status: number; readonly body: string } | { readonly error: string };

/**
 * The requests' script, run by a child node process: Node's fetch is asynchronous, and the
 * commands are synchronous (they hold the repository's lock in one synchronous transaction).
 * All requests run at once; each has the timeout, body included.
 */
const CHILD_SCRIPT = `
const { requests, timeoutMs } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const why = (e) => {
  if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'no answer within ' + timeoutMs / 1000 + ' s';
  const cause = e && e.cause;
  return String((cause && (cause.message || cause.code)) || (e && e.message) || e);
};
Promise.all(requests.map(async (r) => {
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await fetch(r.url, { headers: r.headers, signal, redirect: 'error' });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    return { error: why(e) };
  }
})).then((answers) => process.stdout.write(JSON.stringify(answers)));
`;

/**
 * GETs every request at once and waits for all answers (each within the timeout), synchronously:
 * in a child node process. An answer is an HTTP status and body whatever the status, or the
 * reason there was none.
 */
export function getAllSync(requests: readonly HttpRequest[], timeoutMs = remoteTimeoutFromEnv()): HttpAnswer[] {
  if (requests.length === 0) return [];
  const child = spawnSync(process.execPath, ['-e', CHILD_SCRIPT], {
    input: JSON.stringify({ requests, timeoutMs }),
    // A backstop only: each request has its own timeout.
    timeout: timeoutMs + 5_000,
    maxBuffer: 1 << 28,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (child.status !== 0 || child.error) {
    const why = child.error?.message ?? (child.stderr.toString('utf8').trim().split('\n')[0] || `exit ${child.status ?? child.signal}`);
    return requests.map(() => ({ error: `the request process failed: ${why}` }));
  }
  return JSON.parse(child.stdout.toString('utf8')) as HttpAnswer[];
}

function remoteTimeoutFromEnv(): number {
  const value = Number(process.env.ALP_REMOTE_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_REMOTE_TIMEOUT_MS;
}
