import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { verifyCommand } from '../../platform/cli/verify-command';
import { parseExceptions, readExceptions } from '../../lib/policy/exceptions';
import { POLICY_RULES } from '../../lib/policy/rules';
import {
  exceptableRuleIds,
  MAX_MANIFEST_DEPTH,
  MAX_MANIFEST_FILE_BYTES,
  MAX_MANIFEST_NODES,
  parseDocuments,
  readManifests,
  verificationError,
  verifyManifests,
} from '../../lib/policy/verify';
import { AlpError } from '../../lib/core';
import { errorOf, REPO_ROOT } from '../helpers/manifests';
import { compliantShop, CORPUS_DIR, messagesOf, object, TODAY, verify } from './corpus/fixtures';
import { synthesize } from '../../platform';

const BAD = join(CORPUS_DIR, 'bad');
const RULE_IDS = exceptableRuleIds();

/** The `# expect: <rule> <message>` lines of a corpus file. */
function expectations(file: string): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^# expect: (\S+) (.*)$/.exec(line);
    if (match) expected.set(match[1], [...(expected.get(match[1]) ?? []), match[2]]);
  }
  return expected;
}

describe('corpus of bad manifests |', () => {
  const files = readdirSync(BAD)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  test('has a file for each kind of mistake the issue names', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'privileged.yaml',
        'root-user.yaml',
        'host-path.yaml',
        'latest-tag.yaml',
        'wildcard-role.yaml',
        'allow-all-networkpolicy.yaml',
        'secret-with-data.yaml',
        'missing-limits.yaml',
        'pdb-blocking-drains.yaml',
        // Issue 14: nothing let in.
        'writable-root-filesystem.yaml',
        'shared-process-namespace.yaml',
        'pod-exec-role.yaml',
        'workload-create-role.yaml',
        'token-and-node-proxy-role.yaml',
        'configmap-credentials.yaml',
        'env-credentials.yaml',
      ]),
    );
  });

  test.each(files)('%s is caught by the intended rules, with exact messages', (file) => {
    // GIVEN
    const expected = expectations(join(BAD, file));
    expect(expected.size).toBeGreaterThan(0);
    // WHEN
    const report = verifyManifests(readManifests(join(BAD, file)).manifests, { today: TODAY });
    // THEN
    for (const [ruleId, messages] of expected) expect({ ruleId, messages: messagesOf(report, ruleId) }).toEqual({ ruleId, messages });
    expect(report.findings.every((f) => f.file === file && typeof f.line === 'number')).toBe(true);
  });
});

describe('the platform |', () => {
  test("a fresh synth breaks no rule but the excepted ones: the log shipper's host paths, Redis's monitoring, four third-party images without digest, two callers from outside the mesh", () => {
    // GIVEN
    const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
    const exceptions = readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), RULE_IDS);
    // WHEN
    const report = verifyManifests(
      output.objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.region })),
      { exceptions, today: TODAY },
    );
    // THEN
    expect(report.findings).toEqual([]);
    expect(report.exceptions.map((e) => [e.exception.rule, e.exception.object, e.status])).toEqual([
      ['PSS-BASELINE-HOST-PATH', 'DaemonSet/alp-logging/fluent-bit', 'applied'],
      // Redis has no metrics exporter yet (policy-exceptions.yaml).
      ['COMPLETE-SERVICEMONITOR', 'StatefulSet/alp-data/redis', 'applied'],
      ['COMPLETE-DASHBOARD', 'StatefulSet/alp-data/redis', 'applied'],
      ['COMPLETE-SLO-RULES', 'StatefulSet/alp-data/redis', 'applied'],
      // Upstream images pinned by tag until their digests are verified (policy-exceptions.yaml).
      ['WORKLOAD-IMAGE-DIGEST', 'CronJob/alp-data/restore-drill', 'applied'],
      ['WORKLOAD-IMAGE-DIGEST', 'DaemonSet/alp-logging/fluent-bit', 'applied'],
      ['WORKLOAD-IMAGE-DIGEST', 'Deployment/alp-monitoring/otel-collector', 'applied'],
      ['WORKLOAD-IMAGE-DIGEST', 'StatefulSet/alp-data/redis', 'applied'],
      // Callers from outside the mesh, on one TLS port each (MeshExternalPort).
      ['NET-MESH-PEER-MTLS', 'PeerAuthentication/alp-data/redis-replication-from-replicas', 'applied'],
      ['NET-MESH-PEER-MTLS', 'PeerAuthentication/alp-monitoring/prometheus-adapter-from-api-server', 'applied'],
    ]);
    expect(report.counts.objects).toBe(output.objects.length);
    for (const skipped of report.skipped) expect(skipped.ruleId).toMatch(/^COMPLETE-/);
    expect(verificationError(report)).toBeUndefined();
  });
});

