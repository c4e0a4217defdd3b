import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './manifests';

/** What a copy of the repository needs to build and run `alp` and `cdk8s synth` (node_modules is linked). */
const REPOSITORY_SOURCES = [
  'main.ts',
  'lib',
  'platform',
  'charts',
  'imports',
  'bin',
  'plugins',
  'package.json',
  'package-lock.json',
  'cdk8s.yaml',
  'release.yaml',
  'policy-exceptions.yaml',
];

/** Copies the repository's sources into `dir` (created when missing) and links its node_modules there. */
export function copyRepository(dir: string): void {
  for (const source of REPOSITORY_SOURCES) cpSync(join(REPO_ROOT, source), join(dir, source), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
}
