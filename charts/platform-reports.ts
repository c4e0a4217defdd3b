import {
  endpointWorkloads, evaluateReachability, PlatformModel, RenderedObject, renderReachabilityReport, workloadsFromManifests,
} from '../lib';

/**
 * `reports/reachability.md`: for each region, who can reach whom, computed by evaluating the
 * synthesized NetworkPolicies (not by re-reading the spec).
 */
export function platformReports(objects: readonly RenderedObject[], model: PlatformModel): Map<string, string> {
  const sections = model.spec.regions.map((region) => {
    const manifests = objects.filter((o) => o.region === region.name).map((o) => o.manifest);
    const workloads = workloadsFromManifests(manifests);
    const extra = endpointWorkloads(model.spec, workloads);
    const result = evaluateReachability(manifests, extra);
    return renderReachabilityReport(result, [...workloads, ...extra], { title: `Reachability in region ${region.name}` });
  });
  return new Map([['reports/reachability.md', sections.join('\n')]]);
}
