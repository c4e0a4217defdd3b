import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/manifests';

/** The marker before the README's library example: the README is the example's source of truth. */
export const LIBRARY_EXAMPLE_MARKER = '<!-- library-example:';

/** The fenced `ts` block that follows the marker in README.md, verbatim. */
export function readmeLibraryExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(LIBRARY_EXAMPLE_MARKER);
  if (at < 0) throw new Error(`README.md has no '${LIBRARY_EXAMPLE_MARKER}' marker before the library example`);
  const block = /^[^\n]*-->\n```ts\n([\s\S]*?)```\n/.exec(readme.slice(at));
  if (!block) throw new Error('README.md: the library-example marker is not followed by a ```ts block');
  return block[1];
}

/** What the example's objects are expected to be, read from its own inputs. */
export function exampleInputs(example: string): { name: string; namespace: string; minReplicas: number; maxReplicas: number } {
  const match = (pattern: RegExp): string => {
    const found = pattern.exec(example);
    if (!found) throw new Error(`the README's library example no longer matches ${pattern}`);
    return found[1];
  };
  return {
    name: match(/new HardenedService\([^{]*\{\s*name: '([^']+)'/),
    namespace: match(/new PlacedChart\([^)]*namespace: '([^']+)'/),
    minReplicas: Number(match(/minReplicas: (\d+)/)),
    maxReplicas: Number(match(/maxReplicas: (\d+)/)),
  };
}
