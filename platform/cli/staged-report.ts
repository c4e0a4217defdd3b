/**
 * What the standby colour of each region runs that the live colour does not: the images and
 * configuration a switch would promote. `alp diff` prints it as "staged on <colour>", so a
 * reviewer sees the whole release waiting behind the router, not only what one commit changed.
 */
import { otherColor } from '../../lib/core';
import { diffObjects, formatFieldChange } from '../../lib/output/field-diff';
import { colorServices, colorState, PlatformModel, ServiceSpec } from '../spec';

/** The fields a colour can stage, of one service as a colour runs it. */
function stageable(service: ServiceSpec, image: string | undefined) {
  return {
    image,
    env: service.env,
    featureFlags: service.featureFlags,
    resources: service.resources,
    autoscaling: service.autoscaling && { minReplicas: service.autoscaling.minReplicas, maxReplicas: service.autoscaling.maxReplicas },
    replicas: service.replicas,
    secrets: Object.fromEntries(service.secrets.map((s) => [s.name, { vaultKey: s.vaultKey }])),
  };
}

/** One line per staged field, `<service> <field>: <live> -> <staged>`, for one region. */
function stagedLines(model: PlatformModel, region: string): string[] {
  const live = model.release.regions[region].activeColor;
  const standby = otherColor(live);
  const [liveImages, standbyImages] = [colorState(model.release, region, live).images, colorState(model.release, region, standby).images];
  const standbyServices = colorServices(model.spec, model.release, region, standby);
  return colorServices(model.spec, model.release, region, live).flatMap((service, i) =>
    diffObjects(stageable(service, liveImages[service.name]), stageable(standbyServices[i], standbyImages[service.name])).map(
      (change) => `${service.name}: ${formatFieldChange(change)}`,
    ),
  );
}

/**
 * The report: per standby colour, the regions it stages the same changes in and the changes
 * (live -> staged); empty when every standby colour runs what its live colour runs.
 */
export function formatStaged(model: PlatformModel): string {
  const groups = new Map<string, { color: string; regions: string[]; lines: string[] }>();
  for (const region of Object.keys(model.release.regions)) {
    const lines = stagedLines(model, region);
    if (lines.length === 0) continue;
    const color = otherColor(model.release.regions[region].activeColor);
    const key = `${color}\n${lines.join('\n')}`;
    if (!groups.has(key)) groups.set(key, { color, regions: [], lines });
    groups.get(key)!.regions.push(region);
  }
  return [...groups.values()]
    .map(
      ({ color, regions, lines }) =>
        `\nstaged on ${color} in ${regions.join(', ')} (live -> staged; a switch makes it live):\n${lines.map((l) => `  ${l}\n`).join('')}`,
    )
    .join('');
}
