import { PlatformAppDefinition } from '../lib';
import { buildPlatformApp } from './platform-app';
import { platformChecks, platformFiles, platformReports } from './platform-reports';
import { platformSpec } from './platform-spec';

/** The platform's app as the `alp` CLI runs it. */
export const platformApp: PlatformAppDefinition = {
  defaultSpec: platformSpec,
  defaultSpecSource: 'charts/platform-spec.ts',
  build: (model) => buildPlatformApp(model),
  reports: platformReports,
  files: platformFiles,
  verify: platformChecks,
};
