import { Chart, Testing } from 'cdk8s';
import { ServiceApiAccess, ServiceApiAccessProps } from '../../lib/rbac/api-access';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

const BASE: ServiceApiAccessProps = {
  serviceAccountName: 'course-sync',
  rules: [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['watch', 'get', 'list'], resourceNames: ['course-catalog', 'a-flags'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'create'] },
  ],
};

/** A chart like a colour chart; `null` for one without a namespace. */
function chart(namespace: string | null = 'alp-blue'): Chart {
  return new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
}

function synth(props: Partial<ServiceApiAccessProps> = {}, namespace: string | null = 'alp-blue'): any[] {
  const c = chart(namespace);
  new ServiceApiAccess(c, 'Access', { ...BASE, ...props });
  return Testing.synth(c);
}

describe('ServiceApiAccess |', () => {
  test('emits one Role and one RoleBinding named <serviceAccountName>-api in the chart namespace', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(kindCounts(manifests)).toEqual({ Role: 1, RoleBinding: 1 });
    expect(findObject(manifests, 'Role', 'course-sync-api').metadata.namespace).toBe('alp-blue');
    expect(findObject(manifests, 'RoleBinding', 'course-sync-api').metadata.namespace).toBe('alp-blue');
  });

  test('keeps the rule order and sorts and deduplicates the lists inside each rule', () => {
    // WHEN
    const role = findObject(
      synth({
        rules: [...BASE.rules, { apiGroups: ['apps', ''], resources: ['deployments', 'configmaps', 'deployments'], verbs: ['list'] }],
      }),
      'Role',
      'course-sync-api',
    );
    // THEN
    expect(role.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'], resourceNames: ['a-flags', 'course-catalog'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] },
      { apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'], verbs: ['list'] },
    ]);
  });

  test('binds the Role to the ServiceAccount of its namespace', () => {
    const binding = findObject(synth(), 'RoleBinding', 'course-sync-api');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'course-sync-api' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'course-sync', namespace: 'alp-blue' }]);
  });

  test('the namespace prop wins over the chart namespace; labels reach both objects', () => {
    // WHEN
    const manifests = synth({ namespace: 'alp-data', labels: { 'app.kubernetes.io/name': 'course-sync' } });
    // THEN
    for (const kind of ['Role', 'RoleBinding']) {
      const object = findObject(manifests, kind, 'course-sync-api');
      expect(object.metadata.namespace).toBe('alp-data');
      expect(object.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'course-sync' });
    }
    expect(findObject(manifests, 'RoleBinding', 'course-sync-api').subjects[0].namespace).toBe('alp-data');
  });

  test('grants secrets only with allowSecretAccess', () => {
    // WHEN
    const role = findObject(
      synth({
        allowSecretAccess: true,
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['course-sync-tls'] }],
      }),
      'Role',
      'course-sync-api',
    );
    // THEN
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['course-sync-tls'] }]);
  });

  test('exposes the rendered rules', () => {
    const access = new ServiceApiAccess(chart(), 'Access', BASE);
    expect(access.name).toBe('course-sync-api');
    expect(access.rules[1]).toEqual({ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'], resourceNames: undefined });
  });

  test('fails when any field contains the wildcard', () => {
    expect(
      errorOf(() =>
        synth({
          rules: [{ apiGroups: ['*'], resources: ['pods', 'deployments/*'], verbs: ['*'], resourceNames: ['web-*'] }],
        }),
      ),
    ).toBe(
      [
        'test/Access: 4 invalid props',
        "  - test/Access: 'rules[0].apiGroups[0]' (\"*\") must not contain the wildcard '*'; list the apiGroups explicitly",
        "  - test/Access: 'rules[0].resources[1]' (\"deployments/*\") must not contain the wildcard '*'; list the resources explicitly",
        "  - test/Access: 'rules[0].verbs[0]' (\"*\") must not contain the wildcard '*'; list the verbs explicitly",
        "  - test/Access: 'rules[0].resourceNames[0]' (\"web-*\") must not contain the wildcard '*'; list the resourceNames explicitly",
      ].join('\n'),
    );
  });

  test('fails when a verb escalates privileges or is unknown', () => {
    expect(
      errorOf(() =>
        synth({
          rules: [
            { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get', 'escalate', 'bind', 'impersonate', 'use'] },
          ],
        }),
      ),
    ).toBe(
      [
        'test/Access: 4 invalid props',
        '  - test/Access: \'rules[0].verbs[1]\' ("escalate") must not be escalate, bind or impersonate; these verbs let the holder grant itself permissions beyond its Role',
        '  - test/Access: \'rules[0].verbs[2]\' ("bind") must not be escalate, bind or impersonate; these verbs let the holder grant itself permissions beyond its Role',
        '  - test/Access: \'rules[0].verbs[3]\' ("impersonate") must not be escalate, bind or impersonate; these verbs let the holder grant itself permissions beyond its Role',
        '  - test/Access: \'rules[0].verbs[4]\' ("use") must be one of get, list, watch, create, update, patch, delete, deletecollection',
      ].join('\n'),
    );
  });

  test('fails when a rule grants a resource that acts as another pod, service account or node, or creates pods', () => {
    expect(
      errorOf(() =>
        synth({
          rules: [
            { apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['get', 'create'] },
            { apiGroups: [''], resources: ['serviceaccounts/token', 'nodes/proxy'], verbs: ['create'] },
          ],
        }),
      ),
    ).toBe(
      [
        'test/Access: 6 invalid props',
        '  - test/Access: \'rules[0].resources[0]\' ("pods") must not be granted with the verb "create": a pod it creates may run any image as any service account of the namespace; create a Job or a Deployment through the spec instead',
        "  - test/Access: 'rules[0].resources[1]' (\"pods/exec\") must not be pods/exec: it runs commands in any pod of the namespace, with that pod's service account and secrets; remove it; no service is granted it (operators use their own access)",
        '  - test/Access: \'rules[0].resources[2]\' ("pods/attach") must not be pods/attach: it attaches to the processes of any pod of the namespace; remove it; no service is granted it (operators use their own access)',
        "  - test/Access: 'rules[0].resources[3]' (\"pods/portforward\") must not be pods/portforward: it reaches any pod's ports past the NetworkPolicies and the mesh; remove it; no service is granted it (operators use their own access)",
        '  - test/Access: \'rules[1].resources[0]\' ("serviceaccounts/token") must not be serviceaccounts/token: it mints tokens of any service account of the namespace; remove it; no service is granted it (operators use their own access)',
        '  - test/Access: \'rules[1].resources[1]\' ("nodes/proxy") must not be nodes/proxy: it reaches the kubelet API, which runs commands in every pod of the node; remove it; no service is granted it (operators use their own access)',
      ].join('\n'),
    );
  });

  test('fails when a rule touches secrets without allowSecretAccess', () => {
    expect(
      errorOf(() =>
        synth({
          rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get'] }],
        }),
      ),
    ).toBe(
      "test/Access: 'rules[0].resources[1]' (\"secrets\") must not be secrets unless 'allowSecretAccess' is true; mount the secret into the pod from an ExternalSecret instead of reading it through the API",
    );
  });

  test('fails when there are no rules', () => {
    expect(errorOf(() => synth({ rules: [] }))).toBe(
      "test/Access: 'rules' ([]) must contain at least one rule; a service that does not call the Kubernetes API needs no ServiceApiAccess",
    );
  });

  test('fails when a rule has an empty list', () => {
    expect(
      errorOf(() =>
        synth({
          rules: [{ apiGroups: [], resources: [], verbs: [], resourceNames: [] }],
        }),
      ),
    ).toBe(
      [
        'test/Access: 4 invalid props',
        "  - test/Access: 'rules[0].apiGroups' ([]) must not be empty",
        "  - test/Access: 'rules[0].resources' ([]) must not be empty",
        "  - test/Access: 'rules[0].verbs' ([]) must not be empty",
        "  - test/Access: 'rules[0].resourceNames' ([]) must not be empty; an empty resourceNames matches every object; omit it, or name the objects",
      ].join('\n'),
    );
  });

  test('fails with every problem at once, including a missing namespace', () => {
    expect(
      errorOf(() =>
        synth(
          {
            serviceAccountName: 'Course_Sync',
            rules: [
              { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
              { apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] },
            ],
          },
          null,
        ),
      ),
    ).toBe(
      [
        'test/Access: 4 invalid props',
        '  - test/Access: \'serviceAccountName\' ("Course_Sync") must be a DNS label of at most 63 characters (lowercase letters, digits, "-")',
        "  - test/Access: 'namespace' (missing) must be set, here or on the chart; Roles and RoleBindings are namespaced",
        "  - test/Access: 'rules[0].resources[0]' (\"secrets\") must not be secrets unless 'allowSecretAccess' is true; mount the secret into the pod from an ExternalSecret instead of reading it through the API",
        "  - test/Access: 'rules[1].verbs[0]' (\"*\") must not contain the wildcard '*'; list the verbs explicitly",
      ].join('\n'),
    );
  });
});
