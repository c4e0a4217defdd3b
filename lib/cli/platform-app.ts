import { App } from 'cdk8s';
import { RenderedObject } from '../output';
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
   * Reports computed from the synthesized objects: path below the output directory (under
   * `reports/`) to content.
   * @default - no reports
   */
  reports?(objects: readonly RenderedObject[], model: PlatformModel): Map<string, string>;
  /**
   * Files rendered from the built App itself (e.g. runbooks from its alerting rules): path below
   * the output directory to content. A path may not overwrite a manifest or a report.
   * @default - no files
   */
  files?(app: App, model: PlatformModel): Map<string, string>;
  /**
   * The app's own checks of every synthesis, beyond the policy rules: one line per problem; any
   * problem stops the synth before it writes.
   * @default - no checks beyond validation and policy verification
   */
  verify?(objects: readonly RenderedObject[], model: PlatformModel): string[];
}
