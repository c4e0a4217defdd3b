import { cpuMillis, formatCpu, formatMemory, memoryKiB } from '../../lib/core/quantity';

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
