/**
 * Verifying a part of the output gives each object the verdict it gets in the whole: one
 * Application's folder, the same folder as one stream on standard input (as from `helm template`),
 * and one file alone.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { platformApp } from '../../charts';
import { readExceptions } from '../../lib/policy/exceptions';
import { Finding } from '../../lib/policy/findings';
import { exceptableRuleIds, parseDocuments, readManifests, verifyManifests, VerifyReport } from '../../lib/policy/verify';
import { REPO_ROOT } from '../helpers/manifests';
import { TODAY } from './corpus/fixtures';
import { synthesize } from '../../platform';

/** Findings by `<cluster> <object>`, each as `<rule> <path>: <message>`, sorted. */
type Verdicts = Map<string, string[]>;

function verdicts(findings: readonly Finding[], clusterOf: (f: Finding) => string): Verdicts {
  const out: Verdicts = new Map();
  for (const f of findings) {
    if (f.ruleId.startsWith('POLICY-')) continue; // about the exceptions file, not an object
    const key = `${clusterOf(f)} ${f.object}`;
    out.set(key, [...(out.get(key) ?? []), `${f.ruleId} ${f.path ?? ''}: ${f.message}`].sort());
  }
  return out;
}

/** Reported findings, and every finding the rules made (exceptions aside). */
const reported = (r: VerifyReport) => r.findings;
const raw = (r: VerifyReport) => [...r.findings, ...r.suppressed.map((s) => s.finding)];

