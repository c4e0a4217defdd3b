import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformApp } from '../../charts';
import { validateSchema } from '../../lib';
import { platformModel, REPO_ROOT } from '../helpers/manifests';
import { podSpecOf, restrictedViolations } from '../helpers/pod-security';
import { schemaErrors } from '../helpers/schema';
import { synthesize, synthToDirectory } from '../../platform';
import { readTree } from '../../lib/output/files';

const RELEASE = join(REPO_ROOT, 'release.yaml');

describe('platform synthesis |', () => {
  const output = synthesize(platformApp, { releaseFile: RELEASE });

  test('is deterministic: two synths write byte-identical trees', () => {
    // GIVEN
    const scratch = mkdtempSync(join(tmpdir(), 'alp-determinism-'));
    try {
      // WHEN
      synthToDirectory(platformApp, join(scratch, 'a'), { releaseFile: RELEASE });
      synthToDirectory(platformApp, join(scratch, 'b'), { releaseFile: RELEASE });
      // THEN
      const a = readTree(join(scratch, 'a'));
      expect(a.size).toBe(output.files.size);
      expect(readTree(join(scratch, 'b'))).toEqual(a);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('writes one object per file at manifests/<region>/<component>/<kind>-<name>.yaml', () => {
    const manifests = output.objects.filter((o) => o.path.startsWith('manifests/'));
    const components = new Set(manifests.map((o) => `${o.region}/${o.component}`));
    expect([...components].sort()).toEqual([
      'dr/blue',
      'dr/data',
      'dr/edge',
      'dr/green',
      'dr/logging',
      'dr/monitoring',
      'dr/platform',
      'primary/blue',
      'primary/data',
      'primary/edge',
      'primary/green',
      'primary/logging',
      'primary/monitoring',
      'primary/platform',
    ]);
    for (const object of manifests) {
      expect(object.path).toBe(
        `manifests/${object.region}/${object.component}/${object.manifest.kind.toLowerCase()}-${object.manifest.metadata.name}.yaml`,
      );
      expect(yaml.loadAll(output.files.get(object.path)!)).toEqual([object.manifest]);
    }
    expect(
      output.files.get('manifests/primary/blue/service-user-service.yaml')!.startsWith('apiVersion: v1\nkind: Service\nmetadata:\n'),
    ).toBe(true);
  });

  test('every object validates against its schema: Kubernetes 1.28 and the CRDs, unknown fields included', () => {
    expect(output.objects.flatMap((o) => validateSchema(o.manifest))).toEqual([]);
    expect(output.objects.length).toBeGreaterThan(400);
  });

  test('every core object also validates with the kubernetes-models package', () => {
    const core = output.objects.filter(
      (o) =>
        !o.manifest.apiVersion.includes('.')
        || (o.manifest.apiVersion.includes('k8s.io/') && !o.manifest.apiVersion.startsWith('gateway.')),
    );
    expect(core.length).toBeGreaterThan(250);
    expect(core.flatMap((o) => schemaErrors(o.manifest))).toEqual([]);
  });

  test('every workload meets Pod Security Standards restricted, but the log shipper (hostPath only, excepted)', () => {
    const workloads = output.objects.filter((o) => podSpecOf(o.manifest));
    // Per region: the spec's services in each colour, the trace collector, the log shipper, and
    // the data layer's Redis StatefulSet, a retention job per GDPR data class, the erasure job and
    // the restore drill.
    const { spec } = platformModel();
    const perRegion = spec.services.length * 2 + 1 + 1 + 1 + spec.data.gdpr.dataClasses.length + 1 + 1;
    expect(workloads.length).toBe(spec.regions.length * perRegion);
    for (const workload of workloads.filter((w) => w.component !== 'logging')) {
      expect({ path: workload.path, violations: restrictedViolations(podSpecOf(workload.manifest)) }).toEqual({
        path: workload.path,
        violations: [],
      });
    }
    for (const shipper of workloads.filter((w) => w.component === 'logging')) {
      expect(restrictedViolations(podSpecOf(shipper.manifest)).every((v: string) => /hostPath/.test(v))).toBe(true);
    }
  });

  test('names carry no hash suffix and every namespaced object has a namespace', () => {
    const clusterScoped = ['Namespace', 'PriorityClass', 'ClusterIssuer', 'ClusterSecretStore', 'ClusterRole', 'ClusterRoleBinding'];
    // Velero's namespace holds the data backups' Schedule and the restore drill's Role for its Restores.
    const inVelero = (m: any) =>
      ['Schedule', 'Role', 'RoleBinding'].includes(m.kind) && (m.kind === 'Schedule' || m.metadata.name === 'restore-drill');
    for (const { manifest, path } of output.objects) {
      expect(manifest.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
      if (path.startsWith('argocd/')) expect(manifest.metadata.namespace).toBe('argocd');
      else if (inVelero(manifest)) expect(manifest.metadata.namespace).toBe('velero');
      else if (!clusterScoped.includes(manifest.kind)) expect(manifest.metadata.namespace).toMatch(/^alp-/);
    }
  });
});

describe('pod security check (test helper) |', () => {
  test('catches a privileged root pod with a hostPath', () => {
    expect(
      restrictedViolations({
        hostNetwork: true,
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
        containers: [
          {
            name: 'x',
            securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['SYS_ADMIN'] } },
            ports: [{ containerPort: 80, hostPort: 80 }],
          },
        ],
      }),
    ).toEqual([
      'host namespaces',
      'volume root uses hostPath',
      'container x is privileged',
      'container x allows privilege escalation',
      'container x may run as root',
      'container x runs as UID 0',
      'container x has no RuntimeDefault/Localhost seccomp profile',
      'container x does not drop ALL capabilities',
      'container x adds capability SYS_ADMIN',
      'container x uses hostPort 80',
    ]);
  });
});
