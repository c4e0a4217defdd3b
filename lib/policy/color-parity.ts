import { LABEL_COLOR, LABEL_INSTANCE, LABEL_VERSION } from '../core';

/** The parts of a colour set that may differ between blue and green. */
export interface ColorSetIdentity {
  readonly color: string;
  readonly namespace: string;
}

/** A difference between the two colour sets that is not a colour label or an image. */
export interface ParityProblem {
  /** `Kind/name`. */
  readonly object: string;
  /** Field path of the first difference, or '' when the object is missing from one side. */
  readonly path: string;
  readonly message: string;
}

/**
 * Compares two colour sets (their manifests) and lists every way they differ apart from what
 * must differ: the colour label, the instance label's colour suffix, the namespace, image
 * references and the version label. Objects are paired by kind and name.
 */
export function colorParityProblems(a: ColorSetIdentity, aManifests: readonly any[], b: ColorSetIdentity, bManifests: readonly any[]): ParityProblem[] {
  const index = (manifests: readonly any[]) => new Map(manifests.map((m) => [`${m.kind}/${m.metadata?.name}`, m]));
  const left = index(aManifests);
  const right = index(bManifests);
  const problems: ParityProblem[] = [];
  for (const key of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const l = left.get(key);
    const r = right.get(key);
    if (!l || !r) {
      problems.push({ object: key, path: '', message: `exists only in ${l ? a.color : b.color}` });
      continue;
    }
    const difference = firstDifference(normalize(l, a), normalize(r, b), '');
    if (difference !== undefined) {
      problems.push({ object: key, path: difference, message: `differs between ${a.color} and ${b.color} beyond colour and image` });
    }
  }
  return problems;
}

const LABEL_MAPS = new Set(['labels', 'matchLabels', 'selector']);

/** The manifest with its colour-specific parts replaced by placeholders, and images removed. */
function normalize(value: any, identity: ColorSetIdentity, key = '', parentKey = ''): any {
  if (typeof value === 'string') {
    if (value === identity.namespace) return '<namespace>';
    let out = value.split(`/ns/${identity.namespace}/`).join('/ns/<namespace>/');
    if (LABEL_MAPS.has(parentKey) && key === LABEL_COLOR && out === identity.color) out = '<color>';
    if (LABEL_MAPS.has(parentKey) && key === LABEL_INSTANCE && out.endsWith(`-${identity.color}`)) out = `${out.slice(0, -identity.color.length)}<color>`;
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => normalize(item, identity, '', key));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'image' && typeof v === 'string') continue;
    if (LABEL_MAPS.has(key) && k === LABEL_VERSION) continue;
    out[k] = normalize(v, identity, k, key);
  }
  return out;
}

function firstDifference(a: any, b: any, path: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return path || '(root)';
  }
  const keys = Array.isArray(a) ? [...Array(Math.max(a.length, b.length)).keys()] : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const childPath = Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : String(k);
    const difference = firstDifference((a as any)[k], (b as any)[k], childPath);
    if (difference !== undefined) return difference;
  }
  return undefined;
}
