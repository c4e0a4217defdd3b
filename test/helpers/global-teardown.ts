import { rmSync } from 'node:fs';
import { SHARED_DIR_ENV } from './shared-folder';

/** jest's globalTeardown (package.json): removes the run's shared folder. */
export default function globalTeardown(): void {
  const dir = process.env[SHARED_DIR_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
