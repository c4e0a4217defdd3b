import { platformSpec } from '../../charts';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { ERROR_RATIO_BY_COLOR_RECORD, LATENCY_P99_BY_COLOR_RECORD } from '../../lib/monitoring/golden-signal-rules';
import { errorRatioQuery, latencyP99Query } from '../../lib/delivery/switch-analysis';
import { remoteAddresses } from '../../platform/cli/preswitch-checks';
import { alpChild, alpInProcess, freshCopies, GitOpsRepo, routerFiles } from '../helpers/gitops-repo';

// `alp switch-traffic`'s pre-switch checks: the images at HEAD (offline), and Argo CD's and
// Prometheus's view of the target colour, against real HTTP servers serving canned answers in
// the shapes of Argo CD's GET /api/v1/applications/{name} and Prometheus's GET /api/v1/query.

const NEW_GATEWAY = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'e'.repeat(64)}`;
const OLD_GATEWAY =
  'registry.alp.example.com/alp/api-gateway:2.14.1@sha256:72845c1f1d98424a65c4c1c3788c8ffaa88e48961d95ad6ca94c58fd29c5021a';
/** The platform's services, as its spec lists them. */
const SERVICES = platformSpec.services.map((s) => s.name);
const REMOTE_ENV = ['ARGOCD_SERVER', 'ARGOCD_AUTH_TOKEN', 'PROMETHEUS_URL'];
/** The environment of a child alp: no remote address unless a test gives one. */
const NO_REMOTE = Object.fromEntries(REMOTE_ENV.map((name) => [name, '']));
const SKIPPED_REMOTE = [
  'switch-traffic: skipped: Argo CD sync/health of alp-primary-green, alp-dr-green (no --argocd or ARGOCD_SERVER)',
  'switch-traffic: skipped: SLO signals (5xx ratio, p99 latency) of green in primary, dr (no --prometheus or PROMETHEUS_URL)',
];

let template: GitOpsRepo;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const name of REMOTE_ENV) {
    savedEnv[name] = process.env[name];
    delete process.env[name];
  }
  template = GitOpsRepo.template();
}, 60_000);
afterAll(() => {
  template.remove();
  for (const name of REMOTE_ENV) if (savedEnv[name] !== undefined) process.env[name] = savedEnv[name];
});
/** A copy of the committed template for a test that changes files. */
const fresh = freshCopies(() => template);

/** Stages NEW_GATEWAY on green (in release.yaml and dist/, not committed). */
function stageGateway(repo: GitOpsRepo): void {
  expect(alpInProcess(['stage', '--color', 'green', '--image', `api-gateway=${NEW_GATEWAY}`, ...repo.args]).code).toBe(0);
}

/** The template with NEW_GATEWAY staged on green, not committed: staged once, when a test first asks. */
let staged: GitOpsRepo | undefined;
function stagedTemplate(): GitOpsRepo {
  if (staged === undefined) {
    staged = template.copy();
    stageGateway(staged);
  }
  return staged;
}
afterAll(() => staged?.remove());
/** A copy of stagedTemplate() for a test that changes files. */
const freshStaged = freshCopies(stagedTemplate);

describe('alp switch-traffic: the images at HEAD |', () => {
  test('switches when the staged images are committed: lists the skipped remote checks; only the routes, the charts and release.yaml change', () => {
    // GIVEN green staged and committed
    const repo = freshStaged();
    repo.commitAll('stage api-gateway on green');
    // WHEN
    const result = alpInProcess(['switch-traffic', '--to', 'green', ...repo.args]);
    // THEN
    expect(result).toEqual({
      code: 0,
      stderr: SKIPPED_REMOTE.map((line) => `${line}\n`).join(''),
      stdout: expect.stringMatching(/^green now serves primary, dr; changed /),
    });
    expect(repo.changed()).toEqual([...routerFiles('dr'), ...routerFiles('primary'), 'release.yaml'].sort());
  });

  test('refuses when configuration staged on the colour is not committed: one line per region it differs in; switches once committed', () => {
    const repo = fresh();
    // GIVEN a value staged on green in dr only, not committed
    expect(
      alpInProcess(['stage', '--color', 'green', '--region', 'dr', '--set', 'user-service.env.LOG_LEVEL=debug', ...repo.args]).code,
    ).toBe(0);
    const head = repo.git('rev-parse', 'HEAD').slice(0, 12);
    // WHEN / THEN
    expect(alpInProcess(['switch-traffic', '--to', 'green', ...repo.args])).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        ...SKIPPED_REMOTE.map((l) => `${l}\n`),
        'error: alp switch-traffic: refused: 1 problem(s) with green in primary, dr; nothing changed\n',
        `  - the configuration ${repo.release} stages on green in dr is not the one committed at HEAD (${head}); commit ${repo.release} and the output, push, and let Argo CD sync them before switching\n`,
      ].join(''),
    });
    // WHEN committed
    repo.commitAll('stage LOG_LEVEL on green in dr');
    expect(alpInProcess(['switch-traffic', '--to', 'green', ...repo.args]).code).toBe(0);
  });

  test('refuses when the staged images are not committed: one line per region and service, both images named; nothing changed', () => {
    // GIVEN green staged, not committed
    const repo = freshStaged();
    const release = readFileSync(repo.release, 'utf8');
    const head = repo.git('rev-parse', 'HEAD').slice(0, 12);
    // WHEN
    const result = alpInProcess(['switch-traffic', '--to', 'green', ...repo.args]);
    // THEN
    const line = (region: string) =>
      `  - api-gateway in ${region} (green): ${repo.release} gives ${NEW_GATEWAY}, but its Deployment at HEAD (${head}) runs ${OLD_GATEWAY}; commit ${repo.release} and ${repo.outdir}/, push, and let Argo CD sync them before switching\n`;
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        ...SKIPPED_REMOTE.map((l) => `${l}\n`),
        'error: alp switch-traffic: refused: 2 problem(s) with green in primary, dr; nothing changed\n',
        line('primary'),
        line('dr'),
      ].join(''),
    });
    expect(readFileSync(repo.release, 'utf8')).toBe(release);
    expect(repo.changed()).toEqual([
      'dist/helm/alp-dr/values.yaml',
      'dist/helm/alp-primary/values.yaml',
      'dist/manifests/dr/green/deployment-api-gateway.yaml',
      'dist/manifests/primary/green/deployment-api-gateway.yaml',
      'release.yaml',
    ]);
  });

  test('refuses outside a git repository and says how to proceed; --skip-image-check switches and lists the check as skipped', () => {
    // GIVEN the same files, in a folder that is not a git repository
    const plain = template.copy(false);
    try {
      // WHEN / THEN
      expect(alpInProcess(['switch-traffic', '--to', 'green', '--region', 'dr', ...plain.args])).toEqual({
        code: 1,
        stdout: '',
        stderr: [
          'switch-traffic: skipped: Argo CD sync/health of alp-dr-green (no --argocd or ARGOCD_SERVER)\n',
          'switch-traffic: skipped: SLO signals (5xx ratio, p99 latency) of green in dr (no --prometheus or PROMETHEUS_URL)\n',
          `error: alp switch-traffic: refused: 1 problem(s) with green in dr; nothing changed\n`,
          `  - cannot check that green's images in ${plain.release} are committed in ${plain.outdir}/ at HEAD (what Argo CD syncs): ${plain.outdir} is not in a git repository; run alp in the GitOps repository, or pass --skip-image-check\n`,
        ].join(''),
      });
      const skipped = alpInProcess(['switch-traffic', '--to', 'green', '--region', 'dr', '--skip-image-check', ...plain.args]);
      expect(skipped).toMatchObject({ code: 0, stdout: expect.stringMatching(/^green now serves dr; changed /) });
      expect(skipped.stderr).toBe(
        [
          'switch-traffic: skipped: Argo CD sync/health of alp-dr-green (no --argocd or ARGOCD_SERVER)',
          'switch-traffic: skipped: SLO signals (5xx ratio, p99 latency) of green in dr (no --prometheus or PROMETHEUS_URL)',
          'switch-traffic: skipped: images at HEAD of green in dr (--skip-image-check)',
          '',
        ].join('\n'),
      );
    } finally {
      plain.remove();
    }
  });

  test('refuses when dist/ is not committed at HEAD', () => {
    // GIVEN a repository whose only commit holds release.yaml
    const bare = template.copy(false);
    try {
      bare.git('init', '-q');
      bare.git('add', 'release.yaml');
      bare.git('commit', '-q', '-m', 'release only');
      const head = bare.git('rev-parse', 'HEAD').slice(0, 12);
      // WHEN / THEN
      expect(alpInProcess(['switch-traffic', '--to', 'green', '--region', 'primary', ...bare.args]).stderr).toBe(
        [
          'switch-traffic: skipped: Argo CD sync/health of alp-primary-green (no --argocd or ARGOCD_SERVER)\n',
          'switch-traffic: skipped: SLO signals (5xx ratio, p99 latency) of green in primary (no --prometheus or PROMETHEUS_URL)\n',
          'error: alp switch-traffic: refused: 1 problem(s) with green in primary; nothing changed\n',
          `  - cannot check that green's images in ${bare.release} are committed in ${bare.outdir}/ at HEAD (what Argo CD syncs): ${bare.outdir}/ is not committed at HEAD (${head}); commit ${bare.release} and ${bare.outdir}/, push, and let Argo CD sync them before switching\n`,
        ].join(''),
      );
      expect(bare.changed()).toEqual(expect.arrayContaining(['dist/helm/alp-primary/values.yaml']));
      expect(bare.changed()).not.toContain('release.yaml');
    } finally {
      bare.remove();
    }
  });
});

