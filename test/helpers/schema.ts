/**
 * Validates manifests against the Kubernetes OpenAPI schemas shipped by the
 * `kubernetes-models` package (one model class per apiVersion and kind).
 */
export function schemaErrors(manifest: any): string[] {
  const [group, version] = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/') : [undefined, manifest.apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}/${manifest.kind}` : `kubernetes-models/${version}/${manifest.kind}`;
  let Model: any;
  try {
    Model = require(modulePath)[manifest.kind];
  } catch {
    return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  }
  try {
    new Model(manifest).validate();
    return [];
  } catch (e: any) {
    return [`${manifest.kind}/${manifest.metadata?.name}: ${e.message}`];
  }
}
