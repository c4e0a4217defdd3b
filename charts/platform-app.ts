import { App } from 'cdk8s';
import { COLORS, PlatformModel, pascalCase } from '../lib';
import { ColorChart } from './color-chart';
import { PlatformChart } from './platform-chart';

/**
 * Builds the platform's cdk8s App from a validated model: for every region, the `platform`
 * component and one chart per colour.
 */
export function buildPlatformApp(model: PlatformModel, outdir?: string): App {
  const app = new App({ outdir });
  for (const region of model.spec.regions) {
    const regionScope = pascalCase(region.name);
    new PlatformChart(app, `${regionScope}Platform`, { spec: model.spec, region: region.name });
    for (const color of COLORS) {
      new ColorChart(app, `${regionScope}${pascalCase(color)}`, { spec: model.spec, release: model.release, region: region.name, color });
    }
  }
  return app;
}
