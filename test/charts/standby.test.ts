import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { platformApp, platformSpec } from '../../charts';
import { RenderedObject, verifyManifests, writeTree } from '../../lib';
import { BLUEGREEN_PARITY } from '../../lib/policy/rules/blue-green';
import { regionalMinReplicas, synthesize, validatePlatform } from '../../platform';
import { runHelm } from '../helpers/helm';
import { clone, clusterPerColorSpec, committedRelease, problemsOf } from '../helpers/manifests';

const FLOOR = 2;
const SOAK_MINUTES = 20;
const ANNOTATION = 'alp-deploy.io/standby-scaling';

function floorSpec(standby: object = { mode: 'floor', floorReplicas: FLOOR, soakMinutes: SOAK_MINUTES }): any {
  const spec: any = clone(platformSpec);
  spec.delivery = { standby };
  return spec;
}

/** Each spec and release synthesized once in this file (the tests only read the outputs). */
const synthesized = new Map<string, ReturnType<typeof synthesize>>();
const synth = (spec: any, release: any = committedRelease()) => {
  const key = JSON.stringify([spec, release]);
  if (!synthesized.has(key)) synthesized.set(key, synthesize({ ...platformApp, defaultSpec: spec }, { release }));
  return synthesized.get(key)!;
};
const hpasOf = (objects: readonly RenderedObject[], region: string, color: string) =>
  objects
    .filter((o) => o.region === region && o.component === color && o.manifest.kind === 'HorizontalPodAutoscaler')
    .map((o) => o.manifest);
const keyOf = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objects: readonly RenderedObject[], cluster: string) =>
  new Map(objects.filter((o) => o.cluster === cluster && o.path.startsWith('manifests/')).map((o) => [keyOf(o.manifest), o.manifest]));
const changed = (a: Map<string, any>, b: Map<string, any>) =>
  [...new Set([...a.keys(), ...b.keys()])].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))).sort();

