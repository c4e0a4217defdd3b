import { join } from 'node:path';
import { applicationTargets, evaluateCluster, platformApp } from '../../charts';
import {
  clusterPlacements, declaredConnections, edgeGateways, isStatefulKind, PlatformAppDefinition, synthesize, syncWave, validateSchema, validateSpec,
} from '../../lib';
import { clusterPerColorSpec, committedRelease, REPO_ROOT } from '../helpers/manifests';

const RELEASE = join(REPO_ROOT, 'release.yaml');

describe('Argo CD delivery |', () => {
  const output = synthesize(platformApp, { releaseFile: RELEASE });
  const find = (path: string) => output.objects.find((o) => o.path === path)!.manifest;

  test('one Application per (region, component): every path exists and every folder is covered exactly once', () => {
    // GIVEN the ApplicationSet's list elements, expanded as Argo CD's Go template does
    const appSet = find('argocd/applicationset-alp.yaml');
    const pathTemplate: string = appSet.spec.template.spec.source.path;
    const paths = appSet.spec.generators[0].list.elements.map((e: any) => pathTemplate.replace('{{.region}}', e.region).replace('{{.component}}', e.component));
    // THEN
    const folders = [...new Set(output.objects.filter((o) => o.path.startsWith('manifests/')).map((o) => `dist/${o.path.split('/').slice(0, 3).join('/')}`))].sort();
    expect([...paths].sort()).toEqual(folders);
    expect(new Set(paths).size).toBe(paths.length);
    // 7 folders per region: platform, data, logging, blue, green, edge, monitoring.
    expect(paths.length).toBe(14);
  });

  test('Applications sync automatically with self-heal, prune and retry with backoff, wave by wave', () => {
    const appSet = find('argocd/applicationset-alp.yaml');
    expect(appSet.spec.template.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true'],
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
    });
    const waveOf = (component: string) => appSet.spec.generators[0].list.elements.find((e: any) => e.region === 'primary' && e.component === component).wave;
    expect(['platform', 'data', 'blue', 'green', 'edge', 'monitoring'].map(waveOf)).toEqual(['0', '1', '2', '2', '3', '3']);
    expect(appSet.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions[0].values[0])).toEqual(['0', '1', '2', '3']);
    expect(appSet.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
  });

  test('the AppProject allows only this repository, the platform namespaces on the declared clusters, and the kinds the platform emits', () => {
    const project = find('argocd/appproject-alp.yaml').spec;
    expect(project.sourceRepos).toEqual(['https://git.alp.example.com/platform/alp-deploy.git']);
    // The 5 platform namespaces, the log shipper's alp-logging and Velero's namespace (the data
    // backups' Schedule, the restore drill's Role), on both clusters.
    expect(project.destinations).toHaveLength(14);
    expect(project.destinations.filter((d: any) => d.namespace === 'velero')).toHaveLength(2);
    expect(new Set(project.destinations.map((d: any) => d.server))).toEqual(new Set(['https://primary.k8s.alp.example.com', 'https://dr.k8s.alp.example.com']));
    expect(project.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace' },
      { group: 'cert-manager.io', kind: 'ClusterIssuer' },
      { group: 'external-secrets.io', kind: 'ClusterSecretStore' },
      // The restore drill's access to its throwaway namespaces.
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      { group: 'scheduling.k8s.io', kind: 'PriorityClass' },
    ]);
    const emitted = new Set(output.objects.filter((o) => o.path.startsWith('manifests/') && o.manifest.metadata.namespace).map((o) => o.manifest.kind));
    expect(new Set(project.namespaceResourceWhitelist.map((k: any) => k.kind))).toEqual(emitted);
    expect(JSON.stringify(project)).not.toContain('*');
  });

  test('the bootstrap Application syncs argocd/ in a project that may only manage the AppProject and ApplicationSet', () => {
    const app = find('argocd/bootstrap/application-alp-bootstrap.yaml').spec;
    expect(app.source).toEqual({ repoURL: 'https://git.alp.example.com/platform/alp-deploy.git', targetRevision: 'main', path: 'dist/argocd', directory: { recurse: false } });
    expect(app.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(find('argocd/bootstrap/appproject-alp-bootstrap.yaml').spec.namespaceResourceWhitelist).toEqual([
      { group: 'argoproj.io', kind: 'AppProject' },
      { group: 'argoproj.io', kind: 'ApplicationSet' },
    ]);
  });

  test('sync waves order namespaces and policies, secrets and certificates, data, services, router and monitoring', () => {
    expect(['Namespace', 'NetworkPolicy', 'ExternalSecret', 'Certificate', 'StatefulSet', 'Deployment', 'HTTPRoute', 'ServiceMonitor'].map(syncWave))
      .toEqual([-3, -2, -1, -1, 0, 1, 2, 2]);
    const wave = (path: string) => find(path).metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    expect(wave('manifests/primary/platform/namespace-alp-data.yaml')).toBe('-3');
    expect(wave('manifests/primary/blue/deployment-user-service.yaml')).toBe('1');
    expect(wave('manifests/primary/edge/httproute-api-gateway.yaml')).toBe('2');
  });

  test('stateful objects are never pruned or deleted by Argo CD', () => {
    expect(['Namespace', 'PersistentVolumeClaim', 'StatefulSet', 'Cluster'].every(isStatefulKind)).toBe(true);
    expect(isStatefulKind('Deployment')).toBe(false);
    for (const object of output.objects.filter((o) => isStatefulKind(o.manifest.kind))) {
      expect(object.manifest.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    }
    expect(find('manifests/primary/blue/deployment-user-service.yaml').metadata.annotations['argocd.argoproj.io/sync-options']).toBeUndefined();
  });

  test('all Argo CD objects validate against the Argo CD CRD schemas', () => {
    const argo = output.objects.filter((o) => o.path.startsWith('argocd/'));
    expect(argo.map((o) => o.manifest.kind).sort()).toEqual(['AppProject', 'AppProject', 'Application', 'ApplicationSet']);
    expect(argo.flatMap((o) => validateSchema(o.manifest))).toEqual([]);
  });
});

