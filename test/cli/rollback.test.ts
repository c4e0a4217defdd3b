import { readFileSync } from 'node:fs';
import { readTree } from '../../lib/output/files';
import { alpInProcess, freshCopies, GitOpsRepo, routerFiles } from '../helpers/gitops-repo';

// `alp rollback [--region r] [--expect-live c]`: traffic back to the other colour, routes only.

const NEW_GATEWAY = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'e'.repeat(64)}`;
const OLD_GATEWAY =
  'registry.alp.example.com/alp/api-gateway:2.14.1@sha256:72845c1f1d98424a65c4c1c3788c8ffaa88e48961d95ad6ca94c58fd29c5021a';

/** Blue live, then switched to green in every region and committed. */
let template: GitOpsRepo;
let blue: { release: string; tree: Map<string, string> };

beforeAll(() => {
  template = GitOpsRepo.template();
  blue = { release: readFileSync(template.release, 'utf8'), tree: readTree(template.outdir) };
  expect(alpInProcess(['switch-traffic', '--to', 'green', ...template.args]).code).toBe(0);
  template.commitAll('switch to green');
}, 60_000);
afterAll(() => template.remove());
const fresh = freshCopies(() => template);

const ROUTES = routerFiles;

describe('alp rollback |', () => {
  test("restores the previous colour in every region, byte for byte: only the routes, the charts' default colour and release.yaml change", () => {
    const repo = fresh();
    // WHEN
    const result = alpInProcess(['rollback', ...repo.args]);
    // THEN
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `blue serves primary, dr again (rolled back from green); changed ${repo.release} and ${2 * routerFiles('dr').length} file(s) in ${repo.outdir}/:`,
        ...[...routerFiles('dr'), ...routerFiles('primary')].sort().map((path) => `  ${path.slice('dist/'.length)}`),
        '',
      ].join('\n'),
    });
    expect(repo.changed()).toEqual([...ROUTES('dr'), ...ROUTES('primary'), 'release.yaml'].sort());
    expect({ release: readFileSync(repo.release, 'utf8'), tree: readTree(repo.outdir) }).toEqual(blue);
  });

  test('--region rolls back that region only; --expect-live refuses, changing nothing, once traffic has moved', () => {
    const repo = fresh();
    // WHEN an alert's automation rolls dr back, then the same alert fires again
    const first = alpInProcess(['rollback', '--region', 'dr', '--expect-live', 'green', ...repo.args]);
    const changed = repo.changed();
    const release = readFileSync(repo.release, 'utf8');
    const again = alpInProcess(['rollback', '--region', 'dr', '--expect-live', 'green', ...repo.args]);
    // THEN
    expect(first).toMatchObject({
      code: 0,
      stderr: '',
      stdout: expect.stringMatching(/^blue serves dr again \(rolled back from green\); /),
    });
    expect(changed).toEqual([...ROUTES('dr'), 'release.yaml']);
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: alp rollback: refused: blue serves dr, not green (--expect-live green); traffic was moved already; nothing changed\n',
    });
    expect(repo.changed()).toEqual(changed);
    expect(readFileSync(repo.release, 'utf8')).toBe(release);

    // WHEN the regions now serve different colours and no region is named
    // THEN
    expect(alpInProcess(['rollback', ...repo.args])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: alp rollback: refused: the regions serve different colours (primary: green, dr: blue); name the one to roll back with --region\n',
    });
    expect(readFileSync(repo.release, 'utf8')).toBe(release);
  });

  test('does not wait for any check: images of the colour it returns to that are not committed are warnings', () => {
    const repo = fresh();
    // GIVEN a new gateway staged on blue (the standby), not committed
    expect(alpInProcess(['stage', '--color', 'blue', '--image', `api-gateway=${NEW_GATEWAY}`, ...repo.args]).code).toBe(0);
    const head = repo.git('rev-parse', 'HEAD').slice(0, 12);
    // WHEN
    const result = alpInProcess(['rollback', '--region', 'primary', ...repo.args]);
    // THEN
    expect(result).toMatchObject({
      code: 0,
      stderr: `rollback: warning: api-gateway in primary (blue): ${repo.release} gives ${NEW_GATEWAY}, but its Deployment at HEAD (${head}) runs ${OLD_GATEWAY}; commit ${repo.release} and ${repo.outdir}/, push, and let Argo CD sync them before switching\n`,
      stdout: expect.stringMatching(/^blue serves primary again \(rolled back from green\); /),
    });
  });

  test('fails on a bad region or colour (exit 2)', () => {
    expect(alpInProcess(['rollback', '--region', 'mars', ...template.args])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: alp rollback: \'--region\' ("mars") must be one of primary, dr\n',
    });
    expect(alpInProcess(['rollback', '--expect-live', 'purple', ...template.args])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: alp rollback: \'--expect-live\' ("purple") must be one of blue, green\n',
    });
    expect(template.changed()).toEqual([]);
  });
});
