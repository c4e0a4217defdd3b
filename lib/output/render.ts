import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AlpError, PlacedChart } from '../core';
import { toYaml } from './yaml';

/** One synthesized object and where it is written. */
export interface RenderedObject {
  readonly region: string;
  readonly component: string;
  /** The cluster it runs in (the chart's). */
  readonly cluster: string;
  /** Path below the output directory, e.g. `manifests/<region>/<component>/<kind>-<name>.yaml`. */
  readonly path: string;
  /** The object as Kubernetes JSON. */
  readonly manifest: any;
}

/** Everything a synth writes: file path (relative to the output directory) to content. */
export interface SynthesisOutput {
  readonly objects: RenderedObject[];
  readonly files: Map<string, string>;
}

/**
 * Validates the app (every construct's deferred checks, all reported at once) and renders
 * each object of each placed chart to its file. Objects outside a PlacedChart are an error:
 * every object must have a place in the GitOps tree.
 */
export function renderApp(app: App): SynthesisOutput {
  const objects = renderObjects(app);
  return { objects, files: manifestFiles(objects) };
}

/**
 * The objects of `app` as `renderApp` renders them, sorted by path, without their files: a
 * caller that verifies them first serializes them afterwards (`manifestFiles`), and the app can
 * be released as soon as this returns.
 */
export function renderObjects(app: App): RenderedObject[] {
  validateConstructs(app);
  const objects: RenderedObject[] = [];
  const owners = new Map<string, string>();
  const collisions: string[] = [];

  for (const chart of app.charts) {
    if (!PlacedChart.isPlacedChart(chart)) {
      throw new AlpError(`${chart.node.path}: is a Chart without a place in dist/; use PlacedChart with a region and a component`);
    }
    for (const object of apiObjectsOf(chart)) {
      const manifest = object.toJson();
      const path = `${chart.directory}/${fileName(manifest)}`;
      const owner = owners.get(path);
      if (owner) collisions.push(`${object.node.path}: writes ${path}, which ${owner} writes too; give one of them another name`);
      owners.set(path, object.node.path);
      objects.push({ region: chart.region, component: chart.component, cluster: chart.cluster, path, manifest });
    }
  }
  if (collisions.length > 0) throw new AlpError('objects collide in the output tree', collisions);
  return objects.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Each object's file: its path and its manifest as YAML (`toYaml`). */
export function manifestFiles(objects: readonly RenderedObject[]): Map<string, string> {
  return new Map(objects.map((object) => [object.path, toYaml(object.manifest)]));
}

/** `<kind>-<name>.yaml`, lowercase kind. */
export function fileName(manifest: { kind: string; metadata: { name: string } }): string {
  return `${manifest.kind.toLowerCase()}-${manifest.metadata.name}.yaml`;
}

function validateConstructs(app: App): void {
  const errors: string[] = [];
  for (const construct of app.node.findAll()) {
    for (const message of construct.node.validate()) errors.push(`[${construct.node.path}] ${message}`);
  }
  if (errors.length > 0) throw new AlpError('validation failed', errors);
}

/** The ApiObjects of a chart, including nested constructs but not nested charts. */
function apiObjectsOf(chart: IConstruct): ApiObject[] {
  const found: ApiObject[] = [];
  const visit = (construct: IConstruct) => {
    for (const child of construct.node.children) {
      if (PlacedChart.isPlacedChart(child)) continue;
      if (ApiObject.isApiObject(child)) found.push(child);
      visit(child);
    }
  };
  visit(chart);
  return found;
}
