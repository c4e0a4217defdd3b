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
  return quantityMillis(quantity);
}

/** Kibibytes of a memory quantity; throws on a form that MEMORY_PATTERN rejects. */
export function memoryKiB(quantity: string): number {
  if (!MEMORY_PATTERN.test(quantity)) throw new Error(`not a memory quantity: ${quantity}`);
  return quantityBytes(quantity) / 1024;
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

/** Any Kubernetes quantity: a signed decimal, then a binary suffix, a decimal suffix or an exponent. */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const SUFFIX_FACTORS: Record<string, readonly [bigint, bigint]> = {
  n: [1n, 10n ** 9n],
  u: [1n, 10n ** 6n],
  m: [1n, 1000n],
  k: [10n ** 3n, 1n],
  M: [10n ** 6n, 1n],
  G: [10n ** 9n, 1n],
  T: [10n ** 12n, 1n],
  P: [10n ** 15n, 1n],
  E: [10n ** 18n, 1n],
  Ki: [2n ** 10n, 1n],
  Mi: [2n ** 20n, 1n],
  Gi: [2n ** 30n, 1n],
  Ti: [2n ** 40n, 1n],
  Pi: [2n ** 50n, 1n],
  Ei: [2n ** 60n, 1n],
};

/**
 * A Kubernetes quantity (`resource.Quantity`: "250m", "0.5", "1e3", "128974848", "129M", "123Mi")
 * times `scale`, rounded up to an integer as Kubernetes rounds (`Value()` is scale 1,
 * `MilliValue()` scale 1000). Exact: the arithmetic is on integers.
 */
export function scaledQuantity(quantity: string, scale: number): number {
  const match = QUANTITY.exec(quantity);
  if (!match) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  const [, sign, number, suffix, exponent] = match;
  const [whole, fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * BigInt(scale);
  let denominator = 10n ** BigInt(fraction.length);
  const [multiply, divide] = suffix ? SUFFIX_FACTORS[suffix] : [1n, 1n];
  numerator *= multiply;
  denominator *= divide;
  if (exponent !== undefined) {
    const power = 10n ** BigInt(Math.abs(Number(exponent)));
    if (Number(exponent) >= 0) numerator *= power;
    else denominator *= power;
  }
  // Up, as Kubernetes rounds: a positive value's remainder adds one; a negative value's is dropped.
  return Number(sign === '-' ? -(numerator / denominator) : (numerator + denominator - 1n) / denominator);
}

/** Millicores of any CPU quantity, rounded up ("250m" → 250, "0.1" → 100, "1e-4" → 1). */
export function quantityMillis(quantity: string): number {
  return scaledQuantity(quantity, 1000);
}

/** Bytes of any memory quantity, rounded up ("1Gi" → 1073741824, "1G" → 1000000000). */
export function quantityBytes(quantity: string): number {
  return scaledQuantity(quantity, 1);
}

/** Millicores as cores, exactly: "12.5 cores", "1 core", "0.25 cores". */
export function formatCores(millis: number): string {
  const cores = String(millis / 1000);
  return `${cores} ${cores === '1' ? 'core' : 'cores'}`;
}

const BINARY_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
];

/**
 * Bytes in the largest binary unit that shows them exactly with at most three decimals:
 * "24 GiB", "1.5 GiB", "27.125 GiB", "1088 MiB", "64 MiB", "0 B".
 */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS) {
    if (Math.abs(bytes) >= size && ((bytes * 1000) / size) % 1 === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}
