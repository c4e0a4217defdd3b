/**
 * Reports what a long step is doing: one short message per phase, e.g. `verifying 616 objects`.
 * An empty message clears the status line (call it before writing other output mid-way).
 */
export type Progress = (message: string) => void;

/** Where a progress reporter writes (process.stderr by default). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

/** A live status line for one command. */
export interface ProgressReporter {
  /** Shows the command's current phase (replacing the previous one); pass it as a `Progress`. */
  readonly update: Progress;
  /** Clears the status line; call before the command prints its result, and on failure. */
  done(): void;
}

/**
 * A status line for `command` (e.g. `synth: verifying 616 objects…`) on a terminal: written to
 * `stream` (stderr), each phase replacing the previous one, cleared by `done()`. In CI (`CI` set
 * to anything but `false`/`0`/empty) or when `stream` is not a TTY it writes nothing at all, so
 * that logs hold only the commands' normal, line-oriented output.
 */
export function progressReporter(
  command: string,
  stream: ProgressStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): ProgressReporter {
  if (!isInteractive(stream, env)) return { update: () => {}, done: () => {} };
  let shown = false;
  const clear = () => {
    if (shown) stream.write(CLEAR_LINE);
    shown = false;
  };
  return {
    update: (message) => {
      if (message === '') return clear();
      stream.write(`${CLEAR_LINE}${command}: ${message}…`);
      shown = true;
    },
    done: clear,
  };
}

/** Whether progress is shown: `stream` is a TTY and `CI` is not set (`CI=true`, `CI=1`, …). */
export function isInteractive(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return stream.isTTY === true && (ci === '' || ci === 'false' || ci === '0');
}

/** Carriage return, then erase the line. */
const CLEAR_LINE = '\r\x1b[2K';