describe('exceptions |', () => {
  const broken = () => {
    const manifests = compliantShop();
    object(manifests, 'Deployment', 'api').spec.template.spec.hostPID = true;
    return manifests;
  };
  const exception = (overrides: object = {}) => ({
    rule: 'PSS-BASELINE-HOST-NAMESPACES',
    object: 'Deployment/shop/api',
    reason: 'node exporter needs host PIDs (PLAT-42)',
    expires: '2026-03-01',
    ...overrides,
  });

  test('an exception suppresses the findings of its rule and object until its expiry date, inclusive', () => {
    // WHEN
    const report = verify(broken(), { exceptions: [exception()] });
    // THEN
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((s) => s.finding.ruleId)).toEqual(['PSS-BASELINE-HOST-NAMESPACES']);
    expect(report.exceptions).toEqual([{ exception: exception(), status: 'applied', matched: 1 }]);
    expect(report.counts).toEqual({ objects: 14, rules: POLICY_RULES.length, errors: 0, warnings: 0, suppressed: 1, skipped: 2 });
  });

  test('fails on an expired exception, and the finding it covered comes back', () => {
    const report = verify(broken(), { exceptions: [exception({ expires: '2026-02-28' })] });
    expect(report.findings.map((f) => `${f.ruleId} ${f.message}`)).toEqual([
      'POLICY-EXCEPTION-EXPIRED policy-exceptions.yaml: exceptions[0] (PSS-BASELINE-HOST-NAMESPACES for Deployment/shop/api) expired on 2026-02-28; fix the finding and remove the exception, or renew it with a current reason and date',
      "PSS-BASELINE-HOST-NAMESPACES Deployment/shop/api: 'spec.template.spec.hostPID' (true) must be false or unset; sharing the node's namespaces exposes its network, processes or IPC to the pod",
    ]);
    expect(report.exceptions[0].status).toBe('expired');
  });

  test('fails on unused exceptions, saying whether the object is missing or compliant', () => {
    const report = verify(compliantShop(), {
      exceptions: [exception(), exception({ object: 'Deployment/shop/web' })],
      exceptionsFile: 'exceptions.yaml',
    });
    expect(messagesOf(report, 'POLICY-EXCEPTION-UNUSED')).toEqual([
      'exceptions.yaml: exceptions[0] (PSS-BASELINE-HOST-NAMESPACES for Deployment/shop/api) matches no finding (the object does not break PSS-BASELINE-HOST-NAMESPACES); remove it',
      'exceptions.yaml: exceptions[1] (PSS-BASELINE-HOST-NAMESPACES for Deployment/shop/web) matches no finding (the object is not in the manifests); remove it',
    ]);
    expect(report.findings.every((f) => f.file === 'exceptions.yaml')).toBe(true);
    expect(verificationError(report)!.message).toBe(
      [
        'policy verification failed (2 errors); nothing was written',
        `  - POLICY-EXCEPTION-UNUSED: ${report.findings[0].message}`,
        `  - POLICY-EXCEPTION-UNUSED: ${report.findings[1].message}`,
      ].join('\n'),
    );
  });

  test('on a partial input, exceptions about objects not in it are unjudged, not unused or expired; the others are judged as usual', () => {
    // GIVEN exceptions of another project's objects (one expired), and one about a compliant object of the input
    const exceptions = [
      exception({ object: 'DaemonSet/alp-logging/fluent-bit' }),
      exception({ object: 'Deployment/shop/web', expires: '2026-01-01' }),
      exception(),
    ];
    // WHEN the input is declared partial
    const partial = verify(compliantShop(), { exceptions, exceptionsFile: 'exceptions.yaml', partialInput: true });
    // THEN only the exception about an object of the input is judged
    expect(partial.exceptions.map((e) => `${e.exception.object} ${e.status}`)).toEqual([
      'DaemonSet/alp-logging/fluent-bit unjudged',
      'Deployment/shop/web unjudged',
      'Deployment/shop/api unused',
    ]);
    expect(partial.findings.map((f) => f.message)).toEqual([
      'exceptions.yaml: exceptions[2] (PSS-BASELINE-HOST-NAMESPACES for Deployment/shop/api) matches no finding (the object does not break PSS-BASELINE-HOST-NAMESPACES); remove it',
    ]);
    // AND an exception about a present object still suppresses its findings
    expect(verify(broken(), { exceptions, partialInput: true }).exceptions.map((e) => e.status)).toEqual([
      'unjudged',
      'unjudged',
      'applied',
    ]);
    // AND the whole output (the default) fails on all three
    expect(verify(compliantShop(), { exceptions, exceptionsFile: 'exceptions.yaml' }).findings.map((f) => f.ruleId)).toEqual([
      'POLICY-EXCEPTION-EXPIRED',
      'POLICY-EXCEPTION-UNUSED',
      'POLICY-EXCEPTION-UNUSED',
    ]);
  });

  test('on a partial input, an exception whose rule could not judge it (skipped) is unjudged; on the whole output it is unused', () => {
    // GIVEN the shop without ServiceMonitors (monitoring in another folder) and an exception for its api's
    const manifests = compliantShop().filter((m) => m.kind !== 'ServiceMonitor');
    const exceptions = [exception({ rule: 'COMPLETE-SERVICEMONITOR' })];
    // THEN
    expect(verify(manifests, { exceptions, partialInput: true }).exceptions.map((e) => e.status)).toEqual(['unjudged']);
    expect(verify(manifests, { exceptions }).exceptions.map((e) => e.status)).toEqual(['unused']);
  });

  test("the project's exceptions do not fail an unrelated input declared partial", () => {
    const exceptions = readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), RULE_IDS);
    const report = verify(compliantShop(), { exceptions, partialInput: true });
    expect(report.findings).toEqual([]);
    expect(new Set(report.exceptions.map((e) => e.status))).toEqual(new Set(['unjudged']));
  });

  test('the file is validated with a precise message per problem', () => {
    const message = errorOf(() =>
      parseExceptions(
        {
          exceptions: [
            { rule: 'pss', object: 'api', reason: ' ', expires: '2026-02-30' },
            { rule: 'NO-SUCH-RULE', object: 'Deployment/shop/api', reason: 'r', expires: '2026-01-01', expiry: 'x' },
          ],
        },
        'policy-exceptions.yaml',
        RULE_IDS,
      ),
    );
    expect(message).toBe(
      [
        'invalid policy exceptions in policy-exceptions.yaml (6 problems)',
        `  - policy-exceptions.yaml: 'exceptions[0].rule' ("pss") must be a rule id such as 'NET-NO-ALLOW-ALL'`,
        `  - policy-exceptions.yaml: 'exceptions[0].object' ("api") must name an object as '<kind>/<namespace>/<name>' or '<kind>/<name>'`,
        `  - policy-exceptions.yaml: 'exceptions[0].reason' (" ") must explain why the object may break the rule`,
        `  - policy-exceptions.yaml: 'exceptions[0].expires' ("2026-02-30") must be a date written YYYY-MM-DD`,
        `  - policy-exceptions.yaml: 'exceptions[1].expiry' ("x") is not a known field; did you mean 'expires'?`,
        '  - policy-exceptions.yaml: \'exceptions[1].rule\' ("NO-SUCH-RULE") must be the id of a rule that can be excepted; run `alp verify --format json` to see the rules',
      ].join('\n'),
    );
  });

  test('unknown rule ids and repeated exceptions are refused', () => {
    expect(
      errorOf(() => parseExceptions({ exceptions: [exception({ rule: 'NO-SUCH-RULE' }), exception(), exception()] }, 'x.yaml', RULE_IDS)),
    ).toBe(
      [
        'invalid policy exceptions in x.yaml (2 problems)',
        '  - x.yaml: \'exceptions[0].rule\' ("NO-SUCH-RULE") must be the id of a rule that can be excepted; run `alp verify --format json` to see the rules',
        '  - x.yaml: \'exceptions[2]\' ("PSS-BASELINE-HOST-NAMESPACES Deployment/shop/api") must not repeat exceptions[1]; keep one exception per rule and object',
      ].join('\n'),
    );
  });

  test('the YAML file keeps dates as written, and the checked-in file is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alp-exceptions-'));
    try {
      const file = join(dir, 'policy-exceptions.yaml');
      writeFileSync(
        file,
        'exceptions:\n  - rule: PSS-BASELINE-HOST-NAMESPACES\n    object: Deployment/shop/api\n    reason: node exporter\n    expires: 2026-03-01\n',
      );
      expect(readExceptions(file, RULE_IDS)).toEqual([
        { rule: 'PSS-BASELINE-HOST-NAMESPACES', object: 'Deployment/shop/api', reason: 'node exporter', expires: '2026-03-01' },
      ]);
      writeFileSync(file, 'exceptions: [\n');
      expect(errorOf(() => readExceptions(file, RULE_IDS))).toBe(
        `${file}: is not valid YAML: unexpected end of the stream within a flow collection (line 2, column 1)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(
      readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), RULE_IDS).map((e) => `${e.rule} ${e.object} until ${e.expires}`),
    ).toEqual([
      'PSS-BASELINE-HOST-PATH DaemonSet/alp-logging/fluent-bit until 2027-05-31',
      // Redis has no metrics exporter yet.
      'COMPLETE-SERVICEMONITOR StatefulSet/alp-data/redis until 2027-03-31',
      'COMPLETE-DASHBOARD StatefulSet/alp-data/redis until 2027-03-31',
      'COMPLETE-SLO-RULES StatefulSet/alp-data/redis until 2027-03-31',
      'WORKLOAD-IMAGE-DIGEST CronJob/alp-data/restore-drill until 2027-03-31',
      'WORKLOAD-IMAGE-DIGEST DaemonSet/alp-logging/fluent-bit until 2027-03-31',
      'WORKLOAD-IMAGE-DIGEST Deployment/alp-monitoring/otel-collector until 2027-03-31',
      'WORKLOAD-IMAGE-DIGEST StatefulSet/alp-data/redis until 2027-03-31',
      'NET-MESH-PEER-MTLS PeerAuthentication/alp-data/redis-replication-from-replicas until 2027-06-30',
      'NET-MESH-PEER-MTLS PeerAuthentication/alp-monitoring/prometheus-adapter-from-api-server until 2027-06-30',
    ]);
  });
});

describe('reading manifests |', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alp-read-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('reads multi-document files and Lists with their lines, leaves out Helm chart sources, and finds the cluster of the GitOps layout', () => {
    // GIVEN
    mkdirSync(join(dir, 'manifests', 'dr', 'blue'), { recursive: true });
    mkdirSync(join(dir, 'helm', 'alp', 'templates'), { recursive: true });
    writeFileSync(
      join(dir, 'manifests', 'dr', 'blue', 'two.yaml'),
      '# two objects\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\n\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b, namespace: x, annotations: {since: 2026-01-01}}}\n',
    );
    writeFileSync(join(dir, 'manifests', 'notes.md'), '# not a manifest');
    writeFileSync(join(dir, 'helm', 'alp', 'Chart.yaml'), 'apiVersion: v2\nname: alp\n');
    writeFileSync(join(dir, 'helm', 'alp', 'templates', 'd.yaml'), 'metadata: {{ .Values.x }}\n');
    // WHEN
    const read = readManifests(dir);
    // THEN
    expect(read.manifests).toEqual([
      {
        manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } },
        file: 'manifests/dr/blue/two.yaml',
        line: 3,
        cluster: 'dr',
      },
      {
        manifest: {
          apiVersion: 'v1',
          kind: 'List',
          items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'x', annotations: { since: '2026-01-01' } } }],
        },
        file: 'manifests/dr/blue/two.yaml',
        line: 9,
        cluster: 'dr',
      },
    ]);
    expect(read.ignored).toEqual([
      `${join(dir, 'helm', 'alp')}: a Helm chart's sources (verify its rendered output: helm template … | alp verify -)`,
    ]);
    expect(verifyManifests(read.manifests, { today: TODAY }).counts.objects).toBe(2);
  });

  test('fails on invalid YAML with the file and line, and on a missing path', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\n---\nkind: [\n');
    expect(errorOf(() => readManifests(dir))).toBe(
      `${join(dir, 'bad.yaml')}:4:1: is not valid YAML: unexpected end of the stream within a flow collection; fix the syntax at that position`,
    );
    expect(errorOf(() => readManifests(join(dir, 'missing')))).toBe(`${join(dir, 'missing')}: no such file or directory`);
  });
});