describe('delivery.standby', () => {
  const release = committedRelease();
  const off = synth(platformSpec);
  const on = synth(floorSpec());
  const model = validatePlatform(floorSpec(), release);

  test("off (the default, or mode 'full' written out): every file as today's", () => {
    const explicit = synth(floorSpec({ mode: 'full', floorReplicas: 3, soakMinutes: 45 }));
    expect([...explicit.files.keys()]).toEqual([...off.files.keys()]);
    expect([...explicit.files.entries()].filter(([path, content]) => off.files.get(path) !== content).map(([p]) => p)).toEqual([]);
    expect(validatePlatform(platformSpec, release).spec.delivery.standby).toEqual({ mode: 'full', floorReplicas: 2, soakMinutes: 30 });
  });

  test.each(model.spec.regions.map((r) => [r.name, r] as const))(
    "on, in %s: the idle colour's HPAs at the floor with the soak as scale-down window; the live colour's as without the option",
    (name, region) => {
      const live = release.regions[name].activeColor;
      const idle = live === 'blue' ? 'green' : 'blue';
      const annotation = JSON.stringify({ floorReplicas: FLOOR, soakSeconds: SOAK_MINUTES * 60 });
      for (const service of model.spec.services.filter((s) => s.autoscaling)) {
        const find = (objects: readonly RenderedObject[], color: string) =>
          hpasOf(objects, name, color).find((h) => h.metadata.name === service.name);
        const regionalMin = regionalMinReplicas(service.autoscaling!.minReplicas, region);
        expect([service.name, find(on.objects, idle).spec.minReplicas]).toEqual([service.name, Math.min(FLOOR, regionalMin)]);
        expect(find(on.objects, idle).spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(SOAK_MINUTES * 60);
        expect(find(on.objects, idle).metadata.annotations[ANNOTATION]).toBe(annotation);
        const { [ANNOTATION]: liveAnnotation, ...liveAnnotations } = find(on.objects, live).metadata.annotations;
        expect(liveAnnotation).toBe(annotation);
        const liveHpa = { ...find(on.objects, live), metadata: { ...find(on.objects, live).metadata, annotations: liveAnnotations } };
        expect(liveHpa).toEqual(find(off.objects, live));
      }
      // Nothing but the HPAs differs from the output without the option.
      const offObjects = byKey(off.objects, `alp-${name}`);
      expect(changed(offObjects, byKey(on.objects, `alp-${name}`)).every((k) => k.startsWith('HorizontalPodAutoscaler/'))).toBe(true);
    },
  );

  test("a switch flips them: the new live colour's HPAs back at the service's minimum, the old one's at the floor", () => {
    const switched = clone(release);
    switched.regions.primary.activeColor = 'green';
    const after = synth(floorSpec(), switched);
    expect(hpasOf(after.objects, 'primary', 'green')).toEqual(
      hpasOf(on.objects, 'primary', 'blue').map((h) => recolor(h, 'blue', 'green')),
    );
    expect(hpasOf(after.objects, 'primary', 'blue')).toEqual(
      hpasOf(on.objects, 'primary', 'green').map((h) => recolor(h, 'green', 'blue')),
    );
    // The other region's colours keep their sizes.
    expect(changed(byKey(on.objects, 'alp-dr'), byKey(after.objects, 'alp-dr'))).toEqual([]);
  });

  test('blue/green parity lets the idle HPA differ only as the floor says', () => {
    const hpas = on.objects.filter((o) => o.cluster === 'alp-primary' && o.manifest.kind === 'HorizontalPodAutoscaler');
    const verify = (objects: readonly RenderedObject[]) =>
      verifyManifests(
        objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.cluster })),
        { rules: [BLUEGREEN_PARITY] },
      ).findings.map((f) => f.message);
    expect(verify(hpas)).toEqual([]);
    const tampered = hpas.map((o) =>
      o.component === 'green' && o.manifest.metadata.name === 'api-gateway'
        ? { ...o, manifest: { ...o.manifest, spec: { ...o.manifest.spec, minReplicas: 1 } } }
        : o,
    );
    expect(verify(tampered)).toEqual([
      "HorizontalPodAutoscaler/alp-blue/api-gateway: differs from its green counterpart HorizontalPodAutoscaler/alp-green/api-gateway at 'spec.behavior.scaleDown.stabilizationWindowSeconds' (blue: 300, green: 1200), 'spec.minReplicas' (blue: 3, green: 1); only the colour, images, version label and the configuration staged on a colour (annotation alp-deploy.io/color-config) may differ",
    ]);
  });

  test.each([
    [
      { mode: 'floor', soakMinutes: 61 },
      "spec: 'delivery.standby.soakMinutes' (61) must be an integer from 1 to 60 (the HPA's scale-down stabilizationWindowSeconds is at most 3600 seconds)",
    ],
    [
      { mode: 'floor', floorReplicas: 1 },
      "spec: 'delivery.standby.floorReplicas' (1) must be an integer from 2 to 500 (every service runs at least 2 replicas; 500 is the platform's limit per service and colour)",
    ],
    [{ mode: 'zero' }, 'spec: \'delivery.standby.mode\' ("zero") must be one of "full", "floor"'],
  ])('refuses %j with one line naming the field, the value and the rule', (standby, message) => {
    expect(problemsOf(floorSpec(standby))).toEqual([message]);
  });
});

/** An object of one colour as the other colour's counterpart. */
function recolor(manifest: any, from: string, to: string): any {
  return JSON.parse(JSON.stringify(manifest).replace(new RegExp(`\\b${from}\\b`, 'g'), to));
}

