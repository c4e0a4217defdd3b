import { App } from 'cdk8s';
import { RenderedObject } from '../../lib/output/render';
import { PlatformModel } from '../spec';

/** What the CLI needs from an application built on this library. */
export interface PlatformAppDefinition {
  /** The spec used when no `--spec` file is given. */
  readonly defaultSpec: unknown;
  /** How the default spec is named in error messages, e.g. `charts/platform-spec.ts`. */
  readonly defaultSpecSource: string;
  /** Builds the cdk8s App (placed charts only) from a validated model. */
  build(model: PlatformModel): App;
  /**
   * Files read off the built App itself (runbooks, documents of its constructs): path below the
   * output directory to content. Rendered right after the objects, so that the App (the largest
   * structure of a synth) is released before verification. A path may not overwrite a manifest.
   * @default - no such files
   */
  documents?(app: App, model: PlatformModel): Map<string, string>;
  /**
   * Files besides the manifests rendered from the synthesized objects (reports, Helm charts,
   * cluster documents), once they are verified: path below the output directory to content. A
   * path may not overwrite a manifest or a document.
   * @default - no other files
   */
  files?(objects: readonly RenderedObject[], model: PlatformModel): Map<string, string>;
  /**
   * The app's own checks of every synthesis, beyond the policy rules: one line per problem; any
   * problem stops the synth before it writes.
   * @default - no checks beyond validation and policy verification
   */
  verify?(objects: readonly RenderedObject[], model: PlatformModel): string[];
}
