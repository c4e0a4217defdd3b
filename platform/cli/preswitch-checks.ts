/**
 * The checks before traffic moves to a colour (`alp switch-traffic`): offline, that the images
 * release.yaml gives the colour are those its Deployments run in the output as committed at
 * HEAD (what Argo CD syncs); with an Argo CD address, that the colour's Applications are Synced
 * and Healthy at a revision whose colour folder is HEAD's; with a Prometheus address, that the
 * colour's own SLO signals (the per-colour recording rules) are within the service's SLO.
 * Each check returns one line per problem; the command reports them all at once.
 */
import * as yaml from 'js-yaml';
import { Color } from '../../lib/core';
import { applicationName } from '../../lib/delivery/argocd';
import { errorRatioQuery, latencyP99Query } from '../../lib/delivery/switch-analysis';
import { promNumber } from '../../lib/monitoring/promql';
import { errorBudget } from '../../lib/monitoring/slo-rules';
import { fileName } from '../../lib/output/render';
import { PlatformSpec } from '../spec';
import { UsageError } from './failure';
import { commitOf, git, GitReader, GitRevision, gitToplevel, readFilesAtRevision, repositoryPath } from './git-revision';
import { getAllSync, HttpAnswer } from './http-sync';

/** Traffic about to move: to `color`, in `regions` (those where it is not live yet). */
export interface SwitchPlan {
  /** `switch-traffic` or `rollback`: the prefix of the skipped-check lines. */
  readonly command: string;
  readonly color: Color;
  readonly regions: readonly string[];
}

/** The images release.yaml gives the colour in a region: service name to image reference. */
export type RegionImages = (region: string) => Readonly<Record<string, string>>;

/** The configuration a release (parsed, not validated) stages on the colour in a region. */
export type RegionConfig = (release: unknown, region: string) => unknown;

const SKIP_IMAGE_CHECK = '--skip-image-check';

/**
 * Problems with the colour's images: for every region and service, the image release.yaml
 * gives it must be the one its Deployment runs in `outdir` as committed at HEAD; given `config`,
 * the configuration release.yaml stages on the colour must be the one it staged at HEAD. Outside a git
 * repository, before the first commit, or with `outdir` not committed, that cannot be shown:
 * one problem saying so and how to proceed.
 */
export function imageProblems(
  reader: GitReader,
  plan: SwitchPlan,
  images: RegionImages,
  files: { outdir: string; release: string; current?: unknown; config?: RegionConfig },
) {
  const { outdir, release } = files;
  const shown = `${outdir.replace(/\/+$/, '')}/`;
  const cannot = `cannot check that ${plan.color}'s images in ${release} are committed in ${shown} at HEAD (what Argo CD syncs)`;
  const toplevel = gitToplevel(reader, outdir);
  if (toplevel === undefined)
    return [`${cannot}: ${outdir} is not in a git repository; run alp in the GitOps repository, or pass ${SKIP_IMAGE_CHECK}`];
  const head = commitOf(reader, toplevel, 'HEAD');
  const prefix = repositoryPath(toplevel, outdir)!;
  if (head === undefined) return [`${cannot}: the repository ${toplevel} has no commit yet; commit ${release} and ${shown}, then switch`];
  const at = `HEAD (${head.commit.slice(0, 12)})`;
  if (git(reader, toplevel, ['cat-file', '-e', `${head.commit}:${prefix}`]).status !== 0)
    return [
      `${cannot}: ${shown} is not committed at ${at}; commit ${release} and ${shown}, push, and let Argo CD sync them before switching`,
    ];

  const wanted = plan.regions.flatMap((region) => Object.entries(images(region)).map(([service, image]) => ({ region, service, image })));
  const folder = (region: string) => [prefix, 'manifests', region, plan.color].filter((p) => p !== '').join('/');
  const paths = wanted.map(({ region, service }) => `${folder(region)}/${fileName({ kind: 'Deployment', metadata: { name: service } })}`);
  const contents = readFilesAtRevision(reader, head, paths);
  const staged = files.config && stagedConfigProblems(reader, head, toplevel, plan, { ...files, config: files.config });
  return [...imageLines(), ...(staged ?? [])];

  function imageLines(): string[] {
    return wanted.flatMap(({ region, service, image }, i) => {
      const who = `${service} in ${region} (${plan.color})`;
      const shownPath = `${shown}${paths[i].slice(prefix === '' ? 0 : prefix.length + 1)}`;
      if (contents[i] === undefined) return [`${who}: ${shownPath} is not committed at ${at}; commit ${release} and ${shown}, then switch`];
      const running = deploymentImage(contents[i]!, service);
      if (running === image) return [];
      return [
        `${who}: ${release} gives ${image}, but its Deployment at ${at} runs ${running ?? 'no container of that name'}; commit ${release} and ${shown}, push, and let Argo CD sync them before switching`,
      ];
    });
  }
}

