import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { EXCEPTION_RULES } from '../../lib/policy/exceptions';
import { formatJson, formatMarkdown, formatSarif, formatText } from '../../lib/policy/formats';
import { POLICY_RULES } from '../../lib/policy/rules';
import { readManifests, verifyManifests, VerifyReport } from '../../lib/policy/verify';
import { CORPUS_DIR, TODAY } from './corpus/fixtures';

/**
 * The SARIF 2.1.0 schema as Microsoft's SARIF SDK publishes it (`sarif-2.1.0-rtm.5.json`, shipped
 * in @microsoft/jest-sarif). It is written in JSON Schema draft-04, whose only difference from
 * draft-07 in this file is the name of its root `id` keyword (no boolean exclusiveMinimum or
 * other draft-04-only forms are used), so it is read as draft-07 with `id` renamed to `$id`. Its
 * pattern for `language` has a stray `]` that only unicode-mode regular expressions reject, and
 * draft-04 validators compile patterns without that mode: so does this one (`unicodeRegExp: false`).
 */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  expect(JSON.stringify(schema)).not.toMatch(/"exclusive(Minimum|Maximum)":\s*(true|false)/);
  const { id, $schema: _draft04, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: id, $schema: 'http://json-schema.org/draft-07/schema#' });
}

/** The bad corpus (every rule broken somewhere), with one exception applied and one unused. */
function corpusReport(): VerifyReport {
  return verifyManifests(readManifests(join(CORPUS_DIR, 'bad')).manifests, {
    today: TODAY,
    exceptions: [
      { rule: 'RBAC-NO-WILDCARD', object: 'Role/corpus/wildcard', reason: 'break-glass role (PLAT-7)', expires: '2026-12-31' },
      { rule: 'SECRET-NO-DATA', object: 'Secret/corpus/gone', reason: 'legacy import (PLAT-9)', expires: '2026-12-31' },
    ],
  });
}

describe('SARIF |', () => {
  const validate = sarifValidator();

  test('the log validates against the SARIF 2.1.0 schema', () => {
    // GIVEN
    const report = corpusReport();
    // WHEN
    const log = JSON.parse(formatSarif(report, { rootUri: 'file:///work/main/dist/', unrootedFiles: ['policy-exceptions.yaml'] }));
    // THEN
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('the validator rejects what the schema forbids', () => {
    const log = JSON.parse(formatSarif(corpusReport()));
    log.runs[0].results[0].level = 'fatal';
    delete log.runs[0].tool.driver.name;
    expect(validate(log)).toBe(false);
    expect((validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)).toEqual(
      expect.arrayContaining([
        "/runs/0/tool/driver must have required property 'name'",
        '/runs/0/results/0/level must be equal to one of the allowed values',
      ]),
    );
  });

  test('lists every rule with help text, and each finding as a result with a location relative to the scanned root', () => {
    // GIVEN
    const report = corpusReport();
    // WHEN
    const log = JSON.parse(
      formatSarif(report, { rootUri: 'file:///work/main/test/policy/corpus/bad/', unrootedFiles: ['policy-exceptions.yaml'] }),
    );
    const run = log.runs[0];
    // THEN
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver.name).toBe('alp-verify');
    expect(run.tool.driver.rules.map((r: any) => r.id)).toEqual(report.rules.map((r) => r.id));
    expect(run.tool.driver.rules.find((r: any) => r.id === 'PSS-BASELINE-PRIVILEGED')).toEqual({
      id: 'PSS-BASELINE-PRIVILEGED',
      name: 'PssBaselinePrivileged',
      shortDescription: { text: 'Containers are not privileged' },
      fullDescription: { text: 'A privileged container has every capability and the host devices: it can take over the node.' },
      help: {
        text: 'Remove \'securityContext.privileged\' or set it to false; add only the capability the container needs. Source: Pod Security Standards (baseline), control "Privileged Containers".',
        markdown:
          '**Fix:** Remove \'securityContext.privileged\' or set it to false; add only the capability the container needs.\n\n**Why:** A privileged container has every capability and the host devices: it can take over the node.\n\n**Source:** Pod Security Standards (baseline), control "Privileged Containers"',
      },
      helpUri: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['kubernetes', 'pss'], source: 'Pod Security Standards (baseline), control "Privileged Containers"' },
    });
    expect(run.originalUriBaseIds).toEqual({ SCANROOT: { uri: 'file:///work/main/test/policy/corpus/bad/' } });
    const privileged = run.results.find((r: any) => r.ruleId === 'PSS-BASELINE-PRIVILEGED');
    expect(privileged).toEqual({
      ruleId: 'PSS-BASELINE-PRIVILEGED',
      ruleIndex: report.rules.findIndex((r) => r.id === 'PSS-BASELINE-PRIVILEGED'),
      level: 'error',
      message: {
        text: "Deployment/corpus/privileged: 'spec.template.spec.containers[0].securityContext.privileged' (true) must be false; a privileged container has all capabilities and access to host devices; add only the capability it needs",
      },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'privileged.yaml', uriBaseId: 'SCANROOT' }, region: { startLine: 3 } },
          logicalLocations: [{ fullyQualifiedName: 'Deployment/corpus/privileged', kind: 'object' }],
        },
      ],
      properties: { path: 'spec.template.spec.containers[0].securityContext.privileged' },
    });
    const unused = run.results.find((r: any) => r.ruleId === 'POLICY-EXCEPTION-UNUSED');
    expect(unused.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'policy-exceptions.yaml' });
    const suppressed = run.results.filter((r: any) => r.suppressions);
    expect(suppressed.map((r: any) => [r.ruleId, r.suppressions])).toEqual(
      [1, 2, 3].map(() => [
        'RBAC-NO-WILDCARD',
        [{ kind: 'external', status: 'accepted', justification: 'break-glass role (PLAT-7) (policy exception until 2026-12-31)' }],
      ]),
    );
    expect(run.results.length).toBe(report.findings.length + report.suppressed.length);
  });
});

