/**
 * A GitLab CI job that rolls a traffic switch back through git when Alertmanager says so: the
 * alert's webhook calls the project's pipeline trigger
 * (`POST /api/v4/projects/:id/ref/:ref/trigger/pipeline?token=…`), GitLab hands the request body,
 * Alertmanager's JSON payload as it is, to the job as the file variable `TRIGGER_PAYLOAD`, and the
 * job runs the rollback command for each firing alert's region and colour, commits and pushes.
 * Argo CD then syncs the commit like any other: nothing is changed in the cluster directly, so
 * self-heal has nothing to undo.
 *
 * Safe to repeat and to race: jobs share a `resource_group` (GitLab runs one at a time); each
 * rollback starts from the branch's tip and first checks that the alert's colour is still live
 * there (else someone already rolled back: nothing to do), and the command itself is given
 * `--expect-live <colour>`; a rejected push (the branch moved) is retried from the new tip, and
 * after `pushAttempts` rejections the job fails. It never undoes its own work: when the region's
 * colour was last changed by this job (its commit author), it does nothing and says so, so that
 * two failing colours (or the failed run of the colour it left, still reported for a moment under
 * the new colour's rules) never make it flip traffic back and forth; the page still stands.
 *
 * @see https://gitlab.com/gitlab-org/gitlab/-/merge_requests/53837 (the trigger payload as `TRIGGER_PAYLOAD`, a file variable)
 * @see https://prometheus.io/docs/alerting/latest/configuration/#webhook_config (the payload: `alerts[].status`, `alerts[].labels`)
 */
import { PropProblem, throwIfProblems } from '../core';

export interface RollbackPipelineOptions {
  /** Name of the job, and of its `resource_group`. */
  readonly job: string;
  /** The alert that triggers it; alerts of other names in the payload are ignored. */
  readonly alertname: string;
  /** The command that moves a region back, given `--region <r> --expect-live <colour>`, e.g. `npx my-cli rollback`. */
  readonly rollbackCommand: string;
  /** A shell command that reads the release file on standard input and prints the colour live in region `"$REGION"`. */
  readonly liveColorFilter: string;
  /** The release file, relative to the repository's root (read at the tip and in its history). */
  readonly releaseFile: string;
  /** The colours an alert's `color` label may name. */
  readonly colors: readonly string[];
  /** The paths the rollback changes, committed (e.g. the release file and the output folder). */
  readonly paths: readonly string[];
  /** The image the job runs in: it needs the rollback command's runtime and git. */
  readonly image: string;
  /** Commands that install the rollback command's dependencies, e.g. `npm ci`. @default - none */
  readonly setup?: readonly string[];
  /** The alert labels that carry the region and the colour. @default { region: 'region', color: 'color' } */
  readonly labels?: { readonly region: string; readonly color: string };
  /** How many times a rejected push is retried from the new tip. @default 3 */
  readonly pushAttempts?: number;
  /** The job's stage. @default 'deploy' */
  readonly stage?: string;
}

/** The CI/CD variables the job reads (set them in the project's Settings > CI/CD > Variables, masked). */
export const ROLLBACK_PIPELINE_VARIABLES = {
  pushToken: 'AUTO_ROLLBACK_PUSH_TOKEN',
  pushUrl: 'AUTO_ROLLBACK_PUSH_URL',
  gitName: 'AUTO_ROLLBACK_GIT_NAME',
  gitEmail: 'AUTO_ROLLBACK_GIT_EMAIL',
} as const;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The shell one-liner (Node.js) that prints `<region> <colour>` once for each firing alert named
 * `"$ALERT_NAME"` in the payload file `"$TRIGGER_PAYLOAD"`, and fails on a region or colour that
 * is not a plain name (the labels reach a shell).
 */
export function payloadTargetsCommand(options: Pick<RollbackPipelineOptions, 'colors' | 'labels'>): string {
  const labels = options.labels ?? { region: 'region', color: 'color' };
  const colors = options.colors.join('|');
  const js = [
    'const [file, name] = process.argv.slice(1);',
    'const payload = JSON.parse(require("fs").readFileSync(file, "utf8"));',
    'const seen = new Set();',
    'for (const alert of payload.alerts || []) {',
    '  const l = alert.labels || {};',
    '  if (alert.status !== "firing" || l.alertname !== name) continue;',
    `  const region = l[${JSON.stringify(labels.region)}], color = l[${JSON.stringify(labels.color)}];`,
    `  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(region || "") || !/^(${colors})$/.test(color || "")) {`,
    '    console.error("auto-rollback: a firing " + name + " alert without a valid region and colour: " + JSON.stringify(l));',
    '    process.exit(1);',
    '  }',
    '  if (!seen.has(region + " " + color)) { seen.add(region + " " + color); console.log(region + " " + color); }',
    '}',
  ].join(' ');
  return `node -e '${js}' "$TRIGGER_PAYLOAD" "$ALERT_NAME"`;
}

/** A shell command printing the newest of the last 100 commits of the release file that changed region "$REGION"'s colour. */
function lastChangeCommand(options: RollbackPipelineOptions): string {
  const file = options.releaseFile;
  const colorAt = (rev: string) => `$(git show "${rev}:${file}" 2>/dev/null | ${options.liveColorFilter} 2>/dev/null)`;
  return [
    `for C in $(git log --format=%H -n 100 -- '${file}'); do`,
    `if [ "${colorAt('$C')}" != "${colorAt('$C^')}" ]; then echo "$C"; break; fi;`,
    'done',
  ].join(' ');
}

