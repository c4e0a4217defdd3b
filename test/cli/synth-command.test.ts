import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformSpec } from '../../charts';
import { readTree } from '../../lib/output/files';
import { clone, committedRelease, REPO_ROOT } from '../helpers/manifests';

const ALP = join(REPO_ROOT, 'bin', 'alp.js');

function alp(args: string[]) {
  const result = spawnSync(process.execPath, [ALP, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('alp synth |', () => {
  let scratch: string;
  let outdir: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'alp-cli-'));
    outdir = join(scratch, 'dist');
    mkdirSync(join(outdir, 'manifests'), { recursive: true });
    writeFileSync(join(outdir, 'manifests', 'previous.yaml'), 'previous output\n');
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  test('fails when the spec has three mistakes: three precise errors, exit 1, dist untouched', () => {
    // GIVEN
    const spec: any = clone(platformSpec);
    spec.services[0].port = 'http';
    spec.services[3].autoscaling.maxReplicas = 1;
    spec.services[6].egress[0].ports = [];
    const specFile = join(scratch, 'platform.yaml');
    writeFileSync(specFile, yaml.dump(spec));
    // WHEN
    const result = alp(['synth', '--spec', specFile, '--outdir', outdir]);
    // THEN
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'error: invalid platform input (3 problems); nothing was written',
        `  - ${specFile}: 'services[0].port' ("http") must be a number`,
        `  - ${specFile}: 'services[3].autoscaling.minReplicas' (2) must not exceed 'maxReplicas' (1)`,
        `  - ${specFile}: 'services[6].egress[0].ports' ([]) must list at least one port (an empty list would allow every port)`,
        '',
      ].join('\n'),
    );
    expect(readdirSync(outdir, { recursive: true })).toEqual(['manifests', 'manifests/previous.yaml']);
    expect(readdirSync(scratch).sort()).toEqual(['dist', 'platform.yaml']);
  });

  test('fails when the release file is not valid YAML, naming the file and line', () => {
    const releaseFile = join(scratch, 'release.yaml');
    writeFileSync(releaseFile, 'regions:\n  primary: [\n');
    const result = alp(['synth', '--release', releaseFile, '--outdir', outdir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: ${releaseFile}:3:1: is not valid YAML: unexpected end of the stream within a flow collection; fix the syntax at that position\n`,
    );
    expect(readFileSync(join(outdir, 'manifests', 'previous.yaml'), 'utf8')).toBe('previous output\n');
  });

  test('fails on an unknown option or command without a stack trace', () => {
    expect(alp(['synth', '--out', outdir])).toEqual({
      status: 2,
      stdout: '',
      stderr: "error: alp synth: Unknown option '--out'; run 'alp help' for the options\n",
    });
    expect(alp(['deploy'])).toEqual({ status: 2, stdout: '', stderr: "error: unknown command 'deploy'; run 'alp help' for the list\n" });
  });

  test('writes the platform and replaces the previous output', () => {
    // GIVEN a release in which green runs a newer api-gateway
    const release = committedRelease();
    release.colors.green.images['api-gateway'] = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'c'.repeat(64)}`;
    const releaseFile = join(scratch, 'release.yaml');
    writeFileSync(releaseFile, yaml.dump(release));
    // WHEN
    const result = alp(['synth', '--release', releaseFile, '--outdir', outdir]);
    // THEN
    expect(result.status).toBe(0);
    const [, files, objects] = /^synth: wrote (\d+) files \((\d+) objects\) to .*dist\/ in \d+ ms\n$/.exec(result.stdout)!;
    const written = readTree(outdir);
    expect(Number(files)).toBe(written.size);
    expect(Number(objects)).toBe([...written.keys()].filter((path) => path.startsWith('manifests/') || path.startsWith('argocd/')).length);
    const green = yaml.load(readFileSync(join(outdir, 'manifests', 'primary', 'green', 'deployment-api-gateway.yaml'), 'utf8')) as any;
    expect(green.spec.template.spec.containers[0].image).toBe(release.colors.green.images['api-gateway']);
    expect(green.metadata.labels['app.kubernetes.io/version']).toBe('2.15.0');
    expect(readdirSync(join(outdir, 'manifests')).sort()).toEqual(['dr', 'primary']);
  });
});
