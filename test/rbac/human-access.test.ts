import { Chart, Testing } from 'cdk8s';
import { HumanAccessRoles, HumanAccessRolesProps } from '../../lib/rbac/human-access';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

const BASE: HumanAccessRolesProps = {
  viewerGroups: ['alp-support', 'alp-developers'],
  operatorGroups: ['alp-oncall'],
};

/** `null` for a chart without a namespace. */
function synth(props: Partial<HumanAccessRolesProps> = {}, namespace: string | null = 'shop'): any[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
  new HumanAccessRoles(chart, 'People', { ...BASE, ...props });
  return Testing.synth(chart);
}

/** Every resource a Role grants `verb` on, as `group/resource` (core group as ''). */
function granted(role: any, verb: string): string[] {
  return role.rules
    .filter((rule: any) => rule.verbs.includes(verb))
    .flatMap((rule: any) => rule.apiGroups.flatMap((group: string) => rule.resources.map((resource: string) => `${group}/${resource}`)))
    .sort();
}

const VIEWER_READS = [
  '/configmaps',
  '/endpoints',
  '/events',
  '/persistentvolumeclaims',
  '/pods',
  '/services',
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'autoscaling/horizontalpodautoscalers',
  'batch/cronjobs',
  'batch/jobs',
  'networking.k8s.io/networkpolicies',
  'policy/poddisruptionbudgets',
];

describe('HumanAccessRoles |', () => {
  test('emits a viewer and an operator Role, each bound to its groups', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(kindCounts(manifests)).toEqual({ Role: 2, RoleBinding: 2 });
    for (const name of ['shop-viewer', 'shop-operator']) {
      expect(findObject(manifests, 'Role', name).metadata.namespace).toBe('shop');
      expect(findObject(manifests, 'RoleBinding', name).roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });
    }
  });

  test('viewers read workload objects only: no secrets, no logs, no writes', () => {
    // WHEN
    const viewer = findObject(synth(), 'Role', 'shop-viewer');
    // THEN
    for (const verb of ['get', 'list', 'watch']) expect(granted(viewer, verb)).toEqual(VIEWER_READS);
    expect(viewer.rules.flatMap((rule: any) => rule.verbs).filter((verb: string) => !['get', 'list', 'watch'].includes(verb))).toEqual([]);
    expect(viewer.rules[0]).toEqual({
      apiGroups: [''],
      resources: ['configmaps', 'endpoints', 'events', 'persistentvolumeclaims', 'pods', 'services'],
      verbs: ['get', 'list', 'watch'],
    });
  });

  test('operators also read logs, restart and scale Deployments, and nothing more', () => {
    // WHEN
    const operator = findObject(synth(), 'Role', 'shop-operator');
    // THEN
    expect(granted(operator, 'list')).toEqual(VIEWER_READS);
    expect(granted(operator, 'get')).toEqual([...VIEWER_READS, '/pods/log', 'apps/deployments/scale'].sort());
    expect(granted(operator, 'patch')).toEqual(['apps/deployments', 'apps/deployments/scale']);
    expect(granted(operator, 'update')).toEqual(['apps/deployments/scale']);
    for (const verb of ['create', 'delete', 'deletecollection']) expect(granted(operator, verb)).toEqual([]);
    const resources = operator.rules.flatMap((rule: any) => rule.resources);
    for (const forbidden of ['secrets', 'pods/exec', 'pods/attach', 'pods/portforward']) expect(resources).not.toContain(forbidden);
  });

  test('binds OIDC groups, sorted and deduplicated', () => {
    // WHEN
    const manifests = synth({ operatorGroups: ['alp-sre', 'alp-oncall', 'alp-sre'] });
    // THEN
    expect(findObject(manifests, 'RoleBinding', 'shop-viewer').subjects).toEqual([
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'alp-developers' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'alp-support' },
    ]);
    expect(findObject(manifests, 'RoleBinding', 'shop-operator').subjects.map((s: any) => s.name)).toEqual(['alp-oncall', 'alp-sre']);
  });

  test('omits the RoleBinding of a role without groups', () => {
    const manifests = synth({ viewerGroups: [] });
    expect(kindCounts(manifests)).toEqual({ Role: 2, RoleBinding: 1 });
    expect(findObject(manifests, 'RoleBinding', 'shop-operator').subjects).toHaveLength(1);
  });

  test('takes the prefix, namespace and labels from props', () => {
    // WHEN
    const manifests = synth({ prefix: 'quiz', namespace: 'alp-edge', labels: { team: 'learning' } }, null);
    // THEN
    expect(manifests.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual([
      'Role/alp-edge/quiz-operator',
      'Role/alp-edge/quiz-viewer',
      'RoleBinding/alp-edge/quiz-operator',
      'RoleBinding/alp-edge/quiz-viewer',
    ]);
    expect(manifests.every((m) => m.metadata.labels.team === 'learning')).toBe(true);
  });

  test('renders the composite of both roles and bindings', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('fails when a group is a Kubernetes system group or empty', () => {
    expect(errorOf(() => synth({ viewerGroups: ['system:authenticated'], operatorGroups: ['alp-oncall', ' '] }))).toBe(
      [
        'test/People: 2 invalid props',
        '  - test/People: \'viewerGroups[0]\' ("system:authenticated") must not be a Kubernetes system group; system: groups such as system:authenticated hold every user or node of a kind; bind the OIDC group of the team',
        '  - test/People: \'operatorGroups[1]\' (" ") must be a non-empty group name',
      ].join('\n'),
    );
  });

  test('names the Roles after the namespace by default', () => {
    const manifests = synth({}, 'quiz-blue');
    expect(manifests.filter((m) => m.kind === 'Role').map((m) => m.metadata.name)).toEqual(['quiz-blue-viewer', 'quiz-blue-operator']);
  });

  test('without a namespace or a prefix, only the missing namespace is reported', () => {
    expect(errorOf(() => synth({}, null))).toBe(
      "test/People: 'namespace' (missing) must be set, here or on the chart; Roles and RoleBindings are namespaced",
    );
  });

  test('fails when there is no namespace and the prefix is not a DNS label', () => {
    expect(errorOf(() => synth({ prefix: 'ALP' }, null))).toBe(
      [
        'test/People: 2 invalid props',
        '  - test/People: \'prefix\' ("ALP") must be a DNS label of at most 54 characters (lowercase letters, digits, "-"); the Role names append "-viewer" and "-operator"',
        "  - test/People: 'namespace' (missing) must be set, here or on the chart; Roles and RoleBindings are namespaced",
      ].join('\n'),
    );
  });
});
