#!/usr/bin/env node
// Launcher of the `alp` command: runs main.ts from a bundle (see bundle.js). Type-checking is
// `npm run typecheck`, part of `npm test`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// The npm package carries this launcher (npm packs every `bin` target) but not the platform it
// runs: installed as a dependency, `alp` says so in one line instead of failing on a missing module.
if (!existsSync(join(__dirname, '..', 'main.ts')) || !existsSync(join(__dirname, 'bundle.js'))) {
  process.stderr.write(
    "error: alp: this command runs the platform's app in the alp-deploy repository (main.ts and bin/bundle.js beside it); the installed package is the construct library: import it from 'alp-deploy'\n",
  );
  process.exit(1);
}
const { loadBundle, SourceError } = require('./bundle');

// Anything that escapes main.ts's own error handling (a syntax error in the sources, a crash
// while loading them) still ends as one `error:` line and exit 1; ALP_DEBUG=1 adds the stack.
function fail(error) {
  const lines =
    error instanceof SourceError
      ? error.lines.map((line) => `${line}; fix it there (alp builds the app from the sources)`)
      : [
          `alp: internal error: ${String(error && error.message).split('\n')[0]}; this is a bug in alp: run again with ALP_DEBUG=1 for the stack trace and report it`,
        ];
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces, so a message cannot drive the terminal
  process.stderr.write(lines.map((line) => `error: ${line.replace(/[\u0000-\u001f\u007f]/g, ' ')}\n`).join(''));
  if (process.env.ALP_DEBUG === '1' && error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}

process.on('uncaughtException', fail);
// A reader that stops reading (`alp stage … | head`) closes the pipe: the command has done its
// work by the time it prints (every write is at the end, after its transaction), so the rest of
// its output has nowhere to go and the command ends as it would have, without an error.
process.stdout.on('error', (error) => {
  if (error && error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fail(error);
});
try {
  loadBundle('main.ts', 'alp');
} catch (error) {
  fail(error);
}
