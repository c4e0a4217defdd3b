import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { exampleInputs, readmeLibraryExample } from './package/readme-example';
import { REPO_ROOT } from './helpers/manifests';

// The same example as test/package/install.test.ts, run from this checkout's sources in a few
// seconds; the install test runs it against the packed package.
describe('README |', () => {
  test("the 'Using the library' example runs against lib/ and produces the objects it promises", () => {
    // GIVEN the example, as written: it imports the package and writes to manifests/
    const example = readmeLibraryExample();
    expect(example).toContain("from 'alp-deploy'");
    expect(example.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(20);
    const { name } = exampleInputs(example);
    const outdir = mkdtempSync(join(tmpdir(), 'alp-readme-'));
    try {
      // WHEN it runs with 'alp-deploy' mapped to this checkout's lib/ and the App's output in a temp folder
      const code = transformSync(`${example}\nmodule.exports = app;`, { loader: 'ts', format: 'cjs' }).code;
      const module = { exports: undefined as any };
      const cdk8s = require('cdk8s');
      const App = class extends cdk8s.App {
        constructor(props: any) {
          super({ ...props, outdir });
        }
      };
      const load = (id: string) =>
        id === 'alp-deploy' ? require(join(REPO_ROOT, 'lib')) : id === 'cdk8s' ? { ...cdk8s, App } : require(id);
      new Function('require', 'module', 'exports', code)(load, module, module.exports);
      // THEN
      const objects = module.exports.charts[0].toJson();
      expect(objects.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        `Deployment/${name}`,
        `HorizontalPodAutoscaler/${name}`,
        `NetworkPolicy/${name}`,
        `PodDisruptionBudget/${name}`,
        `Service/${name}`,
        `ServiceAccount/${name}`,
        `ServiceMonitor/${name}`,
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
