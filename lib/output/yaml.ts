import * as yaml from 'js-yaml';

/**
 * Serializes one manifest as YAML for review: keys in the order given (cdk8s sorts them,
 * with apiVersion, kind and metadata first), no line folding, no anchors or aliases.
 */
export function toYaml(manifest: unknown): string {
  return yaml.dump(manifest, { lineWidth: -1, noRefs: true, quotingType: '"', noCompatMode: true });
}
