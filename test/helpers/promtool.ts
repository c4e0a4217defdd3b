/**
 * Alerting rules tested with the real `promtool test rules` (Debian's `prometheus` package).
 *
 * ```ts
 * import { describePromtool, runPromtoolTests, ruleGroupsOf } from './promtool';
 *
 * describePromtool('backup-age alerts', () => {
 *   test('fires after the headroom', () => {
 *     const result = runPromtoolTests(ruleGroupsOf(objects, { alert: /^BackupTooOld$/ }), {
 *       tests: [{ interval: '1m', input_series: [...], alert_rule_test: [...] }],
 *     });
 *     expect(result.output).toMatch(/SUCCESS/);
 *     expect(result.ok).toBe(true);
 *   });
 * });
 * ```
 *
 * Without promtool: under CI (`CI=true`) every `describePromtool` block fails with the install
 * command; on a developer machine its tests are skipped and one line per jest run says so.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import * as yaml from 'js-yaml';

/** The one command that installs promtool on Debian and Ubuntu. */
export const PROMTOOL_INSTALL = 'sudo apt-get install prometheus';

/** A Prometheus rule group, as in a PrometheusRule's `spec.groups` or a rule file's `groups`. */
export interface PromRuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Record<string, unknown>[];
}

export interface PromtoolResult {
  /** promtool exited 0: every test in the file passed. */
  readonly ok: boolean;
  readonly status: number | null;
  /** promtool's stdout and stderr, for the failure message. */
  readonly output: string;
}

let promtoolPath: string | null | undefined;

/** The promtool binary: `$PROMTOOL`, else the first `promtool` on `PATH`; `null` when there is none. */
function findPromtool(): string | null {
  if (promtoolPath !== undefined) return promtoolPath;
  const candidates = process.env.PROMTOOL
    ? [process.env.PROMTOOL]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, 'promtool'));
  promtoolPath = null;
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) {
      promtoolPath = candidate;
      break;
    }
  }
  return promtoolPath;
}

/**
 * The rule groups of PrometheusRule objects (synthesized manifests), optionally only the rules
 * whose `alert` or `record` name matches; groups left empty are dropped. Recording rules an
 * alert reads must be selected too (e.g. `{ alert: /^X$/, record: /^slo:/ }`).
 */
export function ruleGroupsOf(objects: readonly any[], select?: { alert?: RegExp; record?: RegExp }): PromRuleGroup[] {
  const groups: PromRuleGroup[] = [];
  for (const object of objects) {
    if (object?.kind !== 'PrometheusRule') continue;
    for (const group of object.spec?.groups ?? []) {
      const rules = (group.rules ?? []).filter((rule: any) => {
        if (!select) return true;
        if (rule.alert !== undefined) return select.alert?.test(rule.alert) ?? false;
        return select.record?.test(rule.record) ?? false;
      });
      if (rules.length > 0)
        groups.push({
          name: `${object.metadata?.namespace ?? ''}/${object.metadata?.name}/${group.name}`,
          ...(group.interval ? { interval: group.interval } : {}),
          rules,
        });
    }
  }
  return groups;
}

/**
 * Runs `promtool test rules` on the given rule groups and test file (YAML text or the parsed
 * object, as in https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/).
 * `rule_files` is set to the groups' file; `evaluation_interval` defaults to `1m`. Throws when
 * promtool is not installed (use `describePromtool` to skip or fail clearly instead).
 */
export function runPromtoolTests(ruleGroups: readonly PromRuleGroup[], testsYaml: string | Record<string, unknown>): PromtoolResult {
  const promtool = findPromtool();
  if (!promtool) throw new Error(`promtool is not installed; install it with: ${PROMTOOL_INSTALL}`);
  const tests = (typeof testsYaml === 'string' ? yaml.load(testsYaml) : JSON.parse(JSON.stringify(testsYaml))) as Record<string, unknown>;
  if (!tests || typeof tests !== 'object' || !Array.isArray(tests.tests))
    throw new Error("the promtool test file must have a 'tests' list");
  const dir = mkdtempSync(join(tmpdir(), 'alp-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), yaml.dump({ groups: ruleGroups }, { noRefs: true, lineWidth: -1 }));
    writeFileSync(
      join(dir, 'tests.yaml'),
      yaml.dump({ evaluation_interval: '1m', ...tests, rule_files: ['rules.yaml'] }, { noRefs: true, lineWidth: -1 }),
    );
    const run = spawnSync(promtool, ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (run.error) throw run.error;
    return { ok: run.status === 0, status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `describe` for promtool tests: runs them when promtool is installed; under CI without it, one
 * failing test names the install command; elsewhere without it, the tests are skipped and the
 * skip is printed once per jest run.
 */
export function describePromtool(name: string, fn: () => void): void {
  if (findPromtool()) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test('promtool is installed (required under CI)', () => {
        throw new Error(`promtool is not installed, and CI must run the alerting rules' unit tests; install it with: ${PROMTOOL_INSTALL}`);
      });
    });
  } else {
    noticeSkippedOnce();
    describe.skip(name, fn);
  }
}

/** The jest run's process: a worker's parent (child-process workers) or this process (in band, worker threads). */
function jestRunPid(): number {
  return isMainThread && typeof process.send === 'function' ? process.ppid : process.pid;
}

/** The start time of a process (Linux), so that a recycled pid does not reuse an old marker. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function noticeSkippedOnce(): void {
  const pid = jestRunPid();
  const marker = join(tmpdir(), `alp-promtool-skipped-${pid}-${processStart(pid)}`);
  try {
    closeSync(openSync(marker, 'wx'));
  } catch {
    return; // another test file of this run has printed it
  }
  process.stderr.write(`promtool tests were skipped: promtool is not installed. Install it with: ${PROMTOOL_INSTALL}\n`);
}