describe('input bounds of alp verify |', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alp-bounds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The error `fn` throws: a one-line AlpError (the CLI prints it without a stack). */
  const userError = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e: any) {
      expect(AlpError.isAlpError(e)).toBe(true);
      expect(e.message).not.toContain('\n');
      return e.message;
    }
    throw new Error('expected an error, but none was thrown');
  };

  test('the limits are documented constants: 16 MiB per file, 1,000,000 values per file, 64 levels', () => {
    expect([MAX_MANIFEST_FILE_BYTES, MAX_MANIFEST_NODES, MAX_MANIFEST_DEPTH]).toEqual([16 * 1024 * 1024, 1_000_000, 64]);
  });

  test('a YAML alias bomb of a few hundred bytes is refused in milliseconds, naming the file and the limit', () => {
    // GIVEN 9 levels of 10 aliases each: 10^9 values from under 500 bytes
    const lines = ['a0: &a0 [x,x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${lines.join('\n')}\n`;
    expect(text.length).toBeLessThan(500);
    const file = join(dir, 'bomb.yaml');
    writeFileSync(file, text);
    // WHEN
    const start = process.hrtime.bigint();
    const message = userError(() => readManifests(dir));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // THEN
    expect(message).toBe(
      `${file}: expands to more than 1,000,000 values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases`,
    );
    expect(ms).toBeLessThan(1000);
  });

  test('many small documents share one budget: a file cannot add up past it document by document', () => {
    // GIVEN 20 documents of 100,000 values each (10^5 from 5 levels of aliases): each alone is under the limit
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 5; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const doc = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: part}\n${lines.join('\n')}\n`;
    expect(() => parseDocuments(doc, 'one.yaml')).not.toThrow();
    // THEN together they are refused
    expect(userError(() => parseDocuments(Array(20).fill(doc).join('---\n'), 'stdin'))).toBe(
      'stdin: expands to more than 1,000,000 values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases',
    );
  });

  test('a file over 16 MiB is refused before it is read, and so is standard input over it', () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, MAX_MANIFEST_FILE_BYTES + 1);
    expect(userError(() => readManifests(dir))).toBe(
      `${file}: is 16777217 bytes, over the limit of 16 MiB for this input; split it or check that it is the right file`,
    );
    expect(userError(() => parseDocuments(`# ${'x'.repeat(MAX_MANIFEST_FILE_BYTES)}\n`, 'stdin'))).toBe(
      'stdin: is 16777219 bytes, over the limit of 16 MiB for this input; split it or check that it is the right file',
    );
  });

  test('nesting deeper than 64 levels is refused with the path where it goes too deep', () => {
    writeFileSync(join(dir, 'deep.yaml'), `${'['.repeat(70)}${']'.repeat(70)}\n`);
    expect(userError(() => readManifests(dir))).toBe(
      `${join(dir, 'deep.yaml')}: '${'[0]'.repeat(64)}' nests deeper than 64 levels, over the input limit; flatten the structure`,
    );
  });

  test('a symbolic link loop, a link back to a directory already read and a dangling link are one-line errors naming the path', () => {
    // GIVEN a compliant file, and in turn each kind of broken link beside it
    writeFileSync(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: x}\n');
    symlinkSync('loop.yaml', join(dir, 'loop.yaml'));
    expect(userError(() => readManifests(dir))).toBe(
      `${join(dir, 'loop.yaml')}: cannot read the file (ELOOP: a loop of symbolic links); check that it exists and is readable`,
    );
    expect(userError(() => readManifests(join(dir, 'loop.yaml')))).toBe(
      `${join(dir, 'loop.yaml')}: cannot read the file (ELOOP: a loop of symbolic links); check that it exists and is readable`,
    );
    rmSync(join(dir, 'loop.yaml'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'back'));
    expect(userError(() => readManifests(dir))).toBe(
      `${join(dir, 'sub', 'back')}: leads to ${dir}, a directory already read (a loop of symbolic links, or a second path to it); remove the link or verify the directory itself`,
    );
    rmSync(join(dir, 'sub'), { recursive: true });
    symlinkSync('missing.yaml', join(dir, 'gone.yaml'));
    expect(userError(() => readManifests(dir))).toBe(
      `${join(dir, 'gone.yaml')}: cannot read the file (ENOENT); check that it exists and is readable`,
    );
    // AND a link to a file or directory elsewhere is followed
    rmSync(join(dir, 'gone.yaml'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'alp-linked-'));
    try {
      writeFileSync(join(elsewhere, 'linked.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: linked, namespace: x}\n');
      symlinkSync(elsewhere, join(dir, 'linked-dir'));
      expect(readManifests(dir).manifests.map((m) => m.file)).toEqual(['linked-dir/linked.yaml', 'ok.yaml']);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('an unreadable directory is a one-line error naming it', () => {
    // A directory that cannot be listed: a file in place of a directory the link claims to be is
    // not possible, so use permissions where they apply (not as root), else a directory removed under the reader.
    mkdirSync(join(dir, 'locked'));
    writeFileSync(join(dir, 'locked', 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n');
    if (process.getuid?.() === 0) {
      // Root reads anything: read a directory through a path whose parent is a file instead.
      writeFileSync(join(dir, 'file'), '');
      expect(userError(() => readManifests(join(dir, 'file', 'x.yaml')))).toBe(
        `${join(dir, 'file', 'x.yaml')}: cannot read the file (ENOTDIR); check that it exists and is readable`,
      );
    } else {
      require('node:fs').chmodSync(join(dir, 'locked'), 0o000);
      try {
        expect(userError(() => readManifests(dir))).toBe(
          `${join(dir, 'locked')}: cannot read the directory (EACCES); check that it exists and is readable`,
        );
      } finally {
        require('node:fs').chmodSync(join(dir, 'locked'), 0o755);
      }
    }
  });
});

describe('alp verify |', () => {
  let out: string;
  let err: string;
  beforeEach(() => {
    out = '';
    err = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      out += chunk;
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      err += chunk;
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  test('exits 0 on compliant manifests and 1 when an error remains, in every format', () => {
    expect(verifyCommand([join(CORPUS_DIR, 'compliant'), '--no-exceptions'])).toBe(0);
    expect(out).toBe(
      [
        `alp verify: 14 objects, ${POLICY_RULES.length} rules: 0 errors, 0 warnings (2 checks skipped)`,
        '',
        'No findings.',
        '',
        'Skipped checks:',
        '  - BLUEGREEN-PARITY: no object is labelled alp-deploy.io/color: blue or green',
        '  - ALERT-ROUTED: no AlertmanagerConfig in the manifests: alert routing is not part of the input',
        '',
      ].join('\n'),
    );
    out = '';
    expect(verifyCommand([join(BAD, 'privileged.yaml'), '--format', 'json', '--no-exceptions'])).toBe(1);
    const json = JSON.parse(out);
    expect(json.counts.errors).toBeGreaterThan(0);
    expect(json.findings.map((f: any) => f.ruleId)).toContain('PSS-BASELINE-PRIVILEGED');
    out = '';
    expect(verifyCommand([join(BAD, 'wildcard-role.yaml'), '--format=sarif', '--no-exceptions'])).toBe(1);
    expect(JSON.parse(out).runs[0].results.map((r: any) => r.ruleId)).toEqual(['RBAC-NO-WILDCARD', 'RBAC-NO-WILDCARD', 'RBAC-NO-WILDCARD']);
    expect(err).toBe('');
  });

  test('applies an exceptions file given with --exceptions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alp-verify-'));
    try {
      const file = join(dir, 'exceptions.yaml');
      writeFileSync(
        file,
        'exceptions:\n  - rule: RBAC-NO-WILDCARD\n    object: Role/corpus/wildcard\n    reason: break-glass role for incidents (PLAT-7)\n    expires: 2999-12-31\n',
      );
      expect(verifyCommand([join(BAD, 'wildcard-role.yaml'), '--exceptions', file])).toBe(0);
      expect(out).toContain(
        `  - applied RBAC-NO-WILDCARD Role/corpus/wildcard until 2999-12-31 (3 findings): break-glass role for incidents (PLAT-7)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reads the YAML on standard input for '-', as from helm template, and names it stdin", () => {
    // GIVEN
    const privileged = readFileSync(join(BAD, 'privileged.yaml'), 'utf8');
    // WHEN
    const code = verifyCommand(['-', '--no-exceptions', '--format', 'json'], undefined, () => privileged);
    // THEN
    expect(code).toBe(1);
    const findings = JSON.parse(out).findings.filter((f: any) => f.ruleId === 'PSS-BASELINE-PRIVILEGED');
    expect(findings.map((f: any) => [f.file, f.line])).toEqual([['stdin', 3]]); // the document starts after the file's comment
    expect(errorOf(() => verifyCommand(['-', '--no-exceptions'], undefined, () => '# nothing\n'))).toBe(
      'standard input: holds no manifests (.yaml, .yml or .json files with Kubernetes objects)',
    );
  });

  test('refuses bad usage with a clear message', () => {
    expect(errorOf(() => verifyCommand(['a', 'b']))).toBe("alp verify: takes one path, got 2 (a, b); run 'alp help' for the options");
    expect(errorOf(() => verifyCommand(['--format', 'xml']))).toBe(`alp verify: '--format' ("xml") must be one of text, json, sarif`);
    expect(errorOf(() => verifyCommand(['--exceptions', 'x.yaml', '--no-exceptions']))).toBe(
      "alp verify: '--exceptions' and '--no-exceptions' exclude each other; give one",
    );
    expect(errorOf(() => verifyCommand([join(CORPUS_DIR, 'missing'), '--no-exceptions']))).toBe(
      `${join(CORPUS_DIR, 'missing')}: no such file or directory`,
    );
    expect(errorOf(() => verifyCommand(['--verbose']))).toMatch(/^Unknown option '--verbose'/);
  });
});
