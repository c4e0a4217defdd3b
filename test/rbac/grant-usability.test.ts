/**
 * Every RBAC grant of the platform is usable (its pods mount the token and reach the API server)
 * and names objects that exist or are declared external.
 */
import { join } from 'node:path';
import { platformApp, platformSpec } from '../../charts';
import { SpecError } from '../../lib/core/problems';
import { undeclaredObjectProblems } from '../../lib/rbac/api-grants';
import { clone, committedRelease, findObject, platformModel, REPO_ROOT } from '../helpers/manifests';
import { clusterModel, clusterPlacements, synthesize, validatePlatform } from '../../platform';

const model = platformModel();
const { spec } = model;
const granted = spec.services.filter((s) => s.kubernetesApi);

describe('RBAC grants |', () => {
  const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });

  test('the spec has a grant to check (learning-engine)', () => {
    expect(granted.map((s) => s.name)).toContain('learning-engine');
  });

  test.each(['blue', 'green'] as const)(
    'in %s, each granted service mounts its token and may reach the API server on its ports',
    (color) => {
      for (const placement of clusterPlacements(spec)) {
        // Each region's cluster has its own API server.
        const region = placement.region.name;
        const api = clusterModel(spec, undefined, placement.cluster).components['api-server'];
        const manifests = output.objects.filter((o) => o.region === region && o.component === color).map((o) => o.manifest);
        for (const service of granted) {
          expect(findObject(manifests, 'RoleBinding', `${service.name}-api`).subjects[0].name).toBe(service.name);
          expect(findObject(manifests, 'Deployment', service.name).spec.template.spec.automountServiceAccountToken).toBe(true);
          const egress = findObject(manifests, 'NetworkPolicy', service.name).spec.egress;
          for (const cidr of api.cidrs!) {
            const rule = egress.find((r: any) => r.to.some((p: any) => p.ipBlock?.cidr === cidr));
            expect(rule?.ports.map((p: any) => p.port)).toEqual(api.ports.map((p) => p.port));
          }
        }
      }
    },
  );

  test('every object a grant names is generated or declared external', () => {
    for (const service of granted) {
      expect(undeclaredObjectProblems(service.name, service.kubernetesApi!.rules, service.kubernetesApi!.externalObjects)).toEqual([]);
    }
    expect(granted.find((s) => s.name === 'learning-engine')!.kubernetesApi!.externalObjects.map((o) => `${o.resource}/${o.name}`)).toEqual(
      ['configmaps/learning-engine-models'],
    );
  });

  test('the spec refuses a grant that names an object nobody creates', () => {
    const input = clone(platformSpec) as any;
    const engine = input.services.findIndex((s: any) => s.name === 'learning-engine');
    delete input.services[engine].kubernetesApi.externalObjects;
    let error: unknown;
    try {
      validatePlatform(input, committedRelease());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems).toEqual([
      `spec: 'services[${engine}].kubernetesApi.rules[0].resourceNames[0]' ("learning-engine-models") must name an object that exists: the platform generates no configmaps 'learning-engine-models'; declare it in 'kubernetesApi.externalObjects' ({ resource: 'configmaps', name: 'learning-engine-models', providedBy: '<who creates it>' }), or remove the rule`,
    ]);
  });
});
