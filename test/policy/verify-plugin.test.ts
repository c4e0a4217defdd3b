import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POLICY_RULES } from '../../lib/policy/rules';
import { AlpPolicyValidation } from '../../lib/policy/validation-plugin';
import { CORPUS_DIR, TODAY } from './corpus/fixtures';

// The cdk8s CLI's own context and report classes (its package exports `./plugins`).
const { ValidationContext } = require('cdk8s-cli/plugins');

/** Every rule runs: the counts follow the registry. */
const RULES = POLICY_RULES.length;

describe('cdk8s validation plugin |', () => {
  let outdir: string;
  beforeEach(() => {
    // An output tree as `cdk8s synth` leaves it: manifests/<region>/<component>/… and the construct metadata.
    outdir = mkdtempSync(join(tmpdir(), 'alp-plugin-'));
    mkdirSync(join(outdir, 'manifests', 'primary', 'shop'), { recursive: true });
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  const run = async (files: string[], metadata: Record<string, { path: string }> = {}) => {
    const context = new ValidationContext(files, 'alp-verify', '0.1.0', metadata, false);
    // The corpus needs no exception: an empty file, not the repository's (whose entries would be unused here).
    const exceptions = join(outdir, 'policy-exceptions.yaml');
    writeFileSync(exceptions, 'exceptions: []\n');
    await new AlpPolicyValidation({ today: TODAY, exceptions }).validate(context);
    return context.report.toJson();
  };

  test('passes on compliant manifests and says what it skipped', async () => {
    const file = join(outdir, 'manifests', 'primary', 'shop', 'shop.yaml');
    copyFileSync(join(CORPUS_DIR, 'compliant', 'shop.yaml'), file);
    const report = await run([file]);
    expect(report.summary).toEqual({
      status: 'success',
      plugin: 'alp-verify',
      version: '0.1.0',
      metadata: {
        summary: `14 objects, ${RULES} rules: 0 errors, 0 warnings (2 checks skipped)`,
        'skipped BLUEGREEN-PARITY': 'no object is labelled alp-deploy.io/color: blue or green',
        'skipped ALERT-ROUTED': 'no AlertmanagerConfig in the manifests: alert routing is not part of the input',
      },
    });
    expect(report.violations).toEqual([]);
  });

  test("leaves out the Helm charts' sources that cdk8s hands over with the manifests, and says so", async () => {
    // GIVEN a compliant manifest and a chart whose template is a Go template, not YAML
    const file = join(outdir, 'manifests', 'primary', 'shop', 'shop.yaml');
    copyFileSync(join(CORPUS_DIR, 'compliant', 'shop.yaml'), file);
    const chart = join(outdir, 'helm', 'alp-primary');
    mkdirSync(join(chart, 'templates', 'shop'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: alp-primary\nversion: 0.1.0\n');
    const template = join(chart, 'templates', 'shop', 'deployment-api.yaml');
    writeFileSync(template, '{{- if .Values.monitoring.enabled }}\nkind: Deployment\n{{- end }}\n');
    // WHEN
    const report = await run([file, join(chart, 'Chart.yaml'), template]);
    // THEN
    expect(report.summary.status).toBe('success');
    expect(report.summary.metadata.summary).toBe(`14 objects, ${RULES} rules: 0 errors, 0 warnings (2 checks skipped)`);
    expect(report.summary.metadata['not verified']).toBe(
      "2 file(s) of Helm charts' sources; verify their rendered output (helm template … | alp verify -)",
    );
  });

  test('fails on an error and reports each violation with its rule, fix, file and construct path', async () => {
    // GIVEN
    const file = join(outdir, 'manifests', 'primary', 'shop', 'role-wildcard.yaml');
    copyFileSync(join(CORPUS_DIR, 'bad', 'wildcard-role.yaml'), file);
    writeFileSync(join(outdir, 'construct-metadata.json'), '{"version":"1.0.0","resources":{}}');
    // WHEN (cdk8s reads construct-metadata.json into `metadata`, keyed by resource name)
    const report = await run([file], { 'manifests/primary/shop/role-wildcard.yaml': { path: 'ShopPrimary/Wildcard/Resource' } });
    // THEN
    expect(report.summary.status).toBe('failure');
    expect(report.summary.metadata.summary).toBe(`1 object, ${RULES} rules: 3 errors, 0 warnings (4 checks skipped)`);
    expect(report.violations).toEqual([
      {
        ruleName: "RBAC-NO-WILDCARD: Roles do not use the wildcard '*'",
        recommendation:
          "A '*' grants every current and future API group, resource, verb or object, including ones added after review. (CIS Kubernetes Benchmark 5.1.3)",
        fix: 'List the API groups, resources and verbs the subject needs.',
        violatingConstructs: ['apiGroups', 'resources', 'verbs'].map((field) => ({
          resourceName: 'manifests/primary/shop/role-wildcard.yaml',
          manifestPath: file,
          constructPath: 'ShopPrimary/Wildcard/Resource',
          locations: [`Role/corpus/wildcard: 'rules[0].${field}[0]' ("*") must not contain the wildcard '*'; list the ${field} explicitly`],
        })),
      },
    ]);
  });

  test('lists warnings without failing, and names objects of multi-object files by position', async () => {
    // GIVEN the shop in one file, its Deployment (5th object) with an unknown priority class (a warning); no construct metadata
    const file = join(outdir, 'manifests', 'primary', 'shop', 'all.yaml');
    const shop = readFileSync(join(CORPUS_DIR, 'compliant', 'shop.yaml'), 'utf8');
    writeFileSync(file, shop.replace('priorityClassName: standard', 'priorityClassName: gold'));
    // WHEN
    const report = await run([file]);
    // THEN
    expect(report.summary.status).toBe('success');
    expect(report.violations.map((v: any) => [v.ruleName, v.violatingConstructs.map((c: any) => c.resourceName)])).toEqual([
      ['[warning] WORKLOAD-PRIORITY-CLASS: Pods name an existing priority class', ['all.yaml#5']],
    ]);
  });

  test('the loader that cdk8s.yaml names exports the plugin class', () => {
    const loaded = require('../../plugins/alp-verify');
    expect(typeof loaded.AlpPolicyValidation).toBe('function');
    expect(typeof new loaded.AlpPolicyValidation({}).validate).toBe('function');
  });
});