describe('verifying a part of the output |', () => {
  let outdir: string;
  let folders: string[];
  let whole: VerifyReport;
  /** The cluster of each finding of the whole tree: its file's region. */
  const regionOf = (f: Finding) => (f.file ?? '').split('/')[0];
  const exceptions = readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), exceptableRuleIds());

  beforeAll(() => {
    // The platform's manifests as synth writes them, in a scratch directory (never dist/).
    outdir = mkdtempSync(join(tmpdir(), 'alp-scope-'));
    const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
    for (const [path, content] of output.files) {
      if (!path.startsWith('manifests/')) continue;
      mkdirSync(dirname(join(outdir, path)), { recursive: true });
      writeFileSync(join(outdir, path), content);
    }
    const manifests = join(outdir, 'manifests');
    folders = readdirSync(manifests)
      .sort()
      .flatMap((region) =>
        readdirSync(join(manifests, region))
          .sort()
          .map((c) => join(manifests, region, c)),
      );
    whole = verifyManifests(readManifests(manifests).manifests, { exceptions, today: TODAY });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('the whole output passes, with its exceptions all applied', () => {
    expect(whole.findings).toEqual([]);
    expect(whole.exceptions.every((e) => e.status === 'applied')).toBe(true);
    // one status for each exception of the file, and some to apply: else the checks above and below hold vacuously
    expect(whole.exceptions).toHaveLength(exceptions.length);
    expect(exceptions.length).toBeGreaterThan(0);
    expect(folders.length).toBe(14); // 7 components in each of 2 regions
  });

  test("each Application's folder gives every object of it the verdict of the whole, and its exceptions are not unused", () => {
    const wholeReported = verdicts(reported(whole), regionOf);
    const wholeRaw = verdicts(raw(whole), regionOf);
    const differences: string[] = [];
    for (const folder of folders) {
      // WHEN
      const read = readManifests(folder);
      const part = verifyManifests(read.manifests, { exceptions, today: TODAY, partialInput: true });
      // THEN no finding about the exceptions file, and the same findings per object as in the whole
      expect({ folder, policy: part.findings.filter((f) => f.ruleId.startsWith('POLICY-')) }).toEqual({ folder, policy: [] });
      const region = folder.split('/').slice(-2)[0];
      const partReported = verdicts(reported(part), () => region);
      const partRaw = verdicts(raw(part), () => region);
      for (const object of new Set(read.manifests.map((m) => `${region} ${objectLabel(m.manifest)}`))) {
        expect({ object, findings: partReported.get(object) ?? [] }).toEqual({ object, findings: wholeReported.get(object) ?? [] });
        const [a, b] = [JSON.stringify(partRaw.get(object) ?? []), JSON.stringify(wholeRaw.get(object) ?? [])];
        if (a !== b)
          differences.push(
            `${object}: ${[...(wholeRaw.get(object) ?? [])]
              .filter((f) => !(partRaw.get(object) ?? []).includes(f))
              .map((f) => f.split(' ')[0])
              .join(', ')}`,
          );
      }
    }
    // Before exceptions, the one difference: Redis's monitoring, which exists nowhere (excepted until
    // it has an exporter), is found wanting only where monitoring objects are in the input (the whole).
    expect(differences).toEqual([
      'dr StatefulSet/alp-data/redis: COMPLETE-DASHBOARD, COMPLETE-SERVICEMONITOR, COMPLETE-SLO-RULES',
      'primary StatefulSet/alp-data/redis: COMPLETE-DASHBOARD, COMPLETE-SERVICEMONITOR, COMPLETE-SLO-RULES',
    ]);
  });

  test('a folder read as one stream (as `helm template … | alp verify -`) gives the same verdicts', () => {
    for (const folder of folders) {
      const read = readManifests(folder);
      const text = read.manifests.map((m) => JSON.stringify(m.manifest)).join('\n---\n');
      const region = folder.split('/').slice(-2)[0];
      const fromFolder = verdicts(raw(verifyManifests(read.manifests, { today: TODAY })), () => region);
      const fromStdin = verdicts(
        raw(
          verifyManifests(
            parseDocuments(text, 'stdin').map(({ document, line }) => ({ manifest: document, file: 'stdin', line })),
            { today: TODAY },
          ),
        ),
        () => region,
      );
      expect({ folder, verdicts: [...fromStdin].sort() }).toEqual({ folder, verdicts: [...fromFolder].sort() });
    }
  });

  test('one file alone gives its object the verdict of the whole, but where the object is judged with its neighbours', () => {
    const wholeRaw = verdicts(raw(whole), regionOf);
    const primary = folders.filter((f) => f.includes(`${join('manifests', 'primary')}`));
    const differences: string[] = [];
    let files = 0;
    for (const folder of primary) {
      for (const file of readdirSync(folder).sort()) {
        const read = readManifests(join(folder, file));
        const alone = verdicts(raw(verifyManifests(read.manifests, { today: TODAY })), () => 'primary');
        for (const m of read.manifests) {
          const object = `primary ${objectLabel(m.manifest)}`;
          const [a, b] = [alone.get(object) ?? [], wholeRaw.get(object) ?? []];
          if (JSON.stringify(a) !== JSON.stringify(b))
            differences.push(
              `${object}: ${[...b.filter((f) => !a.includes(f)), ...a.filter((f) => !b.includes(f)).map((f) => `+${f}`)].map((f) => f.split(' ')[0]).join(', ')}`,
            );
        }
        files++;
      }
    }
    expect(files).toBeGreaterThan(250);
    // A Namespace is judged with its default deny, which the platform writes beside it (one file
    // alone lacks it); Redis's monitoring, as above.
    expect(differences.sort()).toEqual([
      'primary Namespace/alp-blue: +NET-DEFAULT-DENY',
      'primary Namespace/alp-data: +NET-DEFAULT-DENY',
      'primary Namespace/alp-edge: +NET-DEFAULT-DENY',
      'primary Namespace/alp-green: +NET-DEFAULT-DENY',
      'primary Namespace/alp-logging: +NET-DEFAULT-DENY',
      'primary Namespace/alp-monitoring: +NET-DEFAULT-DENY',
      'primary StatefulSet/alp-data/redis: COMPLETE-DASHBOARD, COMPLETE-SERVICEMONITOR, COMPLETE-SLO-RULES',
    ]);
  });
});

/** `<kind>/<namespace>/<name>` as findings name objects. */
function objectLabel(manifest: any): string {
  return [manifest.kind, manifest.metadata?.namespace, manifest.metadata?.name].filter((p) => typeof p === 'string' && p !== '').join('/');
}
