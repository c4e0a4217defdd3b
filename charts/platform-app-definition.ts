import { buildPlatformApp } from './platform-app';
import { platformChecks, platformDocuments, platformFiles } from './platform-reports';
import { platformSpec } from './platform-spec';
import { PlatformAppDefinition } from '../platform';

/** The platform's app as the `alp` CLI runs it. */
export const platformApp: PlatformAppDefinition = {
  defaultSpec: platformSpec,
  defaultSpecSource: 'charts/platform-spec.ts',
  build: (model) => buildPlatformApp(model),
  documents: platformDocuments,
  files: platformFiles,
  verify: platformChecks,
};
