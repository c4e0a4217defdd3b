import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { synthesize } from '../../lib';
import { verifyCommand } from '../../lib/cli/verify-command';
import { parseExceptions, readExceptions } from '../../lib/policy/exceptions';
import { POLICY_RULES } from '../../lib/policy/rules';
import { exceptableRuleIds, readManifests, verificationError, verifyManifests } from '../../lib/policy/verify';
import { errorOf, REPO_ROOT } from '../helpers/manifests';
import { compliantShop, CORPUS_DIR, messagesOf, object, TODAY, verify } from './corpus/fixtures';

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
  const files = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();

  test('has a file for each kind of mistake the issue names', () => {
    expect(files).toEqual(expect.arrayContaining([
      'privileged.yaml', 'root-user.yaml', 'host-path.yaml', 'latest-tag.yaml', 'wildcard-role.yaml',
      'allow-all-networkpolicy.yaml', 'secret-with-data.yaml', 'missing-limits.yaml', 'pdb-blocking-drains.yaml',
    ]));
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
  test('a fresh synth breaks no rule but the log shipper\'s excepted one; only the tag-pinned monitoring images warn', () => {
    // GIVEN
    const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
    const exceptions = readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), RULE_IDS);
    // WHEN
    const report = verifyManifests(output.objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.region })), { exceptions, today: TODAY });
    // THEN
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // The collector's, Fluent Bit's, the restore drill's and Redis's upstream images are pinned by
    // tag (as the spec accepts) until their digests are recorded.
    expect([...new Set(report.findings.map((f) => `${f.ruleId} ${f.object}`))].sort()).toEqual([
      'WORKLOAD-IMAGE-DIGEST CronJob/alp-data/restore-drill',
      'WORKLOAD-IMAGE-DIGEST DaemonSet/alp-logging/fluent-bit',
      'WORKLOAD-IMAGE-DIGEST Deployment/alp-monitoring/otel-collector',
      'WORKLOAD-IMAGE-DIGEST StatefulSet/alp-data/redis',
    ]);
    expect(report.exceptions.map((e) => [e.exception.rule, e.exception.object, e.status])).toEqual([
      ['PSS-BASELINE-HOST-PATH', 'DaemonSet/alp-logging/fluent-bit', 'applied'],
      // Redis has no metrics exporter yet (policy-exceptions.yaml).
      ['COMPLETE-SERVICEMONITOR', 'StatefulSet/alp-data/redis', 'applied'],
      ['COMPLETE-DASHBOARD', 'StatefulSet/alp-data/redis', 'applied'],
      ['COMPLETE-SLO-RULES', 'StatefulSet/alp-data/redis', 'applied'],
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
  const exception = (overrides: object = {}) => ({ rule: 'PSS-BASELINE-HOST-NAMESPACES', object: 'Deployment/shop/api', reason: 'node exporter needs host PIDs (PLAT-42)', expires: '2026-03-01', ...overrides });

  test('an exception suppresses the findings of its rule and object until its expiry date, inclusive', () => {
    // WHEN
    const report = verify(broken(), { exceptions: [exception()] });
    // THEN
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((s) => s.finding.ruleId)).toEqual(['PSS-BASELINE-HOST-NAMESPACES']);
    expect(report.exceptions).toEqual([{ exception: exception(), status: 'applied', matched: 1 }]);
    expect(report.counts).toEqual({ objects: 14, rules: 44, errors: 0, warnings: 0, suppressed: 1, skipped: 1 });
  });

  test('fails on an expired exception, and the finding it covered comes back', () => {
    const report = verify(broken(), { exceptions: [exception({ expires: '2026-02-28' })] });
    expect(report.findings.map((f) => `${f.ruleId} ${f.message}`)).toEqual([
      "POLICY-EXCEPTION-EXPIRED policy-exceptions.yaml: exceptions[0] (PSS-BASELINE-HOST-NAMESPACES for Deployment/shop/api) expired on 2026-02-28; fix the finding and remove the exception, or renew it with a current reason and date",
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
    expect(verificationError(report)!.message).toBe([
      'policy verification failed (2 errors); nothing was written',
      `  - POLICY-EXCEPTION-UNUSED: ${report.findings[0].message}`,
      `  - POLICY-EXCEPTION-UNUSED: ${report.findings[1].message}`,
    ].join('\n'));
  });

  test('the file is validated with a precise message per problem', () => {
    const message = errorOf(() => parseExceptions({
      exceptions: [
        { rule: 'pss', object: 'api', reason: ' ', expires: '2026-02-30' },
        { rule: 'NO-SUCH-RULE', object: 'Deployment/shop/api', reason: 'r', expires: '2026-01-01', expiry: 'x' },
      ],
    }, 'policy-exceptions.yaml', RULE_IDS));
    expect(message).toBe([
      'invalid policy exceptions in policy-exceptions.yaml (6 problems)',
      `  - policy-exceptions.yaml: 'exceptions[0].rule' ("pss") must be a rule id such as 'NET-NO-ALLOW-ALL'`,
      `  - policy-exceptions.yaml: 'exceptions[0].object' ("api") must name an object as '<kind>/<namespace>/<name>' or '<kind>/<name>'`,
      `  - policy-exceptions.yaml: 'exceptions[0].reason' (" ") must explain why the object may break the rule`,
      `  - policy-exceptions.yaml: 'exceptions[0].expires' ("2026-02-30") must be a date written YYYY-MM-DD`,
      `  - policy-exceptions.yaml: 'exceptions[1].expiry' ("x") is not a known field; did you mean 'expires'?`,
      "  - policy-exceptions.yaml: 'exceptions[1].rule' (\"NO-SUCH-RULE\") must be the id of a rule that can be excepted; run `alp verify --format json` to see the rules",
    ].join('\n'));
  });

  test('unknown rule ids and repeated exceptions are refused', () => {
    expect(errorOf(() => parseExceptions({ exceptions: [exception({ rule: 'NO-SUCH-RULE' }), exception(), exception()] }, 'x.yaml', RULE_IDS))).toBe([
      'invalid policy exceptions in x.yaml (2 problems)',
      "  - x.yaml: 'exceptions[0].rule' (\"NO-SUCH-RULE\") must be the id of a rule that can be excepted; run `alp verify --format json` to see the rules",
      "  - x.yaml: 'exceptions[2]' (\"PSS-BASELINE-HOST-NAMESPACES Deployment/shop/api\") must not repeat exceptions[1]; keep one exception per rule and object",
    ].join('\n'));
  });

  test('the YAML file keeps dates as written, and the checked-in file is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alp-exceptions-'));
    try {
      const file = join(dir, 'policy-exceptions.yaml');
      writeFileSync(file, 'exceptions:\n  - rule: PSS-BASELINE-HOST-NAMESPACES\n    object: Deployment/shop/api\n    reason: node exporter\n    expires: 2026-03-01\n');
      expect(readExceptions(file, RULE_IDS)).toEqual([{ rule: 'PSS-BASELINE-HOST-NAMESPACES', object: 'Deployment/shop/api', reason: 'node exporter', expires: '2026-03-01' }]);
      writeFileSync(file, 'exceptions: [\n');
      expect(errorOf(() => readExceptions(file, RULE_IDS))).toBe(`${file}: is not valid YAML: unexpected end of the stream within a flow collection (line 2, column 1)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(readExceptions(join(REPO_ROOT, 'policy-exceptions.yaml'), RULE_IDS).map((e) => `${e.rule} ${e.object} until ${e.expires}`)).toEqual([
      'PSS-BASELINE-HOST-PATH DaemonSet/alp-logging/fluent-bit until 2027-05-31',
      // Redis has no metrics exporter yet.
      'COMPLETE-SERVICEMONITOR StatefulSet/alp-data/redis until 2027-03-31',
      'COMPLETE-DASHBOARD StatefulSet/alp-data/redis until 2027-03-31',
      'COMPLETE-SLO-RULES StatefulSet/alp-data/redis until 2027-03-31',
    ]);
  });
});

describe('reading manifests |', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'alp-read-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('reads multi-document files and Lists with their lines, leaves out Helm chart sources, and finds the cluster of the GitOps layout', () => {
    // GIVEN
    mkdirSync(join(dir, 'manifests', 'dr', 'blue'), { recursive: true });
    mkdirSync(join(dir, 'helm', 'alp', 'templates'), { recursive: true });
    writeFileSync(join(dir, 'manifests', 'dr', 'blue', 'two.yaml'), '# two objects\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\n\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b, namespace: x, annotations: {since: 2026-01-01}}}\n');
    writeFileSync(join(dir, 'manifests', 'notes.md'), '# not a manifest');
    writeFileSync(join(dir, 'helm', 'alp', 'Chart.yaml'), 'apiVersion: v2\nname: alp\n');
    writeFileSync(join(dir, 'helm', 'alp', 'templates', 'd.yaml'), 'metadata: {{ .Values.x }}\n');
    // WHEN
    const read = readManifests(dir);
    // THEN
    expect(read.manifests).toEqual([
      { manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } }, file: 'manifests/dr/blue/two.yaml', line: 3, cluster: 'dr' },
      { manifest: { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'x', annotations: { since: '2026-01-01' } } }] }, file: 'manifests/dr/blue/two.yaml', line: 9, cluster: 'dr' },
    ]);
    expect(read.ignored).toEqual([`${join(dir, 'helm', 'alp')}: a Helm chart's sources (verify its rendered output: helm template … | alp verify -)`]);
    expect(verifyManifests(read.manifests, { today: TODAY }).counts.objects).toBe(2);
  });

  test('fails on invalid YAML with the file and line, and on a missing path', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\n---\nkind: [\n');
    expect(errorOf(() => readManifests(dir))).toBe(`${join(dir, 'bad.yaml')}: is not valid YAML: unexpected end of the stream within a flow collection (line 4, column 1)`);
    expect(errorOf(() => readManifests(join(dir, 'missing')))).toBe(`${join(dir, 'missing')}: no such file or directory`);
  });
});