describe('the Helm charts with the idle colour at a floor, checked with the real helm', () => {
  const release = committedRelease();
  const dir = mkdtempSync(join(tmpdir(), 'alp-helm-standby-'));
  const output = synth(floorSpec());
  beforeAll(() => writeTree(dir, new Map([...output.files].filter(([path]) => path.startsWith('helm/')))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** helm template's stdout by its arguments: each chart and values rendered once. */
  const helmOutput = new Map<string, string>();
  const template = (cluster: string, ...set: string[]) => {
    const args = ['template', cluster, join(dir, 'helm', cluster), ...set.flatMap((s) => ['--set', s])];
    if (!helmOutput.has(args.join('\0'))) {
      const result = runHelm(args);
      if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
      helmOutput.set(args.join('\0'), result.stdout);
    }
    return new Map((yaml.loadAll(helmOutput.get(args.join('\0'))!) as any[]).filter(Boolean).map((d) => [keyOf(d), d]));
  };

  test.each(['alp-primary', 'alp-dr'])('%s: helm lint --strict passes, and the default values render exactly its manifests', (cluster) => {
    const lint = runHelm(['lint', '--strict', join(dir, 'helm', cluster)]);
    expect([lint.status, lint.stderr]).toEqual([0, '']);
    expect(changed(template(cluster), byKey(output.objects, cluster))).toEqual([]);
  });

  test.each([
    ['primary', 'green'],
    ['dr', 'green'],
    ['primary', 'blue'],
  ])('in %s, --set activeColor=%s renders exactly what the switch commit synthesizes', (region, color) => {
    const switched = clone(release);
    switched.regions[region].activeColor = color;
    const cluster = `alp-${region}`;
    const rendered = template(cluster, `activeColor=${color}`);
    expect(changed(rendered, byKey(synth(floorSpec(), switched).objects, cluster))).toEqual([]);
    if (color === release.regions[region].activeColor) return;
    // The routes and every HPA of both colours (the scale-down window of each, the minimum where the floor is lower).
    const hpas = [...rendered.keys()].filter((k) => k.startsWith('HorizontalPodAutoscaler/'));
    expect(changed(template(cluster), rendered)).toEqual(
      [
        'AnalysisRun/alp-edge/switch-gate',
        'AnalysisRun/alp-edge/switch-watch',
        'HTTPRoute/alp-edge/api-gateway',
        'HTTPRoute/alp-edge/api-gateway-preview',
        'PrometheusRule/alp-edge/switch-rules',
        ...hpas,
      ].sort(),
    );
  });

  test("colors.<colour>.autoscaling.<service>.minReplicas sets the colour's minimum while live; while idle it stays at the floor", () => {
    const both = ['colors.blue.autoscaling.api-gateway.minReplicas=4', 'colors.green.autoscaling.api-gateway.minReplicas=4'];
    const rendered = template('alp-primary', ...both);
    expect(rendered.get('HorizontalPodAutoscaler/alp-blue/api-gateway').spec.minReplicas).toBe(4);
    expect(rendered.get('HorizontalPodAutoscaler/alp-green/api-gateway').spec.minReplicas).toBe(FLOOR);
    const flipped = template('alp-primary', ...both, 'activeColor=green');
    expect(flipped.get('HorizontalPodAutoscaler/alp-green/api-gateway').spec.minReplicas).toBe(4);
    expect(flipped.get('HorizontalPodAutoscaler/alp-blue/api-gateway').spec.minReplicas).toBe(FLOOR);
  });
});

describe('the floor with one cluster per colour', () => {
  test("each colour cluster's chart renders its manifests, and with the other colour live the switch's", () => {
    const release = committedRelease();
    const spec = { ...clusterPerColorSpec(), delivery: { standby: { mode: 'floor', floorReplicas: FLOOR, soakMinutes: SOAK_MINUTES } } };
    const switched = clone(release);
    switched.regions.primary.activeColor = 'green';
    const [before, after] = [synth(spec), synth(spec, switched)];
    expect(hpasOf(before.objects, 'primary', 'green').find((h) => h.metadata.name === 'api-gateway').spec.minReplicas).toBe(FLOOR);
    const dir = mkdtempSync(join(tmpdir(), 'alp-helm-standby-clusters-'));
    try {
      writeTree(dir, new Map([...before.files].filter(([path]) => path.startsWith('helm/'))));
      for (const cluster of ['alp-primary-blue', 'alp-primary-green']) {
        const render = (...set: string[]) => {
          const result = runHelm(['template', cluster, join(dir, 'helm', cluster), ...set.flatMap((s) => ['--set', s])]);
          expect(result.stderr).toBe('');
          return new Map((yaml.loadAll(result.stdout) as any[]).filter(Boolean).map((d) => [keyOf(d), d]));
        };
        expect(changed(render(), byKey(before.objects, cluster))).toEqual([]);
        expect(changed(render('activeColor=green'), byKey(after.objects, cluster))).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
