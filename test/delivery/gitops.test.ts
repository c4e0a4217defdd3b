import { join } from 'node:path';
import { applicationTargets, evaluateCluster, governedConnection, platformApp } from '../../charts';
import { renderApp, validateSchema } from '../../lib';
import { isStatefulKind, syncWave } from '../../lib/delivery/sync-policy';
import { GITOPS_AUTOMATED_SYNC } from '../../lib/policy/rules';
import { verifyManifests } from '../../lib/policy/verify';
import { clusterPerColorSpec, committedRelease, platformModel, REPO_ROOT } from '../helpers/manifests';
import { clusterPlacements, declaredConnections, edgeGateways, PlatformAppDefinition, synthesize, validateSpec } from '../../platform';

const RELEASE = join(REPO_ROOT, 'release.yaml');

describe('Argo CD delivery |', () => {
  // The rendered objects (synth's own verification is tested elsewhere).
  const output = renderApp(platformApp.build(platformModel()));
  const find = (path: string) => output.objects.find((o) => o.path === path)!.manifest;
  const argo = output.objects.filter((o) => o.path.startsWith('argocd/'));
  const applications = argo
    .filter((o) => o.manifest.kind === 'Application' && !o.path.startsWith('argocd/bootstrap/'))
    .map((o) => o.manifest);
  const targets = applicationTargets(validateSpec(platformModel().spec));

  test('one Application per (region, component): every path exists and every folder is covered exactly once', () => {
    // GIVEN the Applications' source paths
    const paths = applications.map((a) => a.spec.source.path);
    // THEN
    const folders = [
      ...new Set(
        output.objects.filter((o) => o.path.startsWith('manifests/')).map((o) => `dist/${o.path.split('/').slice(0, 3).join('/')}`),
      ),
    ].sort();
    expect([...paths].sort()).toEqual(folders);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.length).toBe(targets.length);
  });

  test('every Application syncs automatically with self-heal, prune and retry with backoff, each retry with the newest commit (refresh); no ApplicationSet strategy turns that off', () => {
    for (const application of applications) {
      expect({ name: application.metadata.name, syncPolicy: application.spec.syncPolicy }).toEqual({
        name: application.metadata.name,
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true'],
          retry: { limit: 5, refresh: true, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      });
      // No resources finalizer: deleting an Application leaves what it deployed.
      expect(application.metadata.finalizers).toBeUndefined();
    }
    // RollingSync forces autosync off in generated Applications (Argo CD Progressive Syncs).
    expect(argo.filter((o) => o.manifest.kind === 'ApplicationSet').map((o) => o.path)).toEqual([]);
    const report = verifyManifests(
      argo.map((o) => ({ manifest: o.manifest, file: o.path })),
      { rules: [GITOPS_AUTOMATED_SYNC] },
    );
    expect(report.findings).toEqual([]);
  });

  test('the app of apps orders the Applications by sync waves on the Application objects: platform, data and logging, colours, then edge and monitoring', () => {
    const waveOf = (region: string, component: string) =>
      Number(
        applications.find((a) => a.metadata.name === `alp-${region}-${component}`)!.metadata.annotations['argocd.argoproj.io/sync-wave'],
      );
    for (const target of targets)
      expect({ target: `${target.region}/${target.component}`, wave: waveOf(target.region, target.component) }).toEqual({
        target: `${target.region}/${target.component}`,
        wave: target.wave,
      });
    const primary = (component: string) => waveOf('primary', component);
    expect(primary('platform')).toBeLessThan(primary('data'));
    expect(primary('data')).toBe(primary('logging'));
    expect(primary('data')).toBeLessThan(primary('blue'));
    expect(primary('blue')).toBe(primary('green'));
    expect(primary('green')).toBeLessThan(primary('edge'));
    expect(primary('edge')).toBe(primary('monitoring'));
    // The AppProject exists before any Application of it.
    expect(Number(find('argocd/appproject-alp.yaml').metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(
      Math.min(...targets.map((t) => t.wave)),
    );
  });

  test("a switch changes only the router's folder: its own Application syncs it at once, whatever the other Applications' health", () => {
    // GIVEN the active colour of the primary region flipped
    const release = committedRelease();
    const active = release.regions.primary.activeColor;
    release.regions.primary.activeColor = active === 'blue' ? 'green' : 'blue';
    const switched = renderApp(platformApp.build({ ...platformModel(), release }));
    // THEN only manifests of the primary edge Application change; nothing the app of apps syncs does
    const changed = [...switched.files.keys()].filter((path) => switched.files.get(path) !== output.files.get(path));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((p) => !p.startsWith('manifests/primary/edge/'))).toEqual([]);
    const edge = applications.find((a) => a.spec.source.path === 'dist/manifests/primary/edge')!;
    expect(edge.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('the AppProject allows only this repository, the platform namespaces on the declared clusters, and the kinds the platform emits', () => {
    const project = find('argocd/appproject-alp.yaml').spec;
    expect(project.sourceRepos).toEqual(['https://git.alp.example.com/platform/alp-deploy.git']);
    // Every namespace an object is synced to (Velero's among them: the data backups' Schedule and
    // the restore drill's Role), on every declared cluster, and nothing else.
    const servers = new Set(targets.map((t) => t.server));
    const namespaces = new Set(
      output.objects
        .filter((o) => o.path.startsWith('manifests/') && o.manifest.metadata.namespace)
        .map((o) => o.manifest.metadata.namespace),
    );
    expect(new Set(project.destinations.map((d: any) => d.server))).toEqual(servers);
    expect(new Set(project.destinations.map((d: any) => d.namespace))).toEqual(namespaces);
    expect(project.destinations).toHaveLength(servers.size * namespaces.size);
    const clusterScoped = new Set(
      output.objects.filter((o) => o.path.startsWith('manifests/') && !o.manifest.metadata.namespace).map((o) => o.manifest.kind),
    );
    expect(new Set(project.clusterResourceWhitelist.map((k: any) => k.kind))).toEqual(clusterScoped);
    const emitted = new Set(
      output.objects.filter((o) => o.path.startsWith('manifests/') && o.manifest.metadata.namespace).map((o) => o.manifest.kind),
    );
    expect(new Set(project.namespaceResourceWhitelist.map((k: any) => k.kind))).toEqual(emitted);
    expect(JSON.stringify(project)).not.toContain('*');
  });

  test("one app of apps per region, each syncing exactly its region's Applications (the first also the AppProject), in a project that may only manage those kinds", () => {
    const bootstraps = argo
      .filter((o) => o.path.startsWith('argocd/bootstrap/') && o.manifest.kind === 'Application')
      .map((o) => o.manifest);
    const regions = [...new Set(targets.map((t) => t.region))];
    expect(bootstraps.map((b) => b.metadata.name)).toEqual(regions.map((r) => `alp-bootstrap-${r}`).sort());
    // Each file of argocd/ (bootstrap/ aside) is in exactly one app of apps' include glob.
    const included = new Map<string, string[]>();
    for (const app of bootstraps) {
      expect(app.spec.source).toEqual(
        expect.objectContaining({
          repoURL: 'https://git.alp.example.com/platform/alp-deploy.git',
          targetRevision: 'main',
          path: 'dist/argocd',
        }),
      );
      expect(app.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
      const include = /^\{(.*)\}$/.exec(app.spec.source.directory.include)![1].split(',');
      for (const file of include) included.set(file, [...(included.get(file) ?? []), app.metadata.name]);
      // All of one region's Applications, so that their health waves wait for that region only.
      const region = app.metadata.name.replace('alp-bootstrap-', '');
      const own = applications
        .filter((a) => a.metadata.labels['alp-deploy.io/region'] === region)
        .map((a) => `application-${a.metadata.name}.yaml`);
      expect(include.filter((f) => f.startsWith('application-')).sort()).toEqual(own.sort());
    }
    const files = argo
      .filter((o) => !o.path.startsWith('argocd/bootstrap/'))
      .map((o) => o.path.slice('argocd/'.length))
      .sort();
    expect([...included.keys()].sort()).toEqual(files);
    expect([...included.values()].filter((owners) => owners.length !== 1)).toEqual([]);
    expect(find('argocd/bootstrap/appproject-alp-bootstrap.yaml').spec.namespaceResourceWhitelist).toEqual([
      { group: 'argoproj.io', kind: 'AppProject' },
      { group: 'argoproj.io', kind: 'Application' },
    ]);
  });

  test('sync waves order namespaces and policies, secrets, data, services, then the edge (Gateways, routes and their certificates) and monitoring', () => {
    expect(
      [
        'Namespace',
        'NetworkPolicy',
        'ExternalSecret',
        'StatefulSet',
        'Deployment',
        'HTTPRoute',
        'Certificate',
        'Gateway',
        'ServiceMonitor',
      ].map(syncWave),
    ).toEqual([-3, -2, -1, 0, 1, 2, 2, 2, 2]);
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
    expect(
      find('manifests/primary/blue/deployment-user-service.yaml').metadata.annotations['argocd.argoproj.io/sync-options'],
    ).toBeUndefined();
  });

  test('all Argo CD objects validate against the Argo CD CRD schemas', () => {
    // The platform's Applications and one app of apps per region.
    const regions = new Set(targets.map((t) => t.region)).size;
    expect(argo.map((o) => o.manifest.kind).sort()).toEqual([
      'AppProject',
      'AppProject',
      ...Array(targets.length + regions).fill('Application'),
    ]);
    expect(argo.flatMap((o) => validateSchema(o.manifest))).toEqual([]);
  });
});

describe('cluster-per-color topology |', () => {
  const spec = clusterPerColorSpec();
  const definition: PlatformAppDefinition = { ...platformApp, defaultSpec: spec };
  const output = synthesize(definition, { releaseFile: RELEASE });

  test('each colour is its own cluster with its own platform, edge, data, monitoring and logging components', () => {
    const folders = [...new Set(output.objects.filter((o) => o.region === 'primary').map((o) => o.component))].sort();
    expect(folders).toEqual([
      'blue',
      'blue-data',
      'blue-edge',
      'blue-logging',
      'blue-monitoring',
      'blue-platform',
      'green',
      'green-data',
      'green-edge',
      'green-logging',
      'green-monitoring',
      'green-platform',
    ]);
    const servers = applicationTargets(validateSpec(spec))
      .filter((t) => t.region === 'primary')
      .map((t) => `${t.component} ${t.server}`);
    expect(servers).toContain('green https://green.primary.k8s.alp.example.com');
    expect(servers).toContain('blue-edge https://blue.primary.k8s.alp.example.com');
  });

  test("weighted DNS on each cluster's Gateways is the switch: live to the active colour, preview to the standby", () => {
    const annotations = (component: string, name: string) =>
      output.objects.find((o) => o.path === `manifests/primary/${component}/gateway-${name}.yaml`)!.manifest.metadata.annotations;
    expect(annotations('blue-edge', 'alp-gateway')).toMatchObject({
      'external-dns.alpha.kubernetes.io/set-identifier': 'primary-blue',
      'external-dns.alpha.kubernetes.io/aws-weight': '100',
    });
    expect(annotations('green-edge', 'alp-gateway')).toMatchObject({
      'external-dns.alpha.kubernetes.io/set-identifier': 'primary-green',
      'external-dns.alpha.kubernetes.io/aws-weight': '0',
    });
    expect(annotations('blue-edge', 'alp-gateway-preview')['external-dns.alpha.kubernetes.io/aws-weight']).toBe('0');
    expect(annotations('green-edge', 'alp-gateway-preview')['external-dns.alpha.kubernetes.io/aws-weight']).toBe('100');
  });

  test("a switch changes only the Gateways' DNS weights and the switch alerts' live colour, and moves the switch analyses to the live colour's cluster", () => {
    const release = committedRelease();
    release.regions.primary.activeColor = 'green';
    const switched = synthesize(definition, { releaseFile: RELEASE, release });
    const paths = [...new Set([...switched.files.keys(), ...output.files.keys()])].sort();
    const changed = paths.filter((path) => switched.files.get(path) !== output.files.get(path));
    expect(changed.filter((p) => p.startsWith('manifests/'))).toEqual([
      'manifests/primary/blue-edge/analysisrun-switch-gate.yaml',
      'manifests/primary/blue-edge/analysisrun-switch-watch.yaml',
      'manifests/primary/blue-edge/gateway-alp-gateway-preview.yaml',
      'manifests/primary/blue-edge/gateway-alp-gateway.yaml',
      'manifests/primary/blue-edge/prometheusrule-switch-rules.yaml',
      'manifests/primary/green-edge/analysisrun-switch-gate.yaml',
      'manifests/primary/green-edge/analysisrun-switch-watch.yaml',
      'manifests/primary/green-edge/gateway-alp-gateway-preview.yaml',
      'manifests/primary/green-edge/gateway-alp-gateway.yaml',
      'manifests/primary/green-edge/prometheusrule-switch-rules.yaml',
    ]);
    expect(switched.files.has('manifests/primary/blue-edge/analysisrun-switch-gate.yaml')).toBe(false);
    expect(output.files.has('manifests/primary/green-edge/analysisrun-switch-gate.yaml')).toBe(false);
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
      const declared = declaredConnections(
        parsed,
        placement.colors,
        edgeGateways(parsed).map((g) => g.name),
      );
      const checked = governedConnection(parsed);
      expect(result.connections.filter(checked).map(key)).toEqual(declared.filter(checked).map(key));
    }
  });

  test("fails when a region declares the other topology's clusters", () => {
    const spec2 = clusterPerColorSpec();
    spec2.regions[0].cluster = { name: 'x', server: 'https://x.example.com' };
    delete spec2.regions[1].colorClusters;
    expect(() => validateSpec(spec2)).toThrow(
      [
        'invalid platform input (2 problems); nothing was written',
        '  - spec: \'regions[0].cluster\' ({"name":"x","server":"https://x.example.com"}) must not be set with topology "cluster-per-color"; use \'colorClusters\'',
        '  - spec: \'regions[1].colorClusters\' (missing) is required with topology "cluster-per-color"',
      ].join('\n'),
    );
  });
});