/** The loop over the targets: check live, roll back, commit, push; retry from the new tip when the push is rejected. */
function rollbackLoop(options: RollbackPipelineOptions, attempts: number): string {
  const paths = options.paths.map((p) => `'${p}'`).join(' ');
  return [
    // The targets come in on descriptor 3, so that no command in the loop can read them from stdin.
    'while read -r REGION COLOR <&3; do',
    '  ATTEMPT=1',
    '  while true; do',
    '    git fetch --quiet origin "$CI_COMMIT_REF_NAME"',
    '    git checkout --quiet --force -B "$CI_COMMIT_REF_NAME" FETCH_HEAD',
    `    LIVE="$(${options.liveColorFilter} < '${options.releaseFile}')"`,
    '    if [ "$LIVE" != "$COLOR" ]; then',
    '      echo "auto-rollback: $COLOR no longer serves $REGION ($LIVE does): already rolled back, nothing to do"',
    '      break',
    '    fi',
    `    LAST="$(${lastChangeCommand(options)})"`,
    '    if [ -n "$LAST" ] && [ "$(git log -1 --format=%ae "$LAST")" = "$(git config user.email)" ]; then',
    '      echo "auto-rollback: $COLOR was made live in $REGION by an automatic rollback ($(git log -1 --format=%h "$LAST")); it is not undone automatically: a person decides (see the page)"',
    '      break',
    '    fi',
    `    if ! ${options.rollbackCommand} --region "$REGION" --expect-live "$COLOR"; then`,
    '      echo "auto-rollback: the rollback of $REGION (live: $COLOR) failed; roll back by hand, see the alert\'s runbook" >&2',
    '      exit 1',
    '    fi',
    `    git add -A -- ${paths}`,
    '    if git diff --cached --quiet; then',
    '      echo "auto-rollback: the rollback of $REGION changed nothing"',
    '      break',
    '    fi',
    '    git commit --quiet -m "Roll back $REGION from $COLOR: $ALERT_NAME fired (automatic)" -m "Pipeline: ${CI_PIPELINE_URL:-local}"',
    '    if git push --quiet "$PUSH_URL" "HEAD:refs/heads/$CI_COMMIT_REF_NAME"; then',
    '      echo "auto-rollback: pushed $(git rev-parse --short HEAD): $REGION moved back from $COLOR"',
    '      break',
    '    fi',
    `    if [ "$ATTEMPT" -ge ${attempts} ]; then`,
    `      echo "auto-rollback: the push was rejected ${attempts} times; roll back by hand, see the alert's runbook" >&2`,
    '      exit 1',
    '    fi',
    '    ATTEMPT=$((ATTEMPT + 1))',
    '    echo "auto-rollback: the push was rejected (the branch moved); trying again from its new tip"',
    '  done',
    'done 3< "$TARGETS"',
  ].join('\n');
}

/** The job's script, in order (GitLab runs the lines in one shell and stops at the first failure). */
export function rollbackPipelineScript(options: RollbackPipelineOptions): string[] {
  const v = ROLLBACK_PIPELINE_VARIABLES;
  return [
    ...(options.setup ?? []),
    `git config user.name "\${${v.gitName}:-auto-rollback}"`,
    `git config user.email "\${${v.gitEmail}:-auto-rollback@localhost}"`,
    `PUSH_URL="\${${v.pushUrl}:-https://oauth2:\${${v.pushToken}}@\${CI_SERVER_HOST}/\${CI_PROJECT_PATH}.git}"`,
    // The history check reads the release file's past: a shallow clone (GitLab's default depth) is deepened.
    'if [ "$(git rev-parse --is-shallow-repository)" = true ]; then git fetch --quiet --unshallow origin; fi',
    'TARGETS="$(mktemp)"',
    `${payloadTargetsCommand(options)} > "$TARGETS"`,
    rollbackLoop(options, options.pushAttempts ?? 3),
  ];
}

/**
 * The GitLab CI configuration (to `include:` from `.gitlab-ci.yml`): one job, run only in
 * pipelines started by the trigger.
 *
 * @throws AlpError naming each bad option
 */
export function rollbackPipeline(options: RollbackPipelineOptions): Record<string, unknown> {
  const problems: PropProblem[] = [];
  if (!NAME.test(options.job)) problems.push({ prop: 'job', value: options.job, rule: 'must be a DNS label such as "auto-rollback"' });
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.alertname))
    problems.push({ prop: 'alertname', value: options.alertname, rule: 'must be an alert name' });
  if (options.colors.length === 0 || options.colors.some((c) => !NAME.test(c)))
    problems.push({ prop: 'colors', value: options.colors, rule: 'must list plain lower-case names' });
  if (options.releaseFile === '' || options.releaseFile.includes("'") || options.releaseFile.includes('"'))
    problems.push({ prop: 'releaseFile', value: options.releaseFile, rule: 'must be a path without quotes' });
  if (options.paths.length === 0 || options.paths.some((p) => p === '' || p.includes("'")))
    problems.push({ prop: 'paths', value: options.paths, rule: 'must list at least one path, without quotes' });
  throwIfProblems('rollbackPipeline', problems);
  return {
    [options.job]: {
      stage: options.stage ?? 'deploy',
      image: options.image,
      rules: [{ if: '$CI_PIPELINE_SOURCE == "trigger"' }],
      resource_group: options.job,
      variables: { ALERT_NAME: options.alertname, GIT_STRATEGY: 'clone', GIT_DEPTH: '0' },
      script: rollbackPipelineScript(options),
    },
  };
}
