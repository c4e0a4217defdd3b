import { auditPolicy, AuditRule } from '../../lib/data/audit-policy';

/** The level of the first rule that matches a request, as the API server decides it. */
function levelOf(
  rules: AuditRule[],
  request: { user?: string; groups?: string[]; verb?: string; namespace?: string; group?: string; resource?: string; url?: string },
): string {
  const matches = (rule: AuditRule) => {
    if (rule.users && !rule.users.includes(request.user ?? '')) return false;
    if (rule.userGroups && !rule.userGroups.some((g) => request.groups?.includes(g))) return false;
    if (rule.verbs && !rule.verbs.includes(request.verb ?? '')) return false;
    if (rule.nonResourceURLs)
      return (
        request.url !== undefined
        && rule.nonResourceURLs.some((u) => (u.endsWith('*') ? request.url!.startsWith(u.slice(0, -1)) : request.url === u))
      );
    if (request.url !== undefined && rule.resources) return false;
    if (rule.namespaces && !rule.namespaces.includes(request.namespace ?? '')) return false;
    if (rule.resources && !rule.resources.some((r) => r.group === (request.group ?? '') && r.resources.includes(request.resource ?? '')))
      return false;
    return true;
  };
  return rules.find(matches)!.level;
}

describe('auditPolicy |', () => {
  const policy = auditPolicy();

  test('is an audit.k8s.io/v1 Policy that omits the RequestReceived stage', () => {
    expect(policy.apiVersion).toBe('audit.k8s.io/v1');
    expect(policy.kind).toBe('Policy');
    expect(policy.omitStages).toEqual(['RequestReceived']);
  });

  test('records Secrets and ConfigMaps at Metadata only, whoever asks', () => {
    for (const verb of ['get', 'list', 'create', 'update', 'delete']) {
      expect(levelOf(policy.rules, { user: 'alice', verb, namespace: 'alp-data', resource: 'secrets' })).toBe('Metadata');
      expect(levelOf(policy.rules, { user: 'alice', verb, namespace: 'alp-data', resource: 'configmaps' })).toBe('Metadata');
    }
    expect(levelOf(policy.rules, { user: 'system:kube-controller-manager', verb: 'create', namespace: 'x', resource: 'secrets' })).toBe(
      'Metadata',
    );
  });

  test('records RBAC and exec, attach and port-forward with request and response', () => {
    expect(levelOf(policy.rules, { user: 'alice', verb: 'create', namespace: 'alp-blue', resource: 'pods/exec' })).toBe('RequestResponse');
    expect(levelOf(policy.rules, { user: 'alice', verb: 'create', namespace: 'alp-blue', resource: 'pods/attach' })).toBe(
      'RequestResponse',
    );
    expect(levelOf(policy.rules, { user: 'alice', verb: 'create', namespace: 'alp-blue', resource: 'pods/portforward' })).toBe(
      'RequestResponse',
    );
    expect(
      levelOf(policy.rules, { user: 'alice', verb: 'patch', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }),
    ).toBe('RequestResponse');
    expect(
      levelOf(policy.rules, { user: 'alice', verb: 'get', namespace: 'alp-data', group: 'rbac.authorization.k8s.io', resource: 'roles' }),
    ).toBe('RequestResponse');
  });

  test('omits noisy read-only endpoints, kube-proxy watches, lease renewals and events', () => {
    for (const url of ['/healthz', '/healthz/etcd', '/readyz', '/livez', '/metrics', '/version']) {
      expect(levelOf(policy.rules, { user: 'system:anonymous', verb: 'get', url })).toBe('None');
    }
    expect(levelOf(policy.rules, { user: 'system:kube-proxy', verb: 'watch', group: 'discovery.k8s.io', resource: 'endpointslices' })).toBe(
      'None',
    );
    expect(
      levelOf(policy.rules, {
        user: 'system:kube-scheduler',
        verb: 'update',
        namespace: 'kube-system',
        group: 'coordination.k8s.io',
        resource: 'leases',
      }),
    ).toBe('None');
    expect(levelOf(policy.rules, { user: 'system:node:a', verb: 'create', namespace: 'alp-blue', resource: 'events' })).toBe('None');
  });

  test('records other writes with their request, and everything else at the default level', () => {
    expect(levelOf(policy.rules, { user: 'alice', verb: 'patch', namespace: 'alp-blue', group: 'apps', resource: 'deployments' })).toBe(
      'Request',
    );
    expect(levelOf(policy.rules, { user: 'alice', verb: 'get', namespace: 'alp-blue', group: 'apps', resource: 'deployments' })).toBe(
      'Metadata',
    );
    expect(auditPolicy({ defaultLevel: 'None' }).rules.at(-1)).toEqual({ level: 'None' });
  });

  test('is the same document on every call', () => {
    expect(JSON.stringify(auditPolicy())).toBe(JSON.stringify(policy));
  });
});
