import { App } from 'cdk8s';
import { COLORS, PlatformModel, pascalCase } from '../lib';
import { ColorChart } from './color-chart';
import { EdgeChart } from './edge-chart';
import { PlatformChart } from './platform-chart';
import { DataChart, MonitoringChart } from './shared-services-charts';

/**
 * Builds the platform's cdk8s App from a validated model: for every region, the `platform`
 * component, one chart per colour, and the shared `edge`, `data` and `monitoring` components.
 */
export function buildPlatformApp(model: PlatformModel, outdir?: string): App {
  const app = new App({ outdir });
  for (const region of model.spec.regions) {
    const regionScope = pascalCase(region.name);
    new PlatformChart(app, `${regionScope}Platform`, { spec: model.spec, region: region.name });
    for (const color of COLORS) {
      new ColorChart(app, `${regionScope}${pascalCase(color)}`, { spec: model.spec, release: model.release, region: region.name, color });
    }
    new EdgeChart(app, `${regionScope}Edge`, { spec: model.spec, release: model.release, region: region.name });
    new DataChart(app, `${regionScope}Data`, { spec: model.spec, region: region.name });
    new MonitoringChart(app, `${regionScope}Monitoring`, { spec: model.spec, region: region.name });
  }
  return app;
}
