/**
 * Kubernetes resource quantities for CPU and memory, in the few forms this library accepts,
 * converted to integers so that sums and comparisons have no float noise.
 */

/** CPU as whole cores ("2", "0.5") or millicores ("250m"). */
export const CPU_PATTERN = /^(\d+m|\d+(\.\d{1,3})?)$/;
/** Memory in binary units: "512Mi", "2Gi", "65536Ki". */
export const MEMORY_PATTERN = /^\d+(Ki|Mi|Gi)$/;

/** Millicores of a CPU quantity; throws on a form that CPU_PATTERN rejects. */
export function cpuMillis(quantity: string): number {
  if (!CPU_PATTERN.test(quantity)) throw new Error(`not a CPU quantity: ${quantity}`);
  if (quantity.endsWith('m')) return Number(quantity.slice(0, -1));
  return Math.round(Number(quantity) * 1000);
}

/** Kibibytes of a memory quantity; throws on a form that MEMORY_PATTERN rejects. */
export function memoryKiB(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const factor = { Ki: 1, Mi: 1024, Gi: 1024 * 1024 }[match[2] as 'Ki' | 'Mi' | 'Gi'];
  return Number(match[1]) * factor;
}

/** Formats millicores as whole cores when exact ("2"), else as millicores ("2500m"). */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Formats kibibytes in the largest exact binary unit ("3Gi", "1536Mi"). */
export function formatMemory(kib: number): string {
  if (kib % (1024 * 1024) === 0) return `${kib / (1024 * 1024)}Gi`;
  if (kib % 1024 === 0) return `${kib / 1024}Mi`;
  return `${kib}Ki`;
}
