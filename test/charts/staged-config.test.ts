import { platformApp, platformSpec } from '../../charts';
import { committedRelease } from '../helpers/manifests';
import { regionalMinReplicas, synthesize } from '../../platform';

// What a colour stages reaches, besides its own Deployments and HPAs, the objects sized or judged
// from what the colour runs: the colour namespaces' quota, the switch gate's live minimum, and the
// Helm chart's values of the region.

const NEW_GATEWAY = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'e'.repeat(64)}`;

/** The synthesis (objects and every file of dist/, Helm charts included) of the committed release as `change` changes it. */
function render(change: (release: any) => void) {
  const release = committedRelease();
  change(release);
  return synthesize(platformApp, { release });
}
type Output = ReturnType<typeof render>;
const manifest = (output: Output, path: string) => output.objects.find((o) => o.path === path)?.manifest;
const user = platformSpec.services.find((s) => s.name === 'user-service')!;
/** The pods a service may have in its namespace at full scale, a rolling update's surge included (quotaFor). */
const surged = (max: number) => max + Math.ceil(max * 0.25);

describe('configuration staged on a colour, beyond its own objects |', () => {
  const base = render(() => {});
  const staged = render((r) => {
    r.colors.green.config = { 'user-service': { autoscaling: { minReplicas: user.autoscaling!.minReplicas + 1, maxReplicas: 20 } } };
    r.regions.dr.colors = { green: { images: { 'api-gateway': NEW_GATEWAY } } };
    r.regions.primary.activeColor = 'green';
  });

  test("both colour namespaces' quotas hold the larger colour at full scale, and stay equal (parity)", () => {
    const quota = (output: Output, color: string) =>
      manifest(output, `manifests/primary/platform/resourcequota-alp-${color}-quota.yaml`).spec.hard;
    const grown = surged(20) - surged(user.autoscaling!.maxReplicas);
    expect(quota(staged, 'green').pods).toBe(quota(base, 'green').pods + grown);
    expect(quota(staged, 'blue')).toEqual(quota(staged, 'green'));
  });

  test('the switch gate waits for the live minimum the target colour stages', () => {
    const gate = manifest(staged, 'manifests/primary/edge/analysisrun-switch-gate.yaml');
    const ready = gate.spec.metrics.find((m: any) => m.name === 'user-service-ready');
    const primary = staged.model.spec.regions.find((r) => r.name === 'primary')!;
    expect(ready.successCondition).toBe(`result[0] >= ${regionalMinReplicas(user.autoscaling!.minReplicas + 1, primary)}`);
  });

  test("a region's own image is the one its Helm chart's values give the colour", () => {
    const values = (region: string) => staged.files.get(`helm/alp-${region}/values.yaml`)!;
    expect(values('dr')).toContain(`api-gateway: ${NEW_GATEWAY}`);
    expect(values('primary')).not.toContain(NEW_GATEWAY);
  });
});
