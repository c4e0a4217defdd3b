import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_DIR_ENV } from './shared-folder';

/** jest's globalSetup (package.json): the run's shared folder; the workers start after this and inherit the variable. */
export default function globalSetup(): void {
  process.env[SHARED_DIR_ENV] = mkdtempSync(join(tmpdir(), 'alp-test-shared-'));
}
