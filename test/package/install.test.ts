import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { REPO_ROOT } from '../helpers/manifests';
import { exampleInputs, readmeLibraryExample } from './readme-example';

// The package as a team gets it: `npm pack` (which builds it), installed into a fresh project
// with its own cdk8s, constructs and cdk8s-plus-28, then the README's library example, verbatim,
// type-checked against the installed .d.ts and run. Network: the npm registry (warm cache).
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-28'];

describe('npm package |', () => {
  let work: string;
  let project: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'alp-package-'));
    project = join(work, 'consumer');
    mkdirSync(project);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs a command; on failure, the error names it and carries its output (tsc reports on stdout). */
  const run = (command: string, args: string[], cwd: string): string => {
    try {
      return execFileSync(command, args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_config_update_notifier: 'false' },
      });
    } catch (error: any) {
      throw new Error(`${[command, ...args].join(' ')} failed (in ${cwd}):\n${error.stdout ?? ''}${error.stderr ?? ''}`, { cause: error });
    }
  };

  test('installs with one copy of cdk8s and constructs; the README example type-checks, runs and synthesizes readable objects', () => {
    // GIVEN the packed package and a project that depends on it and on the peers, at this repo's versions
    run(NPM, ['pack', '--pack-destination', work], REPO_ROOT);
    const tarball = readdirSync(work).find((f) => /^alp-deploy-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    const devDependencies = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run(
      NPM,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!), ...PEERS.map((p) => `${p}@${devDependencies[p]}`)],
      project,
    );

    // THEN one copy of each construct base in the tree: the library's constructs are the app's
    const copies = JSON.parse(run(NPM, ['query', '#cdk8s, #constructs'], project))
      .map((n: any) => `${n.name}@${n.location}`)
      .sort();
    expect(copies).toEqual(['cdk8s@node_modules/cdk8s', 'constructs@node_modules/constructs']);

    // WHEN the README's example is type-checked against the installed .d.ts with the compiler options
    // of a new cdk8s TypeScript app (`cdk8s init typescript-app`: strict, no skipLibCheck), and run
    const example = readmeLibraryExample();
    writeFileSync(join(project, 'example.ts'), example);
    const template = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app', 'tsconfig.json'), 'utf8'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...template.compilerOptions, outDir: 'out' }, files: ['example.ts'] }),
    );
    run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
    run(process.execPath, [join('out', 'example.js')], project);

    // THEN the files carry readable names and the objects are the ones the example describes
    const { name, namespace, minReplicas, maxReplicas } = exampleInputs(example);
    const kinds = [
      'Deployment',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ];
    expect(readdirSync(join(project, 'manifests')).sort()).toEqual(kinds.map((kind) => `${kind}.${name}.k8s.yaml`));
    const object = (kind: string): any => yaml.load(readFileSync(join(project, 'manifests', `${kind}.${name}.k8s.yaml`), 'utf8'));
    for (const kind of kinds) expect(object(kind).metadata).toMatchObject({ name, namespace });

    const deployment = object('Deployment');
    const selector = deployment.spec.selector.matchLabels;
    expect(selector).toEqual({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name });
    expect(deployment.spec).not.toHaveProperty('replicas'); // the HPA owns the replica count
    expect(deployment.spec.template.spec.serviceAccountName).toBe(name);
    expect(object('Service').spec.selector).toEqual(selector);
    expect(object('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(object('PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: selector } });
    expect(object('HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas,
      maxReplicas,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
    });
    expect(object('NetworkPolicy').spec).toMatchObject({ podSelector: { matchLabels: selector }, policyTypes: ['Ingress'] });
    expect(object('ServiceMonitor').spec).toMatchObject({
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: [namespace] },
    });

    // AND the `alp` launcher npm installs with the package says in one line that it runs in the repository only
    expectLauncherRefusesOutsideTheRepository(project);
  }, 300_000);
});

/** Runs the installed package's `alp` launcher: outside the repository it refuses in one line, exit 1. */
function expectLauncherRefusesOutsideTheRepository(project: string): void {
  let launcher: any;
  try {
    execFileSync(process.execPath, [join(project, 'node_modules', 'alp-deploy', 'bin', 'alp.js'), 'synth'], {
      cwd: project,
      stdio: 'pipe',
    });
  } catch (error) {
    launcher = error;
  }
  expect(launcher?.status).toBe(1);
  expect(String(launcher?.stderr)).toBe(
    "error: alp: this command runs the platform's app in the alp-deploy repository (main.ts and bin/bundle.js beside it); the installed package is the construct library: import it from 'alp-deploy'\n",
  );
}
