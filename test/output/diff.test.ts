import * as yaml from 'js-yaml';
import { diffObjects, formatFieldChange, formatValue } from '../../lib/output/field-diff';
import { reviewFlags } from '../../lib/output/review-flags';
import { diffTrees, formatTreeDiff } from '../../lib/output/tree-diff';

const lines = (before: unknown, after: unknown) => diffObjects(before, after).map(formatFieldChange);

describe('diffObjects |', () => {
  test('reports changed, added and removed fields at their YAML paths, sorted', () => {
    expect(
      lines(
        { kind: 'Service', spec: { port: 80, type: 'ClusterIP', selector: { app: 'a' } } },
        { kind: 'Service', spec: { port: 8080, selector: { app: 'a', tier: 'web' } }, status: {} },
      ),
    ).toEqual(['spec.port: 80 -> 8080', '+ spec.selector.tier: web', '- spec.type: ClusterIP', '+ status: {}']);
  });

  test('keys lists by name where every item has a unique name', () => {
    // GIVEN a pod template whose api container gets a new image and one more variable
    const before = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'api', image: 'registry/api:1', env: [{ name: 'A', value: '1' }] },
              { name: 'proxy', image: 'registry/proxy:1' },
            ],
          },
        },
      },
    };
    const after = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'api',
                image: 'registry/api:2',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: 'on' },
                ],
              },
              { name: 'proxy', image: 'registry/proxy:1' },
            ],
          },
        },
      },
    };
    // WHEN / THEN
    expect(lines(before, after)).toEqual([
      '+ spec.template.spec.containers[api].env[B]: {"name":"B","value":"on"}',
      'spec.template.spec.containers[api].image: registry/api:1 -> registry/api:2',
    ]);
  });

  test('keys lists by index where items have no name or share one', () => {
    expect(lines({ args: ['--a', '--b'] }, { args: ['--a', '--c', '--d'] })).toEqual(['args[1]: --b -> --c', '+ args[2]: --d']);
    expect(
      lines(
        {
          rules: [
            { name: 'x', v: 1 },
            { name: 'x', v: 2 },
          ],
        },
        { rules: [{ name: 'x', v: 1 }] },
      ),
    ).toEqual(['- rules[1]: {"name":"x","v":2}']);
    expect(lines({ ports: [{ port: 80 }] }, { ports: [{ port: 81 }] })).toEqual(['ports[0].port: 80 -> 81']);
  });

  test('reports an item inserted into or removed from a list without names once, not as a shift of the rest', () => {
    expect(lines({ principals: ['a', 'b', 'c'] }, { principals: ['a', 'x', 'b', 'c', 'd'] })).toEqual([
      '+ principals[1]: x',
      '+ principals[4]: d',
    ]);
    expect(lines({ principals: ['a', 'b', 'c'] }, { principals: ['a', 'c'] })).toEqual(['- principals[1]: b']);
    expect(lines({ rules: [{ port: 1 }, { port: 2 }] }, { rules: [{ port: 1 }, { port: 3 }] })).toEqual(['rules[1].port: 2 -> 3']);
  });

  test('reports a long added value as one line per part, so that nothing is cut', () => {
    const selector = {
      matchLabels: {
        'app.kubernetes.io/name': 'quiz-service',
        'app.kubernetes.io/instance': 'quiz-service-blue',
        'alp-deploy.io/color': 'blue',
      },
    };
    expect(
      lines(
        { ingress: [] },
        {
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'alp-blue' } }, podSelector: selector }],
              ports: [{ port: 5432 }],
            },
          ],
        },
      ),
    ).toEqual([
      '+ ingress[0].from[0].namespaceSelector: {"matchLabels":{"kubernetes.io/metadata.name":"alp-blue"}}',
      '+ ingress[0].from[0].podSelector: {"matchLabels":{"app.kubernetes.io/name":"quiz-service","app.kubernetes.io/instance":"quiz-service-blue","alp-deploy.io/color":"blue"}}',
      '+ ingress[0].ports: [{"port":5432}]',
    ]);
  });

  test('reports a list keyed by name whose items only moved', () => {
    expect(lines({ volumes: [{ name: 'a' }, { name: 'b' }] }, { volumes: [{ name: 'b' }, { name: 'a' }] })).toEqual([
      'volumes: order [a, b] -> [b, a]',
    ]);
  });

  test('quotes map keys that are not plain names, such as annotation keys', () => {
    expect(
      lines(
        { metadata: { annotations: { 'external-dns.alpha.kubernetes.io/aws-weight': '0' } } },
        { metadata: { annotations: { 'external-dns.alpha.kubernetes.io/aws-weight': '100' } } },
      ),
    ).toEqual(['metadata.annotations["external-dns.alpha.kubernetes.io/aws-weight"]: "0" -> "100"']);
  });

  test('finds nothing in equal objects, and a change of type as one change', () => {
    expect(diffObjects({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(lines({ a: { b: 1 } }, { a: 'x' })).toEqual(['a: {"b":1} -> x']);
  });
});

describe('formatValue |', () => {
  test('prints plain strings as they are, and quotes what YAML would read as another type', () => {
    expect(formatValue('registry.alp.example.com/alp/api:1.0@sha256:abc')).toBe('registry.alp.example.com/alp/api:1.0@sha256:abc');
    expect(formatValue('100')).toBe('"100"');
    expect(formatValue('true')).toBe('"true"');
    expect(formatValue('')).toBe('""');
    expect(formatValue('two words')).toBe('"two words"');
    expect(formatValue(3)).toBe('3');
    expect(formatValue(null)).toBe('null');
    expect(formatValue({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
  });

  test('cuts long values and summarizes text of several lines', () => {
    expect(formatValue({ items: 'x'.repeat(300) })).toBe(`{"items":"${'x'.repeat(147)}...`);
    expect(formatValue('a\nb\nc\n')).toBe('(3 lines of text)');
  });

  test('shows the differing end of two long strings, and line counts of changed text', () => {
    const prefix = 'p'.repeat(200);
    expect(formatFieldChange({ kind: 'changed', path: 'x', before: `${prefix}-old`, after: `${prefix}-new` })).toBe(
      `x: ...${'p'.repeat(19)}-old -> ...${'p'.repeat(19)}-new`,
    );
    expect(formatFieldChange({ kind: 'changed', path: 'data.config', before: 'a\nb\nc\n', after: 'a\nc\nd\ne\n' })).toBe(
      'data.config: 3 -> 4 lines (+2 -1)',
    );
  });
});

describe('reviewFlags |', () => {
  const object = (apiVersion: string, kind: string, extra: any = {}) => ({
    apiVersion,
    kind,
    metadata: { name: 'x', ...extra.metadata },
    ...(extra.spec ? { spec: extra.spec } : {}),
  });
  const specChange = [
    { kind: 'changed' as const, path: 'spec.rules[0].backendRefs[api].namespace', before: 'alp-blue', after: 'alp-green' },
  ];
  const labelChange = [{ kind: 'changed' as const, path: 'metadata.labels.team', before: 'a', after: 'b' }];

  test("flags a switch analysis's colour as the active colour: an edge AnalysisRun's args, or the run added or removed", () => {
    const run = object('argoproj.io/v1alpha1', 'AnalysisRun');
    const args = [{ kind: 'changed' as const, path: 'spec.args[color].value', before: 'blue', after: 'green' }];
    const metrics = [{ kind: 'added' as const, path: 'spec.metrics[quiz-error-ratio]', after: {} }];
    expect(reviewFlags({ component: 'edge', manifest: run, fields: args })).toEqual(['active-colour']);
    expect(reviewFlags({ component: 'green-edge', manifest: run })).toEqual(['active-colour']);
    expect(reviewFlags({ component: 'edge', manifest: run, fields: metrics })).toEqual([]);
    expect(reviewFlags({ component: 'blue', manifest: run, fields: args })).toEqual([]);
  });

  test("flags a router change as the active colour: an edge HTTPRoute's spec, a Gateway's DNS weight", () => {
    const route = object('gateway.networking.k8s.io/v1', 'HTTPRoute');
    expect(reviewFlags({ component: 'edge', manifest: route, fields: specChange })).toEqual(['active-colour']);
    expect(reviewFlags({ component: 'green-edge', manifest: route })).toEqual(['active-colour']);
    expect(reviewFlags({ component: 'edge', manifest: route, fields: labelChange })).toEqual([]);
    expect(reviewFlags({ component: 'blue', manifest: route, fields: specChange })).toEqual([]);

    const gateway = object('gateway.networking.k8s.io/v1', 'Gateway', {
      metadata: { annotations: { 'external-dns.alpha.kubernetes.io/aws-weight': '100' } },
    });
    const weight = [
      { kind: 'changed' as const, path: 'metadata.annotations["external-dns.alpha.kubernetes.io/aws-weight"]', before: '0', after: '100' },
    ];
    expect(reviewFlags({ component: 'blue-edge', manifest: gateway, fields: weight })).toEqual(['active-colour']);
    expect(
      reviewFlags({
        component: 'blue-edge',
        manifest: gateway,
        fields: [{ kind: 'added', path: 'metadata.annotations', after: { 'external-dns.alpha.kubernetes.io/aws-weight': '100' } }],
      }),
    ).toEqual(['active-colour']);
    expect(reviewFlags({ component: 'blue-edge', manifest: gateway })).toEqual(['active-colour']);
    expect(reviewFlags({ component: 'edge', manifest: object('gateway.networking.k8s.io/v1', 'Gateway'), fields: labelChange })).toEqual(
      [],
    );
  });

  test('flags RBAC objects and service accounts', () => {
    for (const kind of ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) {
      expect(reviewFlags({ component: 'platform', manifest: object('rbac.authorization.k8s.io/v1', kind), fields: labelChange })).toEqual([
        'rbac',
      ]);
    }
    expect(reviewFlags({ component: 'blue', manifest: object('v1', 'ServiceAccount') })).toEqual(['rbac']);
    expect(reviewFlags({ component: 'blue', manifest: object('example.com/v1', 'Role') })).toEqual([]);
  });

  test("flags NetworkPolicies and the mesh's AuthorizationPolicies and PeerAuthentications", () => {
    expect(reviewFlags({ component: 'blue', manifest: object('networking.k8s.io/v1', 'NetworkPolicy') })).toEqual(['network']);
    expect(reviewFlags({ component: 'platform', manifest: object('security.istio.io/v1', 'AuthorizationPolicy') })).toEqual(['network']);
    expect(reviewFlags({ component: 'platform', manifest: object('security.istio.io/v1beta1', 'PeerAuthentication') })).toEqual([
      'network',
    ]);
  });

  test('flags the data layer: the data component, CloudNativePG, Velero, volume claims, stateful sets with claims', () => {
    expect(reviewFlags({ component: 'data', manifest: object('v1', 'ConfigMap'), fields: labelChange })).toEqual(['data']);
    expect(reviewFlags({ component: 'green-data', manifest: object('networking.k8s.io/v1', 'NetworkPolicy') })).toEqual([
      'network',
      'data',
    ]);
    expect(reviewFlags({ component: 'data', manifest: object('v1', 'ServiceAccount') })).toEqual(['rbac', 'data']);
    for (const kind of ['Cluster', 'Pooler', 'ScheduledBackup']) {
      expect(reviewFlags({ component: 'elsewhere', manifest: object('postgresql.cnpg.io/v1', kind) })).toEqual(['data']);
    }
    expect(reviewFlags({ component: 'platform', manifest: object('velero.io/v1', 'Schedule') })).toEqual(['data']);
    expect(reviewFlags({ component: 'blue', manifest: object('v1', 'PersistentVolumeClaim') })).toEqual(['data']);
    expect(
      reviewFlags({
        component: 'blue',
        manifest: object('apps/v1', 'StatefulSet', { spec: { volumeClaimTemplates: [{ metadata: { name: 'd' } }] } }),
      }),
    ).toEqual(['data']);
    expect(reviewFlags({ component: 'blue', manifest: object('apps/v1', 'StatefulSet', { spec: {} }) })).toEqual([]);
    expect(reviewFlags({ component: 'blue', manifest: object('apps/v1', 'Deployment'), fields: labelChange })).toEqual([]);
    expect(reviewFlags({ component: 'platform', manifest: object('example.com/v1', 'Cluster') })).toEqual([]);
  });
});

describe('diffTrees and formatTreeDiff |', () => {
  const doc = (manifest: unknown) => yaml.dump(manifest);
  const route = (namespace: string) =>
    doc({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'api', namespace: 'alp-edge' },
      spec: { rules: [{ backendRefs: [{ name: 'api', namespace, port: 8080 }] }] },
    });
  const deployment = (image: string) =>
    doc({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'alp-green' },
      spec: { template: { spec: { containers: [{ name: 'api', image }] } } },
    });
  const account = doc({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiz', namespace: 'alp-blue' } });

  test('reports equal trees in one line', () => {
    const tree = new Map([
      ['manifests/primary/edge/httproute-api.yaml', route('alp-blue')],
      ['reports/r.md', 'r\n'],
    ]);
    expect(formatTreeDiff(diffTrees(tree, new Map(tree)), { before: 'dist/', after: 'a fresh synthesis' })).toBe(
      'alp diff: dist/ matches a fresh synthesis (2 files)\n',
    );
  });

  /**
   * Trees before and after a change of every kind: a switch of the active colour (route and
   * release state), a new image, a replaced ServiceAccount, changed files that are no manifest,
   * added runbooks and an added chart.
   */
  function givenChangedTrees() {
    const before = new Map([
      ['manifests/primary/edge/httproute-api.yaml', route('alp-blue')],
      ['manifests/primary/green/deployment-api.yaml', deployment('registry/api:1')],
      ['manifests/primary/blue/serviceaccount-old.yaml', account.replace('quiz', 'old')],
      ['manifests/primary/blue/broken.yaml', 'not: [a manifest\n'],
      ['reports/reachability.md', 'a\nb\n'],
      ['helm/alp/templates/a.yaml', 'a: 1\n'],
      ['helm/alp/templates/b.yaml', 'b: 1\n'],
      ['helm/alp/values.yaml', 'activeColor: blue\nimages:\n  api: registry/api:1\n'],
    ]);
    const after = new Map([
      ['manifests/primary/edge/httproute-api.yaml', route('alp-green')],
      ['manifests/primary/green/deployment-api.yaml', deployment('registry/api:2')],
      ['manifests/primary/blue/serviceaccount-quiz.yaml', account],
      ['manifests/primary/blue/broken.yaml', 'still not a manifest\n'],
      ['reports/reachability.md', 'a\nc\nd\n'],
      ...Array.from({ length: 11 }, (_, i) => [`runbooks/r${i}.md`, 'x\ny\n'] as [string, string]),
      ['helm/alp/templates/a.yaml', 'a: 2\n'],
      ['helm/alp/templates/b.yaml', 'b: 2\n'],
      ['helm/alp/values.yaml', 'activeColor: green\nimages:\n  api: registry/api:2\n'],
      ['helm/other/Chart.yaml', 'name: other\n'],
    ]);
    return { before, after };
  }

  test('reports objects with their fields and flags, grouped by region and component, and other files by line counts', () => {
    // GIVEN
    const { before, after } = givenChangedTrees();
    // WHEN
    const text = formatTreeDiff(diffTrees(before, after), { before: 'dist/', after: 'a fresh synthesis' });
    // THEN
    expect(text).toBe(
      [
        'alp diff: dist/ differs from a fresh synthesis: objects 1 added, 1 removed, 2 changed; other files 12 added, 0 removed, 5 changed',
        '',
        'must not miss:',
        '  active colour: 1 object and the release state',
        '    helm/alp/values.yaml: activeColor: blue -> green',
        '    ~ manifests/primary/edge/httproute-api.yaml: HTTPRoute alp-edge/api',
        '  RBAC: 2 objects',
        '    - manifests/primary/blue/serviceaccount-old.yaml: ServiceAccount alp-blue/old',
        '    + manifests/primary/blue/serviceaccount-quiz.yaml: ServiceAccount alp-blue/quiz',
        '',
        'by region and component:',
        '  helm/alp                3 changed files',
        '  helm/other              1 added file',
        '  manifests/primary/blue  1 changed file',
        '  primary/blue            1 added, 1 removed',
        '  primary/edge            1 changed',
        '  primary/green           1 changed',
        '  reports                 1 changed file',
        '  runbooks                11 added files',
        '',
        'changes:',
        '- manifests/primary/blue/serviceaccount-old.yaml: ServiceAccount alp-blue/old [RBAC]',
        '+ manifests/primary/blue/serviceaccount-quiz.yaml: ServiceAccount alp-blue/quiz [RBAC]',
        '~ manifests/primary/edge/httproute-api.yaml: HTTPRoute alp-edge/api [active colour]',
        '    spec.rules[0].backendRefs[api].namespace: alp-blue -> alp-green',
        '~ manifests/primary/green/deployment-api.yaml: Deployment alp-green/api',
        '    spec.template.spec.containers[api].image: registry/api:1 -> registry/api:2',
        '~ helm/alp/templates/: 2 files, +2 -2 lines',
        '~ helm/alp/values.yaml: 3 -> 3 lines (+2 -2)',
        '    activeColor: blue -> green',
        '    images.api: registry/api:1 -> registry/api:2',
        '+ helm/other/Chart.yaml: 1 line',
        '~ manifests/primary/blue/broken.yaml: 1 -> 1 lines (+1 -1)',
        '~ reports/reachability.md: 2 -> 3 lines (+2 -1)',
        '+ runbooks/: 11 files, 22 lines',
        '',
      ].join('\n'),
    );
  });

  test("shows the release state's active colour changes with the router objects", () => {
    const tree = new Map([['reports/r.md', 'r\n']]);
    const text = formatTreeDiff(diffTrees(tree, tree), {
      before: 'dist/ at HEAD~1',
      after: 'a fresh synthesis',
      releaseChanges: [
        { file: 'release.yaml', change: { kind: 'changed', path: 'regions.dr.activeColor', before: 'blue', after: 'green' } },
      ],
    });
    expect(text).toBe(
      [
        'alp diff: dist/ at HEAD~1 differs from a fresh synthesis: objects 0 added, 0 removed, 0 changed; other files 0 added, 0 removed, 0 changed',
        '',
        'must not miss:',
        '  active colour: 0 objects and the release state',
        '    release.yaml: regions.dr.activeColor: blue -> green',
        '',
      ].join('\n'),
    );
  });
});