describe('text, JSON and Markdown |', () => {
  /** Every rule runs: the counts follow the registry. */
  const RULES = POLICY_RULES.length;
  const report = () =>
    verifyManifests(readManifests(join(CORPUS_DIR, 'bad', 'wildcard-role.yaml')).manifests, {
      today: TODAY,
      exceptions: [{ rule: 'RBAC-NO-ESCALATION', object: 'Role/corpus/wildcard', reason: 'none needed', expires: '2026-12-31' }],
    });

  test('text groups findings by rule, with why, where and how to fix, then skipped checks and exceptions', () => {
    expect(formatText(report())).toBe(
      [
        `alp verify: 1 object, ${RULES} rules: 4 errors, 0 warnings (4 checks skipped)`,
        '',
        'ERROR POLICY-EXCEPTION-UNUSED: Policy exceptions are in use (1)',
        '  why: An exception that matches no finding would silently allow the next violation of the object. [Platform rule (policy exceptions are reviewed and dated)]',
        '  - policy-exceptions.yaml: exceptions[0] (RBAC-NO-ESCALATION for Role/corpus/wildcard) matches no finding (the object does not break RBAC-NO-ESCALATION); remove it',
        '    at policy-exceptions.yaml',
        '  fix: Remove the exception from policy-exceptions.yaml.',
        '',
        "ERROR RBAC-NO-WILDCARD: Roles do not use the wildcard '*' (3)",
        "  why: A '*' grants every current and future API group, resource, verb or object, including ones added after review. [CIS Kubernetes Benchmark 5.1.3]",
        "  - Role/corpus/wildcard: 'rules[0].apiGroups[0]' (\"*\") must not contain the wildcard '*'; list the apiGroups explicitly",
        '    at wildcard-role.yaml:5',
        "  - Role/corpus/wildcard: 'rules[0].resources[0]' (\"*\") must not contain the wildcard '*'; list the resources explicitly",
        '    at wildcard-role.yaml:5',
        "  - Role/corpus/wildcard: 'rules[0].verbs[0]' (\"*\") must not contain the wildcard '*'; list the verbs explicitly",
        '    at wildcard-role.yaml:5',
        '  fix: List the API groups, resources and verbs the subject needs.',
        '',
        'Skipped checks:',
        '  - BLUEGREEN-PARITY: no object is labelled alp-deploy.io/color: blue or green',
        '  - COMPLETE-SERVICEMONITOR: no ServiceMonitor in the manifests: monitoring is not built yet',
        '  - COMPLETE-SLO-RULES: no PrometheusRule in the manifests: SLO alerting is not built yet',
        '  - COMPLETE-DASHBOARD: no ConfigMap labelled grafana_dashboard in the manifests: dashboards are not built yet',
        '',
        'Exceptions:',
        '  - unused RBAC-NO-ESCALATION Role/corpus/wildcard until 2026-12-31 (0 findings): none needed',
        '',
      ].join('\n'),
    );
  });

  test('JSON carries counts, findings, exceptions, skipped checks and rules', () => {
    const json = JSON.parse(formatJson(report()));
    expect(Object.keys(json)).toEqual(['tool', 'version', 'counts', 'findings', 'suppressed', 'exceptions', 'skipped', 'rules']);
    expect(json.counts).toEqual({ objects: 1, rules: RULES, errors: 4, warnings: 0, suppressed: 0, skipped: 4 });
    expect(json.findings[1]).toEqual({
      ruleId: 'RBAC-NO-WILDCARD',
      severity: 'error',
      object: 'Role/corpus/wildcard',
      path: 'rules[0].apiGroups[0]',
      file: 'wildcard-role.yaml',
      line: 5,
      message: "Role/corpus/wildcard: 'rules[0].apiGroups[0]' (\"*\") must not contain the wildcard '*'; list the apiGroups explicitly",
    });
    expect(json.rules).toHaveLength(RULES + EXCEPTION_RULES.length);
  });

  test('Markdown lists every rule with its result, the findings and the exceptions', () => {
    const markdown = formatMarkdown(report());
    expect(
      markdown.startsWith(
        `# Policy\n\nEvery object checked against its schema and the policy rules (alp-verify 1.0.0): 1 object, ${RULES} rules: 4 errors, 0 warnings (4 checks skipped).\n`,
      ),
    ).toBe(true);
    expect(markdown).toContain(
      "| `RBAC-NO-WILDCARD` | error | Roles do not use the wildcard '*' | CIS Kubernetes Benchmark 5.1.3 | 3 errors |\n",
    );
    expect(markdown).toContain(
      '| `PSS-BASELINE-PRIVILEGED` | error | Containers are not privileged | Pod Security Standards (baseline), control "Privileged Containers" | pass |\n',
    );
    expect(markdown).toContain(
      '| `COMPLETE-DASHBOARD` | error | Every service has a Grafana dashboard | Platform rule (production deployment guide: dashboards for every service) | skipped: no ConfigMap labelled grafana_dashboard in the manifests: dashboards are not built yet |\n',
    );
    expect(markdown).toContain(
      "- **error** `RBAC-NO-WILDCARD` Role/corpus/wildcard: 'rules[0].verbs[0]' (\"*\") must not contain the wildcard '*'; list the verbs explicitly (`wildcard-role.yaml:5`)\n",
    );
    expect(markdown.endsWith('| `RBAC-NO-ESCALATION` | `Role/corpus/wildcard` | 2026-12-31 | unused | 0 | none needed |\n')).toBe(true);
  });
});
