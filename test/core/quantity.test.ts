import {
  cpuMillis,
  formatBytes,
  formatCores,
  formatCpu,
  formatMemory,
  memoryKiB,
  quantityBytes,
  quantityMillis,
  scaledQuantity,
} from '../../lib/core/quantity';

describe('quantities |', () => {
  test('CPU converts to integer millicores and back', () => {
    expect(cpuMillis('250m')).toBe(250);
    expect(cpuMillis('1.5')).toBe(1500);
    expect(cpuMillis('0.1')).toBe(100);
    expect(formatCpu(3000)).toBe('3');
    expect(formatCpu(2500)).toBe('2500m');
  });

  test('memory converts to KiB and back in the largest exact unit', () => {
    expect(memoryKiB('512Mi')).toBe(524288);
    expect(memoryKiB('2Gi')).toBe(2097152);
    expect(formatMemory(3 * 1024 * 1024)).toBe('3Gi');
    expect(formatMemory(1536 * 1024)).toBe('1536Mi');
    expect(formatMemory(100)).toBe('100Ki');
  });

  test('fails on forms outside the accepted patterns', () => {
    expect(() => cpuMillis('1 core')).toThrow('not a CPU quantity: 1 core');
    expect(() => memoryKiB('512MB')).toThrow('not a memory quantity: 512MB');
  });
});

describe('any Kubernetes quantity |', () => {
  test.each([
    ['250m', 1000, 250],
    ['0.5', 1000, 500],
    ['1e3', 1, 1000],
    ['1.5e-3', 1000, 2],
    ['100n', 1000, 1],
    ['128974848', 1, 128974848],
    ['129M', 1, 129000000],
    ['123Mi', 1, 128974848],
    ['0.5Gi', 1, 536870912],
    ['1.5Ki', 1, 1536],
    ['2k', 1, 2000],
    ['1Ti', 1, 2 ** 40],
    ['.5', 1000, 500],
    ['-250m', 1000, -250],
  ])('%s × %d is %d, rounded up as Kubernetes rounds', (quantity, scale, expected) => {
    expect(scaledQuantity(quantity, scale)).toBe(expected);
  });

  test('refuses what is not a quantity, naming it', () => {
    expect(() => quantityBytes('512MB')).toThrow('not a Kubernetes quantity: "512MB"');
    expect(() => quantityMillis('1 core')).toThrow('not a Kubernetes quantity: "1 core"');
  });

  test('formats cores and binary units exactly', () => {
    expect([formatCores(12500), formatCores(1000), formatCores(250), formatCores(0)]).toEqual([
      '12.5 cores',
      '1 core',
      '0.25 cores',
      '0 cores',
    ]);
    expect([
      formatBytes(24 * 2 ** 30),
      formatBytes(27.125 * 2 ** 30),
      formatBytes(64 * 2 ** 20),
      formatBytes(1088 * 2 ** 20),
      formatBytes(100),
    ]).toEqual(['24 GiB', '27.125 GiB', '64 MiB', '1088 MiB', '100 B']);
  });
});
