import { renderApp, SynthesisOutput, writeTree } from '../output';
import { PlatformModel, readDataFile, validatePlatform } from '../spec';
import { PlatformAppDefinition } from './platform-app';

export interface SynthOptions {
  /** A YAML or JSON spec file instead of the application's own spec. @default - the app's spec */
  readonly specFile?: string;
  /** The release state file. @default 'release.yaml' */
  readonly releaseFile?: string;
  /** The release state itself, already read (e.g. changed by a command); named by `releaseFile`. @default - read from `releaseFile` */
  readonly release?: unknown;
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
  const releaseFile = options.releaseFile ?? 'release.yaml';
  const specInput = options.specFile ? readDataFile(options.specFile) : definition.defaultSpec;
  const model = validatePlatform(specInput, options.release ?? readDataFile(releaseFile), {
    spec: options.specFile ?? definition.defaultSpecSource,
    release: releaseFile,
  });
  const output = renderApp(definition.build(model));
  for (const [path, content] of definition.reports?.(output.objects, model) ?? []) {
    if (output.files.has(path)) throw new Error(`report ${path} would overwrite a manifest`);
    output.files.set(path, content);
  }
  return { ...output, model };
}

/** Synthesizes and replaces `outdir` with the result; on any error `outdir` is untouched. */
export function synthToDirectory(definition: PlatformAppDefinition, outdir: string, options: SynthOptions = {}): PlatformSynthesis {
  const output = synthesize(definition, options);
  writeTree(outdir, output.files);
  return output;
}