describe('cluster-per-color topology |', () => {
  const spec = clusterPerColorSpec();
  const definition: PlatformAppDefinition = { ...platformApp, defaultSpec: spec };
  const output = synthesize(definition, { releaseFile: RELEASE });

  test('each colour is its own cluster with its own platform, edge, data, monitoring and logging components', () => {
    const folders = [...new Set(output.objects.filter((o) => o.region === 'primary').map((o) => o.component))].sort();
    expect(folders).toEqual(['blue', 'blue-data', 'blue-edge', 'blue-logging', 'blue-monitoring', 'blue-platform', 'green', 'green-data', 'green-edge', 'green-logging', 'green-monitoring', 'green-platform']);
    const servers = applicationTargets(validateSpec(spec)).filter((t) => t.region === 'primary').map((t) => `${t.component} ${t.server}`);
    expect(servers).toContain('green https://green.primary.k8s.alp.example.com');
    expect(servers).toContain('blue-edge https://blue.primary.k8s.alp.example.com');
  });

  test('weighted DNS on each cluster\'s Gateways is the switch: live to the active colour, preview to the standby', () => {
    const annotations = (component: string, name: string) => output.objects.find((o) => o.path === `manifests/primary/${component}/gateway-${name}.yaml`)!.manifest.metadata.annotations;
    expect(annotations('blue-edge', 'alp-gateway')).toMatchObject({ 'external-dns.alpha.kubernetes.io/set-identifier': 'primary-blue', 'external-dns.alpha.kubernetes.io/aws-weight': '100' });
    expect(annotations('green-edge', 'alp-gateway')).toMatchObject({ 'external-dns.alpha.kubernetes.io/set-identifier': 'primary-green', 'external-dns.alpha.kubernetes.io/aws-weight': '0' });
    expect(annotations('blue-edge', 'alp-gateway-preview')['external-dns.alpha.kubernetes.io/aws-weight']).toBe('0');
    expect(annotations('green-edge', 'alp-gateway-preview')['external-dns.alpha.kubernetes.io/aws-weight']).toBe('100');
  });

  test('a switch changes only the Gateways\' DNS weights', () => {
    const release = committedRelease();
    release.regions.primary.activeColor = 'green';
    const switched = synthesize(definition, { releaseFile: RELEASE, release });
    const changed = [...switched.files.keys()].filter((path) => switched.files.get(path) !== output.files.get(path));
    expect(changed.filter((p) => p.startsWith('manifests/'))).toEqual([
      'manifests/primary/blue-edge/gateway-alp-gateway-preview.yaml',
      'manifests/primary/blue-edge/gateway-alp-gateway.yaml',
      'manifests/primary/green-edge/gateway-alp-gateway-preview.yaml',
      'manifests/primary/green-edge/gateway-alp-gateway.yaml',
    ]);
  });

  test('every object validates, and in each cluster the NetworkPolicies allow exactly the declared graph', () => {
    expect(output.objects.flatMap((o) => validateSchema(o.manifest))).toEqual([]);
    const parsed = validateSpec(spec);
    const model = { spec: parsed, release: committedRelease() };
    const placements = clusterPlacements(parsed);
    expect(placements).toHaveLength(4);
    const key = (c: { from: string; to: string; port: number; protocol: string }) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
    for (const placement of placements) {
      const { result } = evaluateCluster(output.objects, model, placement);
      const declared = declaredConnections(parsed, placement.colors, edgeGateways(parsed).map((g) => g.name));
      expect(result.connections.map(key)).toEqual(declared.map(key));
    }
  });

  test('fails when a region declares the other topology\'s clusters', () => {
    const spec2 = clusterPerColorSpec();
    spec2.regions[0].cluster = { name: 'x', server: 'https://x.example.com' };
    delete spec2.regions[1].colorClusters;
    expect(() => validateSpec(spec2)).toThrow([
      'invalid platform input (2 problems); nothing was written',
      "  - spec: 'regions[0].cluster' ({\"name\":\"x\",\"server\":\"https://x.example.com\"}) must not be set with topology \"cluster-per-color\"; use 'colorClusters'",
      "  - spec: 'regions[1].colorClusters' (missing) is required with topology \"cluster-per-color\"",
    ].join('\n'));
  });
});
