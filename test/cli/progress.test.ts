import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { isInteractive, progressReporter } from '../../platform/cli/progress';
import { REPO_ROOT } from '../helpers/manifests';
import { synthToDirectory } from '../../platform';

/** A stream that records what is written to it. */
function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    isTTY,
    chunks,
    write: (chunk: string) => {
      chunks.push(chunk);
      return true;
    },
  };
}

describe('progressReporter |', () => {
  test('on a terminal, shows each phase on one status line and clears it at the end', () => {
    // GIVEN
    const stream = fakeStream(true);
    const progress = progressReporter('synth', stream, {});
    // WHEN
    progress.update('rendering objects');
    progress.update('verifying 616 objects');
    progress.done();
    progress.done();
    // THEN
    expect(stream.chunks).toEqual(['\r\x1b[2Ksynth: rendering objects…', '\r\x1b[2Ksynth: verifying 616 objects…', '\r\x1b[2K']);
  });

  test('an empty message clears the line so that other output can follow', () => {
    const stream = fakeStream(true);
    const progress = progressReporter('verify', stream, { CI: 'false' });
    progress.update('');
    progress.update('reading dist/manifests');
    progress.update('');
    progress.done();
    expect(stream.chunks).toEqual(['\r\x1b[2Kverify: reading dist/manifests…', '\r\x1b[2K']);
  });

  test('writes nothing in CI or when the stream is not a terminal', () => {
    for (const [isTTY, env] of [
      [true, { CI: 'true' }],
      [true, { CI: '1' }],
      [false, {}],
    ] as const) {
      const stream = fakeStream(isTTY);
      const progress = progressReporter('diff', stream, env);
      progress.update('comparing 643 files');
      progress.done();
      expect(stream.chunks).toEqual([]);
    }
  });

  test('isInteractive: a TTY without CI set (or set to false or 0)', () => {
    expect(isInteractive({ isTTY: true, write: () => true }, {})).toBe(true);
    expect(isInteractive({ isTTY: true, write: () => true }, { CI: '0' })).toBe(true);
    expect(isInteractive({ isTTY: true, write: () => true }, { CI: 'TRUE' })).toBe(false);
    expect(isInteractive({ write: () => true }, {})).toBe(false);
  });
});

describe('progress of a synthesis |', () => {
  test('synthToDirectory reports each phase with its counts', () => {
    // GIVEN
    const scratch = mkdtempSync(join(tmpdir(), 'alp-progress-'));
    const phases: string[] = [];
    try {
      // WHEN
      const output = synthToDirectory(platformApp, join(scratch, 'dist'), {
        releaseFile: join(REPO_ROOT, 'release.yaml'),
        progress: (m) => phases.push(m),
      });
      // THEN
      expect(phases).toEqual([
        'reading inputs',
        'building the app',
        'rendering objects',
        `verifying ${output.objects.length} objects`,
        `platform checks of ${output.objects.length} objects`,
        'rendering reports',
        `writing ${output.files.size} files`,
      ]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
