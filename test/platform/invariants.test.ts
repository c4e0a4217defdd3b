import { join } from 'node:path';
import { platformModel, REPO_ROOT } from '../helpers/manifests';
import { platformInvariantProblems } from '../helpers/platform-invariants';

// The platform's invariants over the committed dist/ (the seed platform); the same checks run in
// adding-a-service.test.ts over a copy of the repository with a service added.

describe('the committed dist/ |', () => {
  test('holds every invariant the spec implies', () => {
    expect(platformInvariantProblems(platformModel(), join(REPO_ROOT, 'dist'))).toEqual([]);
  });
});
