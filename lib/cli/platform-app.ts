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
   * Checks of a synthesis that must pass before traffic moves to it: one line per problem.
   * @default - no checks beyond validation
   */
  verify?(objects: readonly RenderedObject[], model: PlatformModel): string[];
}
