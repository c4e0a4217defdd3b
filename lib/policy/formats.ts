/**
 * Renderings of a verification report: text for terminals, JSON for scripts, SARIF 2.1.0 for
 * code-scanning tools, and Markdown for `dist/reports/policy.md`.
 */
import { ExceptionStatus } from './exceptions';
import { Finding, RuleInfo } from './findings';
import { VerifyReport } from './verify';

/** The formats `alp verify --format` accepts. */
export const REPORT_FORMATS = ['text', 'json', 'sarif'] as const;

/** One of `REPORT_FORMATS`. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The tool's name in SARIF and reports. */
export const TOOL_NAME = 'alp-verify';

/** The version of the rules, bumped when rules change meaning; SARIF `tool.driver.version`. */
export const RULES_VERSION = '1.0.0';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** One line: objects, rules, errors, warnings, and what was excepted or skipped. */
export function summaryLine(report: VerifyReport): string {
  const { objects, rules, errors, warnings, suppressed, skipped } = report.counts;
  const extra = [
    suppressed > 0 ? `${plural(suppressed, 'finding')} excepted` : '',
    skipped > 0 ? `${plural(skipped, 'check')} skipped` : '',
  ].filter(Boolean);
  return `${plural(objects, 'object')}, ${plural(rules, 'rule')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

function location(finding: Finding): string {
  if (finding.file === undefined) return '';
  return finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;
}

/** Findings grouped by rule, in the report's order (errors first). */
function byRule(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!groups.has(f.ruleId)) groups.set(f.ruleId, []);
    groups.get(f.ruleId)!.push(f);
  }
  return groups;
}

function exceptionLine(status: ExceptionStatus): string {
  const { exception, matched } = status;
  return `${status.status} ${exception.rule} ${exception.object} until ${exception.expires} (${plural(matched, 'finding')}): ${exception.reason}`;
}

/**
 * Text for a terminal: a summary line, then each broken rule with its findings, its source and
 * its fix, then skipped checks and exceptions.
 */
export function formatText(report: VerifyReport): string {
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  const lines = [`alp verify: ${summaryLine(report)}`];
  for (const [ruleId, findings] of byRule(report.findings)) {
    const rule = rules.get(ruleId);
    lines.push('', `${findings[0].severity.toUpperCase()} ${ruleId}: ${rule?.title ?? ''} (${findings.length})`);
    if (rule) lines.push(`  why: ${rule.rationale} [${rule.source}]`);
    for (const f of findings) {
      lines.push(`  - ${f.message}`);
      if (f.file !== undefined) lines.push(`    at ${location(f)}`);
    }
    if (rule) lines.push(`  fix: ${rule.fix}`);
  }
  if (report.findings.length === 0) lines.push('', 'No findings.');
  if (report.skipped.length > 0) {
    lines.push('', 'Skipped checks:');
    for (const s of report.skipped) lines.push(`  - ${s.ruleId}: ${s.reason}`);
  }
  if (report.exceptions.length > 0) {
    lines.push('', 'Exceptions:');
    for (const status of report.exceptions) lines.push(`  - ${exceptionLine(status)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The report as JSON (2-space indented): counts, findings, suppressed findings, exceptions, skipped checks and rules. */
export function formatJson(report: VerifyReport): string {
  const { counts, findings, suppressed, exceptions, skipped, rules } = report;
  return `${JSON.stringify({ tool: TOOL_NAME, version: RULES_VERSION, counts, findings, suppressed, exceptions, skipped, rules }, null, 2)}\n`;
}

export interface SarifOptions {
  /**
   * The absolute URI of the scanned root directory, ending in `/` (e.g. `file:///work/main/dist/`);
   * file locations are relative to it through `uriBaseId: SCANROOT`.
   * @default - not stated: consumers resolve SCANROOT themselves
   */
  readonly rootUri?: string;
  /**
   * Files not relative to the scanned root (the exceptions file): their URIs stay as they are.
   * @default - none
   */
  readonly unrootedFiles?: readonly string[];
}

/** The `uriBaseId` of files relative to the scanned root. */
export const SARIF_ROOT_ID = 'SCANROOT';

/**
 * A SARIF 2.1.0 log with one run: every rule in `tool.driver.rules` (with help text), a result per
 * finding, and excepted findings as results with an external suppression.
 *
 * @see https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
export function formatSarif(report: VerifyReport, options: SarifOptions = {}): string {
  const ruleIndex = new Map(report.rules.map((r, i) => [r.id, i]));
  const unrooted = new Set(options.unrootedFiles ?? []);
  const result = (finding: Finding, suppression?: { reason: string }) => ({
    ruleId: finding.ruleId,
    ...(ruleIndex.has(finding.ruleId) ? { ruleIndex: ruleIndex.get(finding.ruleId) } : {}),
    level: finding.severity,
    message: { text: finding.message },
    locations: [
      {
        ...(finding.file !== undefined
          ? {
              physicalLocation: {
                artifactLocation: { uri: encodeUri(finding.file), ...(unrooted.has(finding.file) ? {} : { uriBaseId: SARIF_ROOT_ID }) },
                region: { startLine: finding.line ?? 1 },
              },
            }
          : {}),
        logicalLocations: [{ fullyQualifiedName: finding.object, kind: 'object' }],
      },
    ],
    ...(finding.path !== undefined ? { properties: { path: finding.path } } : {}),
    ...(suppression ? { suppressions: [{ kind: 'external', status: 'accepted', justification: suppression.reason }] } : {}),
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: RULES_VERSION,
            rules: report.rules.map(sarifRule),
          },
        },
        ...(options.rootUri !== undefined ? { originalUriBaseIds: { [SARIF_ROOT_ID]: { uri: options.rootUri } } } : {}),
        results: [
          ...report.findings.map((f) => result(f)),
          ...report.suppressed.map((s) =>
            result(s.finding, { reason: `${s.exception.reason} (policy exception until ${s.exception.expires})` }),
          ),
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifRule(rule: RuleInfo) {
  return {
    id: rule.id,
    name: rule.id
      .toLowerCase()
      .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
      .replace(/^[a-z]/, (c) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.rationale },
    help: {
      text: `${rule.fix} Source: ${rule.source}.`,
      markdown: `**Fix:** ${rule.fix}\n\n**Why:** ${rule.rationale}\n\n**Source:** ${rule.source}`,
    },
    ...(rule.helpUri !== undefined ? { helpUri: rule.helpUri } : {}),
    defaultConfiguration: { level: rule.severity },
    properties: { tags: ['kubernetes', rule.id.split('-')[0].toLowerCase()], source: rule.source },
  };
}

/** A relative path as a URI reference: each segment percent-encoded, `/` kept. */
function encodeUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Markdown for `dist/reports/policy.md`: the summary, every rule with its result, the findings,
 * and the exceptions. Deterministic for the same report.
 */
export function formatMarkdown(report: VerifyReport): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  const excepted = new Map<string, number>();
  for (const s of report.suppressed) excepted.set(s.finding.ruleId, (excepted.get(s.finding.ruleId) ?? 0) + 1);
  const skipped = new Map(report.skipped.map((s) => [s.ruleId, s.reason]));
  const result = (rule: RuleInfo) => {
    if (skipped.has(rule.id)) return `skipped: ${skipped.get(rule.id)}`;
    const n = counts.get(rule.id) ?? 0;
    const e = excepted.get(rule.id) ?? 0;
    const base = n === 0 ? 'pass' : `${plural(n, rule.severity)}`;
    return e > 0 ? `${base} (${e} excepted)` : base;
  };
  const lines = [
    '# Policy',
    '',
    `Every object checked against its schema and the policy rules (${TOOL_NAME} ${RULES_VERSION}): ${summaryLine(report)}.`,
    '',
    '## Rules',
    '',
    '| Rule | Severity | What must hold | Source | Result |',
    '|---|---|---|---|---|',
    ...report.rules.map((r) => `| \`${r.id}\` | ${r.severity} | ${cell(r.title)} | ${cell(r.source)} | ${cell(result(r))} |`),
    '',
    '## Findings',
    '',
    ...(report.findings.length === 0
      ? ['None.']
      : report.findings.map((f) => `- **${f.severity}** \`${f.ruleId}\` ${f.message}${f.file ? ` (\`${location(f)}\`)` : ''}`)),
    '',
    '## Exceptions',
    '',
    ...(report.exceptions.length === 0
      ? ['None.']
      : [
          '| Rule | Object | Until | Status | Findings | Reason |',
          '|---|---|---|---|---|---|',
          ...report.exceptions.map(
            ({ exception: e, status, matched }) =>
              `| \`${e.rule}\` | \`${e.object}\` | ${e.expires} | ${status} | ${matched} | ${cell(e.reason)} |`,
          ),
        ]),
  ];
  return `${lines.join('\n')}\n`;
}