/** A canned HTTP server: `answer` gives each request's status and JSON body, or 'hang' to never answer. */
interface CannedServer {
  readonly url: string;
  /** Every request: method, URL (path and query), Authorization header. */
  readonly requests: { method?: string; url?: string; authorization?: string }[];
  close(): Promise<void>;
}

async function cannedServer(answer: (url: URL) => { status: number; body: unknown } | 'hang'): Promise<CannedServer> {
  const requests: CannedServer['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const reply = answer(new URL(req.url ?? '/', 'http://localhost'));
    if (reply === 'hang') return;
    res.writeHead(reply.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Argo CD's Application as GET /api/v1/applications/{name} returns it (the fields the check reads, and a few more). */
function argoApplication(name: string, path: string, sync: string, health: string, revision: string) {
  return {
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'alp',
      source: { repoURL: 'https://git.alp.example.com/platform/alp-deploy.git', path, targetRevision: 'main' },
      destination: { server: 'https://primary.k8s.alp.example.com', namespace: 'alp-green' },
    },
    status: {
      sync: { status: sync, revision, comparedTo: { source: { path, targetRevision: 'main' } } },
      health: { status: health },
      operationState: { phase: 'Succeeded' },
    },
  };
}

/** Prometheus's answer to an instant query: one sample per service given. */
function vector(record: string, color: string, values: Record<string, string>) {
  return {
    status: 'success',
    data: {
      resultType: 'vector',
      result: Object.entries(values).map(([service, value]) => ({
        metric: { __name__: record, service, color },
        value: [1796601600.123, value],
      })),
    },
  };
}

const GOOD = { errors: '0.0001', p99: '0.12' };

/** A Prometheus whose green signals are GOOD for every service but where `override` says otherwise (undefined: no sample). */
function prometheusAnswer(override: Record<string, Partial<Record<'errors' | 'p99', string | undefined>>> = {}) {
  return (url: URL) => {
    const query = url.searchParams.get('query') ?? '';
    const record = query.includes(ERROR_RATIO_BY_COLOR_RECORD) ? ERROR_RATIO_BY_COLOR_RECORD : LATENCY_P99_BY_COLOR_RECORD;
    const signal = record === ERROR_RATIO_BY_COLOR_RECORD ? 'errors' : 'p99';
    const values = Object.fromEntries(
      SERVICES.map((s) => [s, s in override && signal in override[s] ? override[s][signal] : GOOD[signal]] as const).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    return { status: 200, body: vector(record, 'green', values) };
  };
}

describe('alp switch-traffic: Argo CD and Prometheus |', () => {
  const servers: CannedServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function serve(answer: (url: URL) => { status: number; body: unknown } | 'hang'): Promise<CannedServer> {
    const server = await cannedServer(answer);
    servers.push(server);
    return server;
  }

  test('with both addresses (from the environment) and every signal good: switches, skips nothing, asks each server once per region and signal', async () => {
    // GIVEN green staged and committed, synced by Argo CD at HEAD, with good SLO signals
    const repo = freshStaged();
    const head = repo.commitAll('stage api-gateway on green');
    const argocd = await serve((url) => {
      const name = decodeURIComponent(url.pathname.split('/').pop()!);
      const region = name.split('-')[1];
      return { status: 200, body: argoApplication(name, `dist/manifests/${region}/green`, 'Synced', 'Healthy', head) };
    });
    const prometheus = await serve(prometheusAnswer());
    // WHEN
    const result = await alpChild(['switch-traffic', '--to', 'green', ...repo.args], {
      ARGOCD_SERVER: argocd.url,
      ARGOCD_AUTH_TOKEN: 's3cret',
      PROMETHEUS_URL: prometheus.url,
    });
    // THEN
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^green now serves primary, dr; changed /) });
    expect(argocd.requests.sort((a, b) => a.url!.localeCompare(b.url!))).toEqual([
      { method: 'GET', url: '/api/v1/applications/alp-dr-green', authorization: 'Bearer s3cret' },
      { method: 'GET', url: '/api/v1/applications/alp-primary-green', authorization: 'Bearer s3cret' },
    ]);
    const queries = prometheus.requests.map((r) => new URL(r.url!, 'http://x').searchParams.get('query')).sort();
    expect(queries).toEqual([
      // The in-cluster gate's queries, over every service.
      ...[
        errorRatioQuery(undefined, 'green'),
        errorRatioQuery(undefined, 'green'),
        latencyP99Query(undefined, 'green'),
        latencyP99Query(undefined, 'green'),
      ].sort(),
    ]);
    expect(repo.changed()).toEqual([...routerFiles('dr'), ...routerFiles('primary'), 'release.yaml'].sort());
  }, 60_000);

  test('refuses, listing every problem at once: unsynced and unhealthy, synced to an older commit, 5xx ratio and p99 above the SLO; a service without traffic is listed as not judged', async () => {
    // GIVEN green staged and committed; Argo CD still at the previous commit in primary and
    // syncing in dr; in primary's Prometheus, user-service fails too often, learning-engine is
    // slow, notification-service has no error-ratio sample; dr's Prometheus is good
    const repo = freshStaged();
    const previous = repo.git('rev-parse', 'HEAD').trim();
    const head = repo.commitAll('stage api-gateway on green');
    const argocd = await serve((url) =>
      url.pathname.endsWith('/alp-primary-green')
        ? { status: 200, body: argoApplication('alp-primary-green', 'dist/manifests/primary/green', 'Synced', 'Healthy', previous) }
        : { status: 200, body: argoApplication('alp-dr-green', 'dist/manifests/dr/green', 'OutOfSync', 'Progressing', head) },
    );
    const primaryAnswer = prometheusAnswer({
      'user-service': { errors: '0.0025' },
      'learning-engine': { p99: '0.95' },
      'notification-service': { errors: undefined },
    });
    const goodAnswer = prometheusAnswer();
    const prometheus = await serve((url) =>
      url.pathname.startsWith('/primary/')
        ? primaryAnswer(url)
        : url.pathname.startsWith('/dr/')
          ? goodAnswer(url)
          : { status: 404, body: {} },
    );
    // WHEN
    const result = await alpChild(
      [
        'switch-traffic',
        '--to',
        'green',
        '--argocd',
        argocd.url,
        '--prometheus',
        `primary=${prometheus.url}/primary`,
        '--prometheus',
        `dr=${prometheus.url}/dr`,
        ...repo.args,
      ],
      NO_REMOTE,
    );
    // THEN
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        // A service without traffic on green is not judged, and said so.
        'switch-traffic: skipped: SLO signals of notification-service on green in primary (no traffic in the last 5 minutes; send some through the preview host to have them judged)',
        'error: alp switch-traffic: refused: 4 problem(s) with green in primary, dr; nothing changed',
        `  - Argo CD: alp-primary-green (green in primary) is synced to ${previous.slice(0, 12)}, whose dist/manifests/primary/green differs from HEAD's (${head.slice(0, 12)}); push HEAD and let Argo CD sync it`,
        "  - Argo CD: alp-dr-green (green in dr) is OutOfSync and Progressing, not Synced and Healthy; wait for it ('argocd app wait alp-dr-green --sync --health')",
        '  - Prometheus: user-service on green in primary: 5xx ratio 0.0025 (5m) is above its error budget 0.001 (availability objective 99.9 %)',
        '  - Prometheus: learning-engine on green in primary: p99 latency 0.95 s (5m) is above its target 0.8 s',
        '',
      ].join('\n'),
    });
    expect(repo.changed()).toEqual([]);
  }, 60_000);

  test('an unreachable or silent address, or a refused token, is a refusal naming the address and the error', async () => {
    const repo = fresh();
    // GIVEN an address nobody listens on, a Prometheus that never answers, an Argo CD that refuses the token
    const closed = await cannedServer(() => 'hang');
    await closed.close();
    const silent = await serve(() => 'hang');
    const refusing = await serve(() => ({
      status: 401,
      body: {
        error: 'invalid session: token has invalid claims: token is expired',
        code: 16,
        message: 'invalid session: token has invalid claims: token is expired',
      },
    }));
    const port = new URL(closed.url).port;
    // WHEN
    const unreachable = await alpChild(['switch-traffic', '--to', 'green', '--region', 'dr', '--argocd', closed.url, ...repo.args], {
      ...NO_REMOTE,
      PROMETHEUS_URL: silent.url,
      ALP_REMOTE_TIMEOUT_MS: '400',
    });
    const expired = await alpChild(['switch-traffic', '--to', 'green', '--region', 'dr', '--argocd', refusing.url, ...repo.args], {
      ...NO_REMOTE,
      ARGOCD_AUTH_TOKEN: 'expired',
    });
    // THEN
    expect(unreachable).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        'error: alp switch-traffic: refused: 2 problem(s) with green in dr; nothing changed',
        `  - cannot reach Argo CD at ${closed.url}: connect ECONNREFUSED 127.0.0.1:${port}`,
        `  - cannot reach Prometheus at ${silent.url}: no answer within 0.4 s`,
        '',
      ].join('\n'),
    });
    expect(expired).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        'switch-traffic: skipped: SLO signals (5xx ratio, p99 latency) of green in dr (no --prometheus or PROMETHEUS_URL)',
        'error: alp switch-traffic: refused: 1 problem(s) with green in dr; nothing changed',
        `  - Argo CD at ${refusing.url} answered HTTP 401 for alp-dr-green (green in dr): invalid session: token has invalid claims: token is expired; set ARGOCD_AUTH_TOKEN to a token that may get applications`,
        '',
      ].join('\n'),
    });
    expect(repo.changed()).toEqual([]);
  }, 60_000);

  test('a malformed address or an unknown region is a usage error (exit 2)', () => {
    expect(alpInProcess(['switch-traffic', '--to', 'green', '--argocd', 'ftp://argocd.example.com', ...template.args])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: alp switch-traffic: \'--argocd\' ("ftp://argocd.example.com") must be an http(s) address such as https://argocd.example.com or a host (https)\n',
    });
    expect(
      alpInProcess(['switch-traffic', '--to', 'green', '--prometheus', 'mars=http://prometheus.example.com', ...template.args]),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: alp switch-traffic: '--prometheus' (mars=...) must name one of the regions primary, dr\n",
    });
    expect(template.changed()).toEqual([]);
  });

  test("the environment's addresses: ARGOCD_SERVER as the argocd CLI reads it (a bare host is https), PROMETHEUS_URL for every region", () => {
    expect(
      remoteAddresses(
        'switch-traffic',
        {},
        { ARGOCD_SERVER: 'argocd.example.com:8443', ARGOCD_AUTH_TOKEN: 't', PROMETHEUS_URL: 'http://prometheus:9090/' },
      ),
    ).toEqual({ argocd: 'https://argocd.example.com:8443', argocdToken: 't', prometheus: { '*': 'http://prometheus:9090' } });
    expect(
      remoteAddresses(
        'switch-traffic',
        { argocd: 'http://localhost:8080', prometheus: ['primary=https://p.example.com', 'dr=https://d.example.com/prom/'] },
        {
          ARGOCD_SERVER: 'ignored.example.com',
          PROMETHEUS_URL: 'http://ignored:9090',
        },
      ),
    ).toEqual({ argocd: 'http://localhost:8080', prometheus: { primary: 'https://p.example.com', dr: 'https://d.example.com/prom' } });
  });
});
