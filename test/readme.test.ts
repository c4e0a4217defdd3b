import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { REPO_ROOT } from './helpers/manifests';

describe('README |', () => {
  test("the 'Adding a service' example runs and produces the objects it promises", () => {
    // GIVEN the example, as written
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const example = /## Adding a service[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1];
    expect(example.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(15);
    // WHEN it runs against this checkout's library
    const code = transformSync(`${example}\nmodule.exports = app;`, { loader: 'ts', format: 'cjs' }).code;
    const module = { exports: undefined as any };
    const load = (id: string) => require(id === './lib' ? join(REPO_ROOT, 'lib') : id);
    new Function('require', 'module', 'exports', code)(load, module, module.exports);
    // THEN
    const objects = module.exports.charts[0].toJson();
    expect(objects.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/quiz-service',
      'HorizontalPodAutoscaler/quiz-service',
      'PodDisruptionBudget/quiz-service',
      'Service/quiz-service',
      'ServiceAccount/quiz-service',
    ]);
  });
});
