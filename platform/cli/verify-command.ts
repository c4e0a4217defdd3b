import { existsSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AlpError, describeValue } from '../../lib/core';
import { formatBytes } from '../../lib/core/input-limits';
import { DEFAULT_EXCEPTIONS_FILE, PolicyException, readExceptions } from '../../lib/policy/exceptions';
import { formatJson, formatSarif, formatText, REPORT_FORMATS, ReportFormat } from '../../lib/policy/formats';
import {
  exceptableRuleIds,
  ManifestFiles,
  MAX_MANIFEST_FILE_BYTES,
  parseDocuments,
  readManifests,
  verifyManifests,
} from '../../lib/policy/verify';
import { UsageError } from './failure';
import { Progress } from './progress';

/** Usage of `alp verify`, for the CLI's help text. */
export const VERIFY_USAGE = `  verify  check manifests against the schemas and the policy rules; exit 1 on any error
          [path]               a manifest file or directory, or - for standard input (default: dist/manifests)
          --format <f>         text, json or sarif (default: text)
          --exceptions <file>  policy exceptions (default: ${DEFAULT_EXCEPTIONS_FILE} when it exists)
          --no-exceptions      apply no exceptions
`;

/** The directory `alp verify` checks when given no path. */
export const DEFAULT_VERIFY_PATH = 'dist/manifests';
/** The paths that hold the project's whole output, against which unused exceptions are errors. */
const PROJECT_OUTPUT_PATHS = ['dist', DEFAULT_VERIFY_PATH];
/** The path that stands for standard input, e.g. `helm template <chart> | alp verify -`. */
export const STDIN_PATH = '-';
/** How findings name the objects read from standard input. */
const STDIN_FILE = 'stdin';

/**
 * `alp verify [path] [--format text|json|sarif] [--exceptions file | --no-exceptions]`: reads every
 * manifest under `path` (or, for `-`, the YAML on standard input, as `readStandardInput` gives it),
 * verifies them, prints the report on stdout and returns the exit code: 1 when an error-severity
 * finding remains, 0 otherwise. Notes (left-out directories) go to stderr.
 *
 * @throws AlpError on bad usage, a missing path or exceptions file, or unreadable input
 */
export function verifyCommand(args: string[], progress: Progress = () => {}, readStandardInput = readBoundedStandardInput): number {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string' }, exceptions: { type: 'string' }, 'no-exceptions': { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) {
    throw new UsageError(
      `alp verify: takes one path, got ${positionals.length} (${positionals.join(', ')}); run 'alp help' for the options`,
    );
  }
  const format = values.format ?? 'text';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`alp verify: '--format' (${describeValue(format)}) must be one of ${REPORT_FORMATS.join(', ')}`);
  }
  if (values.exceptions !== undefined && values['no-exceptions']) {
    throw new UsageError("alp verify: '--exceptions' and '--no-exceptions' exclude each other; give one");
  }
  const path = positionals[0] ?? DEFAULT_VERIFY_PATH;

  const ruleIds = exceptableRuleIds();
  let exceptionsFile: string | undefined;
  if (values.exceptions !== undefined) exceptionsFile = values.exceptions;
  else if (!values['no-exceptions'] && existsSync(DEFAULT_EXCEPTIONS_FILE)) exceptionsFile = DEFAULT_EXCEPTIONS_FILE;
  const exceptions: PolicyException[] = exceptionsFile === undefined ? [] : readExceptions(exceptionsFile, ruleIds);

  progress(`reading ${path}`);
  const { manifests, root, ignored } = path === STDIN_PATH ? manifestsOf(readStandardInput()) : readManifests(path);
  if (ignored.length > 0) progress('');
  for (const note of ignored) process.stderr.write(`alp verify: left out ${note}\n`);
  if (manifests.length === 0)
    throw new AlpError(
      `${path === STDIN_PATH ? 'standard input' : path}: holds no manifests (.yaml, .yml or .json files with Kubernetes objects)`,
    );

  progress(`verifying ${manifests.length} manifests`);
  // The project's exceptions are about its own output: in any other input (one folder, a `helm
  // template` stream, a file elsewhere) an exception whose object is absent is not "unused".
  const partialInput = path === STDIN_PATH || !PROJECT_OUTPUT_PATHS.some((own) => resolve(path) === resolve(own));
  const report = verifyManifests(manifests, { exceptions, ...(exceptionsFile !== undefined ? { exceptionsFile } : {}), partialInput });
  progress('');
  process.stdout.write(render(format as ReportFormat, report, root, exceptionsFile));
  return report.counts.errors > 0 ? 1 : 0;
}

/**
 * Standard input, refused once it grows past the limit of one manifest file
 * (`MAX_MANIFEST_FILE_BYTES`), without reading the rest.
 */
function readBoundedStandardInput(): string {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(1024 * 1024);
  let total = 0;
  for (;;) {
    let read: number;
    try {
      read = readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking pipe with nothing yet
      if (code === 'EOF') break;
      throw e;
    }
    if (read === 0) break;
    total += read;
    if (total > MAX_MANIFEST_FILE_BYTES) {
      throw new AlpError(
        `standard input: is over the limit of ${formatBytes(MAX_MANIFEST_FILE_BYTES)} for this input; verify the files one by one`,
      );
    }
    chunks.push(Buffer.from(chunk.subarray(0, read)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The manifests in YAML read from standard input, named as the file `stdin` in the working directory. */
function manifestsOf(text: string): ManifestFiles {
  const manifests = parseDocuments(text, STDIN_FILE).map(({ document, line }) => ({ manifest: document, file: STDIN_FILE, line }));
  return { manifests, root: process.cwd(), ignored: [] };
}

function render(
  format: ReportFormat,
  report: ReturnType<typeof verifyManifests>,
  root: string,
  exceptionsFile: string | undefined,
): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, {
        rootUri: `${pathToFileURL(resolve(root)).href.replace(/\/?$/, '/')}`,
        unrootedFiles: exceptionsFile === undefined ? [] : [exceptionsFile],
      });
    case 'text':
      return formatText(report);
  }
}
