import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alpInProcess, GitOpsRepo } from '../helpers/gitops-repo';
import { REPO_ROOT } from '../helpers/manifests';

// The README's release walk-through ("Releasing: stage, preview, gated switch, watch, roll back"),
// step by step, on a GitOps repository in a temporary folder: each step's command as the README
// gives it, the files it changes exactly as the README lists them, then a commit (switch-traffic
// checks that the images it makes live are committed).

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The fenced block after the README's `<!-- release-walkthrough:<name> -->` marker. */
function block(name: string): string {
  const found = new RegExp(`<!-- release-walkthrough:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  if (!found) throw new Error(`README.md has no block after <!-- release-walkthrough:${name} -->`);
  return found[1];
}

/** A README command (`npm run <script> -- <args>`) as `alp` arguments. */
function commandOf(step: string): string[] {
  const found = /^npm run (stage|switch-traffic|rollback) -- (.*)$/.exec(block(step));
  if (!found) throw new Error(`README.md's ${step} command is not 'npm run <stage|switch-traffic|rollback> -- <args>'`);
  return [found[1], ...found[2].split(' ')];
}

describe("the README's release walk-through |", () => {
  const repo = GitOpsRepo.template();
  afterAll(() => repo.remove());

  test.each(['stage', 'switch-primary', 'switch-dr', 'rollback'])(
    '%s: the command succeeds and changes exactly the files the README lists',
    (step) => {
      const result = alpInProcess([...commandOf(step), ...repo.args]);
      expect(result.code).toBe(0);
      expect(repo.changed()).toEqual(block(`${step}:files`).split('\n'));
      if (step === 'stage') {
        // The review step: alp diff lists what green stages over blue, as the README shows it.
        const diff = alpInProcess(['diff', ...repo.args]);
        expect(diff.code).toBe(0);
        expect(diff.stdout).toContain(`\n${block('diff:output')}\n`);
      }
      repo.commitAll(step);
    },
  );
});
