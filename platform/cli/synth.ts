import { existsSync } from 'node:fs';
import { AlpError } from '../../lib/core';
import { manifestFiles, RenderedObject, renderObjects, SynthesisOutput } from '../../lib/output/render';
import { writeTree } from '../../lib/output/write';
import { DEFAULT_EXCEPTIONS_FILE, readExceptions } from '../../lib/policy/exceptions';
import { formatMarkdown } from '../../lib/policy/formats';
import { exceptableRuleIds, verificationError, verifyManifests } from '../../lib/policy/verify';
import { PlatformModel, readDataFile, readReleaseFile, validatePlatform } from '../spec';
import { PlatformAppDefinition } from './platform-app';
import { Progress } from './progress';
import { inTransaction } from './repository';

export interface SynthOptions {
  /** A YAML or JSON spec file instead of the application's own spec. @default - the app's spec */
  readonly specFile?: string;
  /** The release state file. @default 'release.yaml' */
  readonly releaseFile?: string;
  /** The release state itself, already read (e.g. changed by a command); named by `releaseFile`. @default - read from `releaseFile` */
  readonly release?: unknown;
  /** Policy exceptions. @default 'policy-exceptions.yaml' when it exists, else none */
  readonly exceptionsFile?: string;
  /** The date exceptions expire against (YYYY-MM-DD). @default - today (UTC) */
  readonly today?: string;
  /** Told each phase and its counts (reading inputs, building, rendering, verifying N objects, writing M files). @default - no progress reports */
  readonly progress?: Progress;
}

/** A synthesis and the validated model it came from. */
export interface PlatformSynthesis extends SynthesisOutput {
  readonly model: PlatformModel;
}

/**
 * Reads and validates the inputs, builds the app and renders every file, in memory.
 * Throws an AlpError listing every problem; writes nothing.
 */
export function synthesize(definition: PlatformAppDefinition, options: SynthOptions = {}): PlatformSynthesis {
  const progress = options.progress ?? (() => {});
  progress('reading inputs');
  const releaseFile = options.releaseFile ?? 'release.yaml';
  const specInput = options.specFile ? readDataFile(options.specFile) : definition.defaultSpec;
  const model = validatePlatform(specInput, options.release ?? readReleaseFile(releaseFile), {
    spec: options.specFile ?? definition.defaultSpecSource,
    release: releaseFile,
  });
  progress('building the app');
  const { objects, documents } = buildAndRender(definition, model, progress);
  progress(`verifying ${objects.length} objects`);
  // Nothing is written that breaks a rule: verification of every object, all findings at once.
  const exceptionsFile = options.exceptionsFile ?? DEFAULT_EXCEPTIONS_FILE;
  const report = verifyManifests(
    objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.cluster })),
    {
      exceptions:
        options.exceptionsFile !== undefined || existsSync(exceptionsFile) ? readExceptions(exceptionsFile, exceptableRuleIds()) : [],
      exceptionsFile,
      ...(options.today !== undefined ? { today: options.today } : {}),
    },
  );
  const failure = verificationError(report);
  if (failure) throw failure;
  progress(`platform checks of ${objects.length} objects`);
  const problems = definition.verify?.(objects, model) ?? [];
  if (problems.length > 0) throw new AlpError(`platform checks failed (${problems.length}); nothing was written`, problems);
  progress('rendering reports');
  const files = manifestFiles(objects);
  files.set('reports/policy.md', formatMarkdown(report));
  for (const [path, content] of [...documents, ...(definition.files?.(objects, model) ?? [])]) {
    if (files.has(path)) throw new Error(`file ${path} would overwrite a manifest, the policy report or another file`);
    files.set(path, content);
  }
  return { objects, files, model };
}

/**
 * Builds the app and renders its objects and the documents read off it. The app is built and
 * dropped here, so that it can be collected before verification.
 */
function buildAndRender(
  definition: PlatformAppDefinition,
  model: PlatformModel,
  progress: Progress,
): { objects: RenderedObject[]; documents: Map<string, string> } {
  const app = definition.build(model);
  progress('rendering objects');
  const objects = renderObjects(app);
  return { objects, documents: definition.documents?.(app, model) ?? new Map() };
}

/**
 * Synthesizes and makes `outdir` hold exactly the result, as one transaction under the
 * repository's lock (see `inTransaction`); on any error `outdir` is untouched.
 */
export function synthToDirectory(
  definition: PlatformAppDefinition,
  outdir: string,
  options: SynthOptions = {},
): PlatformSynthesis & { readonly written: boolean } {
  return inTransaction('alp synth', { outdir }, () => {
    const output = synthesize(definition, options);
    options.progress?.(`writing ${output.files.size} files`);
    return { ...output, written: writeTree(outdir, output.files, { operation: 'alp synth' }) };
  });
}
