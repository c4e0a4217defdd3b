import { join } from 'node:path';
import { clusterPrerequisites, platformApp, platformSpec } from '../../charts';
import { PREREQUISITE_CONTRIBUTIONS } from '../../charts/platform-prerequisites';
import { renderClusterPrerequisites } from '../../lib';
import { clone, committedRelease, platformModel, REPO_ROOT } from '../helpers/manifests';
import { clusterModel, edgeGateways, synthesize, validatePlatform } from '../../platform';

// reports/cluster-prerequisites.md: what each cluster must provide at install time, from the
// cluster model and each area's contributions.

describe('reports/cluster-prerequisites.md |', () => {
  const { spec } = platformModel();
  const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
  const report = output.files.get('reports/cluster-prerequisites.md')!;

  test("is the rendering of the model's entries and every area's contributions, none left out", () => {
    expect(report).toBe(renderClusterPrerequisites(clusterPrerequisites(spec)));
    const model = clusterModel(
      spec,
      edgeGateways(spec).map((g) => g.name),
    );
    for (const component of Object.values(model.components).filter((c) => c.prerequisites.length > 0)) {
      expect(report).toContain(`### ${component.title}\n`);
      for (const setting of component.prerequisites) expect(report).toContain(`- ${setting}`);
    }
    for (const contribute of PREREQUISITE_CONTRIBUTIONS) {
      for (const entry of contribute(spec)) expect(report).toContain(`- ${entry.setting}`);
    }
  });

  test('names the objects and Vault keys the output really has', () => {
    // The adapter's way in for the API server, and the Vault keys the ExternalSecrets read.
    const names = new Set(output.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`));
    expect(names.has('PeerAuthentication/prometheus-adapter-from-api-server')).toBe(true);
    expect(report).toContain('`prometheus-adapter-from-api-server`');
    const remoteKeys = new Set(
      output.objects
        .filter((o) => o.manifest.kind === 'ExternalSecret')
        .flatMap((o) => (o.manifest.spec.data ?? []).map((d: any) => d.remoteRef.key)),
    );
    for (const key of [spec.monitoring.alerting.deadMansSwitchVaultKey, spec.data.redis.tlsVaultKey]) {
      expect(remoteKeys.has(key)).toBe(true);
      expect(report).toContain(`Vault \`${key}\``);
    }
  });

  test('lists a gap when the spec gives no addresses for a component that a flow reaches', () => {
    expect(report).toContain('## Gaps\n\nNone.\n');
    const changed: any = clone(platformSpec);
    // The dr cluster has its own node addresses: only the primary's are missing.
    changed.cluster = { nodeCidrs: [] };
    const gaps = renderClusterPrerequisites(clusterPrerequisites(validatePlatform(changed, committedRelease()).spec));
    const gap = (cluster: string) =>
      `- **kubelet (and cAdvisor)**: in cluster ${cluster}, the spec gives no addresses for kubelet (and cAdvisor), so Prometheus (Prometheus Operator) cannot reach it; set them in \`cluster\` or in the cluster's own entry of \`regions\`.\n`;
    expect(gaps).toContain(`## Gaps\n\n${gap('alp-primary')}`);
    expect(gaps).not.toContain(gap('alp-dr'));
    delete changed.regions[1].cluster.nodeCidrs;
    const both = renderClusterPrerequisites(clusterPrerequisites(validatePlatform(changed, committedRelease()).spec));
    expect(both).toContain(`## Gaps\n\n${gap('alp-primary')}${gap('alp-dr')}`);
  });
});
