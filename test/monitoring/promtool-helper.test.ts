import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describePromtool, PROMTOOL_INSTALL, runPromtoolTests } from '../helpers/promtool';

const groups = [{ name: 'example', rules: [{ alert: 'Up', expr: 'up == 0', for: '2m', labels: { severity: 'warning' } }] }];
const testsFor = (firesAt: string) => ({
  tests: [
    {
      interval: '1m',
      input_series: [{ series: 'up{job="a"}', values: '0x10' }],
      alert_rule_test: [{ eval_time: firesAt, alertname: 'Up', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'a' } }] }],
    },
  ],
});

describePromtool('the promtool helper', () => {
  test('runs promtool test rules: a right expectation passes', () => {
    const result = runPromtoolTests(groups, testsFor('5m'));
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  test('a wrong expectation fails (the alert is still pending at 1m)', () => {
    const result = runPromtoolTests(groups, testsFor('1m'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
  });
});

describe('without promtool', () => {
  const jest = join(__dirname, '..', '..', 'node_modules', '.bin', 'jest');
  const run = (ci: string) =>
    spawnSync(
      process.execPath,
      [
        jest,
        '--ci',
        '--maxWorkers=2',
        'test/monitoring/promtool-helper.test.ts',
        'test/monitoring/promtool-alerts.test.ts',
        '-t',
        'promtool',
      ],
      {
        cwd: join(__dirname, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, PATH: '/nonexistent', PROMTOOL: '/nonexistent/promtool', CI: ci, ALP_PROMTOOL_NESTED: '1' },
      },
    );

  (process.env.ALP_PROMTOOL_NESTED ? test.skip : test)(
    'under CI, the promtool tests fail and name the install command',
    () => {
      const result = run('true');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`install it with: ${PROMTOOL_INSTALL}`);
    },
    60_000,
  );

  (process.env.ALP_PROMTOOL_NESTED ? test.skip : test)(
    'on a developer machine, they are skipped and the skip is printed once for two test files in two workers',
    () => {
      const result = run('false');
      expect(result.status).toBe(0);
      const notices = result.stderr.split('\n').filter((l) => l.includes('promtool tests were skipped'));
      expect(notices).toEqual([`promtool tests were skipped: promtool is not installed. Install it with: ${PROMTOOL_INSTALL}`]);
    },
    60_000,
  );
});