/**
 * The configuration staged on the colour must be committed too: for every region, what the
 * release file stages on the colour equals what it staged at HEAD (images aside, checked above
 * in the Deployments themselves).
 */
function stagedConfigProblems(
  reader: GitReader,
  head: GitRevision,
  toplevel: string,
  plan: SwitchPlan,
  files: { release: string; current?: unknown; config: RegionConfig },
): string[] {
  const path = repositoryPath(toplevel, files.release);
  const [content] = path === undefined ? [undefined] : readFilesAtRevision(reader, head, [path]);
  const at = `HEAD (${head.commit.slice(0, 12)})`;
  if (content === undefined) return [`${files.release} is not committed at ${at}; commit it and the output, then switch`];
  let committed: unknown;
  try {
    committed = yaml.load(content);
  } catch {
    return [`${files.release} at ${at} is not valid YAML; commit the release state the output was made from, then switch`];
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
  return plan.regions
    .filter((region) => !same(files.config(files.current, region), files.config(committed, region)))
    .map(
      (region) =>
        `the configuration ${files.release} stages on ${plan.color} in ${region} is not the one committed at ${at}; commit ${files.release} and the output, push, and let Argo CD sync them before switching`,
    );
}

/** The image of the container named `service` in a Deployment's YAML; undefined when it has none. */
function deploymentImage(content: string, service: string): string | undefined {
  const deployment = yaml.load(content) as { spec?: { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } };
  return deployment?.spec?.template?.spec?.containers?.find((c) => c.name === service)?.image;
}

/** The addresses of the remote checks, from the options or the environment. */
export interface RemoteAddresses {
  /** Argo CD's API server (scheme, host, port; no trailing '/'). @default - none: its checks are skipped */
  readonly argocd?: string;
  /** The bearer token for Argo CD's API (ARGOCD_AUTH_TOKEN). @default - none: requests go without one */
  readonly argocdToken?: string;
  /** The Prometheus to query for each region: `*` for every region without its own. */
  readonly prometheus: Readonly<Record<string, string>>;
}

/**
 * The remote addresses of `--argocd <url>` (else `ARGOCD_SERVER`, as the argocd CLI reads it: a
 * host without a scheme means https) and `--prometheus [<region>=]<url>` (repeatable; else
 * `PROMETHEUS_URL`); the token from `ARGOCD_AUTH_TOKEN`.
 */
export function remoteAddresses(
  command: string,
  options: { argocd?: string; prometheus?: string[] },
  env: NodeJS.ProcessEnv = process.env,
): RemoteAddresses {
  const argocdValue = options.argocd ?? (env.ARGOCD_SERVER || undefined);
  const argocd =
    argocdValue === undefined ? undefined : baseUrl(command, options.argocd !== undefined ? '--argocd' : 'ARGOCD_SERVER', argocdValue);
  const prometheus: Record<string, string> = {};
  const values = options.prometheus ?? (env.PROMETHEUS_URL ? [env.PROMETHEUS_URL] : []);
  const from = options.prometheus !== undefined ? '--prometheus' : 'PROMETHEUS_URL';
  for (const value of values) {
    const match = /^([a-z0-9-]+)=(.*)$/.exec(value);
    prometheus[match ? match[1] : '*'] = baseUrl(command, from, match ? match[2] : value);
  }
  return { argocd, argocdToken: env.ARGOCD_AUTH_TOKEN || undefined, prometheus };
}

/** A UsageError when a `--prometheus <region>=<url>` names a region that release.yaml does not have. */
export function checkPrometheusRegions(command: string, addresses: RemoteAddresses, regions: readonly string[]): void {
  const unknown = Object.keys(addresses.prometheus).filter((region) => region !== '*' && !regions.includes(region));
  if (unknown.length > 0)
    throw new UsageError(`alp ${command}: '--prometheus' (${unknown[0]}=...) must name one of the regions ${regions.join(', ')}`);
}

function baseUrl(command: string, from: string, value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new UsageError(
      `alp ${command}: '${from}' (${JSON.stringify(value)}) must be an http(s) address such as https://argocd.example.com or a host (https)`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** What the remote checks found: one line per problem, and one line per check they could not run. */
export interface RemoteFindings {
  readonly problems: string[];
  readonly skipped: string[];
}

/**
 * The remote checks of the plan: Argo CD sync, health and revision of the colour's Application
 * in each region, and the colour's SLO signals in each region's Prometheus. A check without its
 * address is skipped (and listed); all requests go out at once, each with a timeout.
 */
export function remoteProblems(
  spec: PlatformSpec,
  plan: SwitchPlan,
  addresses: RemoteAddresses,
  git: GitContext | undefined,
): RemoteFindings {
  const applications = plan.regions.map((region) => ({ region, name: applicationName(spec.name, { region, component: plan.color }) }));
  const skipped: string[] = [];
  if (addresses.argocd === undefined)
    skipped.push(`Argo CD sync/health of ${applications.map((a) => a.name).join(', ')} (no --argocd or ARGOCD_SERVER)`);
  const unwatched = plan.regions.filter((region) => (addresses.prometheus[region] ?? addresses.prometheus['*']) === undefined);
  if (unwatched.length > 0)
    skipped.push(`SLO signals (5xx ratio, p99 latency) of ${plan.color} in ${unwatched.join(', ')} (no --prometheus or PROMETHEUS_URL)`);

  const argo =
    addresses.argocd === undefined ? [] : applications.map((app) => argocdCheck(addresses.argocd!, addresses.argocdToken, app, plan, git));
  const prometheus = plan.regions
    .filter((region) => !unwatched.includes(region))
    .flatMap((region) => sloChecks(spec, plan.color, region, addresses.prometheus[region] ?? addresses.prometheus['*']));
  const checks = [...argo, ...prometheus];
  const answers = getAllSync(checks.map((c) => c.request));
  const judgements = checks.map((check, i) => check.judge(answers[i]));
  const problems = [...new Set(judgements.flatMap((j) => j.problems))];
  const notJudged = judgements.flatMap((j) => j.notJudged ?? []);
  return { problems, skipped: [...skipped, ...notJudged].map((line) => `${plan.command}: skipped: ${line}`) };
}

/** The local repository at HEAD, for the Argo CD revision check. */
export interface GitContext {
  readonly reader: GitReader;
  readonly head: GitRevision;
}

/** The HEAD of the repository that holds `outdir`; undefined outside one or before its first commit. */
export function headOf(reader: GitReader, outdir: string): GitContext | undefined {
  const toplevel = gitToplevel(reader, outdir);
  const head = toplevel === undefined ? undefined : commitOf(reader, toplevel, 'HEAD');
  return head === undefined ? undefined : { reader, head };
}

/** One request and how to judge its answer. */
interface RemoteCheck {
  readonly request: { url: string; headers?: Record<string, string> };
  judge(answer: HttpAnswer): Judgement;
}

/** What a check found: problems (refusals), and what it could not judge (listed with the skipped checks). */
interface Judgement {
  readonly problems: string[];
  readonly notJudged?: string[];
}

function argocdCheck(
  server: string,
  token: string | undefined,
  app: { region: string; name: string },
  plan: SwitchPlan,
  local: GitContext | undefined,
): RemoteCheck {
  const who = `${app.name} (${plan.color} in ${app.region})`;
  return {
    request: {
      url: `${server}/api/v1/applications/${encodeURIComponent(app.name)}`,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    },
    judge: (answer) => ({ problems: argocdProblems(answer) }),
  };

  function argocdProblems(answer: HttpAnswer): string[] {
    if ('error' in answer) return [`cannot reach Argo CD at ${server}: ${answer.error}`];
    const body = parseJson(answer.body) as ArgoApplication | undefined;
    if (answer.status !== 200) {
      const hint = answer.status === 401 || answer.status === 403 ? '; set ARGOCD_AUTH_TOKEN to a token that may get applications' : '';
      return [`Argo CD at ${server} answered HTTP ${answer.status} for ${who}${body?.message ? `: ${body.message}` : ''}${hint}`];
    }
    const sync = body?.status?.sync?.status;
    const health = body?.status?.health?.status;
    if (typeof sync !== 'string' || typeof health !== 'string')
      return [`Argo CD at ${server} answered for ${who} without status.sync.status and status.health.status; is it Argo CD's API?`];
    if (sync !== 'Synced' || health !== 'Healthy')
      return [
        `Argo CD: ${who} is ${sync} and ${health}, not Synced and Healthy; wait for it ('argocd app wait ${app.name} --sync --health')`,
      ];
    return revisionProblems(who, body!, local);
  }
}

/** The parts of Argo CD's Application (GET /api/v1/applications/{name}) that the check reads. */
interface ArgoApplication {
  readonly message?: string;
  readonly spec?: { readonly source?: { readonly path?: string } };
  readonly status?: {
    readonly sync?: { readonly status?: unknown; readonly revision?: unknown };
    readonly health?: { readonly status?: unknown };
  };
}

/** Whether the Application is synced to a revision whose folder (its source path) is HEAD's. */
function revisionProblems(who: string, app: ArgoApplication, local: GitContext | undefined): string[] {
  const revision = app.status?.sync?.revision;
  const path = app.spec?.source?.path;
  if (local === undefined || typeof revision !== 'string' || typeof path !== 'string') return [];
  const { reader, head } = local;
  const tree = (rev: string) => {
    const result = git(reader, head.toplevel, ['rev-parse', '--verify', '--quiet', `${rev}:${path.replace(/^\.?\/+|\/+$/g, '')}`]);
    return result.status === 0 ? result.stdout.toString('utf8').trim() : undefined;
  };
  const synced = tree(revision);
  const short = revision.slice(0, 12);
  if (synced === undefined) {
    return [
      `Argo CD: ${who} is synced to ${short}, which this repository lacks (or which has no ${path}); 'git fetch', and push HEAD if it is not`,
    ];
  }
  if (synced !== tree(head.commit))
    return [
      `Argo CD: ${who} is synced to ${short}, whose ${path} differs from HEAD's (${head.commit.slice(0, 12)}); push HEAD and let Argo CD sync it`,
    ];
  return [];
}

/**
 * The Prometheus checks of one region: the colour's 5xx ratio and p99 latency per service (the
 * in-cluster gate's queries), against the service's SLO. A service without traffic on the colour
 * in the last 5 minutes has no value: it is not judged, and said so.
 */
function sloChecks(spec: PlatformSpec, color: Color, region: string, prometheus: string): RemoteCheck[] {
  type Service = PlatformSpec['services'][number];
  const signals = [
    {
      query: errorRatioQuery(undefined, color),
      limit: (s: Service) => errorBudget(s.availability.objective),
      bad: (s: Service, value: number, limit: number) =>
        `5xx ratio ${promNumber(value)} (5m) is above its error budget ${promNumber(limit)} (availability objective ${promNumber(s.availability.objective)} %)`,
    },
    {
      query: latencyP99Query(undefined, color),
      limit: (s: Service) => s.availability.latencyP99Ms / 1000,
      bad: (_s: Service, value: number, limit: number) =>
        `p99 latency ${promNumber(value)} s (5m) is above its target ${promNumber(limit)} s`,
    },
  ];
  return signals.map(({ query, limit, bad }, signal) => ({
    request: { url: `${prometheus}/api/v1/query?query=${encodeURIComponent(query)}` },
    judge(answer: HttpAnswer): Judgement {
      if ('error' in answer) return { problems: [`cannot reach Prometheus at ${prometheus}: ${answer.error}`] };
      const body = parseJson(answer.body) as PrometheusAnswer | undefined;
      if (answer.status !== 200 || body?.status !== 'success' || !Array.isArray(body.data?.result)) {
        const why = body?.error ?? (answer.status === 200 ? 'not a Prometheus query answer' : answer.body.slice(0, 200));
        return { problems: [`Prometheus at ${prometheus} answered HTTP ${answer.status} to ${query}: ${why}`] };
      }
      const problems: string[] = [];
      const quiet: string[] = [];
      for (const service of spec.services) {
        const values = body
          .data!.result!.filter((sample) => sample.metric?.service === service.name)
          .map((sample) => Number(sample.value?.[1]))
          .filter((value) => !Number.isNaN(value));
        if (values.length === 0) quiet.push(service.name);
        else if (Math.max(...values) > limit(service))
          problems.push(`Prometheus: ${service.name} on ${color} in ${region}: ${bad(service, Math.max(...values), limit(service))}`);
      }
      // Both signals find the same services without traffic: said once, by the first.
      const notJudged =
        signal === 0 && quiet.length > 0
          ? [
              `SLO signals of ${quiet.join(', ')} on ${color} in ${region} (no traffic in the last 5 minutes; send some through the preview host to have them judged)`,
            ]
          : [];
      return { problems, notJudged };
    },
  }));
}

/** The parts of Prometheus's instant query answer (GET /api/v1/query) that the check reads. */
interface PrometheusAnswer {
  readonly status?: string;
  readonly error?: string;
  readonly data?: { readonly result?: { readonly metric?: Record<string, string>; readonly value?: [number, string] }[] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