describe('alp verify |', () => {
  let out: string;
  let err: string;
  beforeEach(() => {
    out = '';
    err = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => { out += chunk; return true; });
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { err += chunk; return true; });
  });
  afterEach(() => jest.restoreAllMocks());

  test('exits 0 on compliant manifests and 1 when an error remains, in every format', () => {
    expect(verifyCommand([join(CORPUS_DIR, 'compliant'), '--no-exceptions'])).toBe(0);
    expect(out).toBe([
      'alp verify: 14 objects, 44 rules: 0 errors, 0 warnings (1 check skipped)',
      '',
      'No findings.',
      '',
      'Skipped checks:',
      '  - BLUEGREEN-PARITY: no object is labelled alp-deploy.io/color: blue or green',
      '',
    ].join('\n'));
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
      writeFileSync(file, 'exceptions:\n  - rule: RBAC-NO-WILDCARD\n    object: Role/corpus/wildcard\n    reason: break-glass role for incidents (PLAT-7)\n    expires: 2999-12-31\n');
      expect(verifyCommand([join(BAD, 'wildcard-role.yaml'), '--exceptions', file])).toBe(0);
      expect(out).toContain(`  - applied RBAC-NO-WILDCARD Role/corpus/wildcard until 2999-12-31 (3 findings): break-glass role for incidents (PLAT-7)\n`);
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
    expect(errorOf(() => verifyCommand(['--exceptions', 'x.yaml', '--no-exceptions']))).toBe("alp verify: '--exceptions' and '--no-exceptions' exclude each other; give one");
    expect(errorOf(() => verifyCommand([join(CORPUS_DIR, 'missing'), '--no-exceptions']))).toBe(`${join(CORPUS_DIR, 'missing')}: no such file or directory`);
    expect(errorOf(() => verifyCommand(['--verbose']))).toMatch(/^Unknown option '--verbose'/);
  });
});

describe('verification cost |', () => {
  test('is linear: 20 times the objects take far less than 400 times as long', () => {
    // GIVEN copies of the shop in many namespaces (every relation is looked up through an index)
    const copies = (n: number): any[] => Array.from({ length: n }, (_, i) => JSON.parse(JSON.stringify(compliantShop()).replace(/"shop"/g, `"shop-${i}"`))).flat();
    const rules = POLICY_RULES.filter((r) => !r.id.startsWith('SCHEMA'));
    const time = (manifests: any[]) => {
      const start = process.hrtime.bigint();
      verify(manifests, { rules });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const small = copies(10);
    const large = copies(200);
    time(small);
    // WHEN
    const smallMs = Math.min(time(small), time(small));
    const largeMs = time(large);
    // THEN
    expect(largeMs / Math.max(smallMs, 0.5)).toBeLessThan(100);
  });
});
