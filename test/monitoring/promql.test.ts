import {
  durationSeconds,
  isPromDuration,
  labelEq,
  labelIn,
  labelRe,
  promNumber,
  promQlSyntaxError,
  quoteLabelValue,
  seriesSelector,
} from '../../lib/monitoring/promql';

describe('promNumber |', () => {
  test('prints thresholds without float noise', () => {
    // GIVEN values as float arithmetic produces them
    const noisy = [14.4 * (1 - 0.999), 1 - 0.999, 6 * (1 - 0.999), 0.1 + 0.2, 14.4 * (1 - 0.9995)];
    // THEN
    expect(noisy.map(promNumber)).toEqual(['0.0144', '0.001', '0.006', '0.3', '0.0072']);
  });

  test('never uses an exponent and keeps integers whole', () => {
    expect(promNumber(1.44e-7)).toBe('0.000000144');
    expect(promNumber(0.0000144)).toBe('0.0000144');
    expect(promNumber(3600)).toBe('3600');
    expect(promNumber(1814400)).toBe('1814400');
  });

  test('fails for a number Prometheus cannot read', () => {
    expect(() => promNumber(Number.NaN)).toThrow('promNumber: NaN is not a finite number');
  });
});

describe('promQlSyntaxError |', () => {
  test('accepts the constructs the rules use', () => {
    const valid = [
      'sum by (color) (rate(http_requests_total{service="quiz",code=~"5.."}[5m])) / sum by (color) (rate(http_requests_total[5m]))',
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5',
      'a > 0.0144 and b > 0.0144',
      'absent(up{service="otel-collector"} == 1)',
      'time() - max by (namespace, cluster) (label_replace(x, "cluster", "$1", "pod", "(.+)-[0-9]+")) > 3600',
      'vector(1)',
    ];
    expect(valid.filter((e) => promQlSyntaxError(e) !== undefined)).toEqual([]);
  });

  test('finds the position of a syntax error', () => {
    expect(promQlSyntaxError('sum(rate(x[5m])')).toEqual({
      offset: 15,
      description: 'at the end of the expression, just after "sum(rate(x[5m])"',
    });
    expect(promQlSyntaxError('rate(x[5m) > 1')).toEqual({ offset: 9, description: 'at column 10, just after "rate(x[5m"' });
    expect(promQlSyntaxError('  ')).toEqual({ offset: 0, description: 'the expression is empty' });
  });
});

describe('selectors |', () => {
  test('quotes values and matches one or several values', () => {
    expect(seriesSelector('up', [labelEq('job', 'a"b\\c'), labelRe('code', '5..')])).toBe('up{job="a\\"b\\\\c",code=~"5.."}');
    expect(seriesSelector('up', [labelIn('namespace', ['alp-green', 'alp-blue', 'alp-blue'])])).toBe('up{namespace=~"alp-blue|alp-green"}');
    expect(seriesSelector('up', [labelIn('namespace', ['alp-blue'])])).toBe('up{namespace="alp-blue"}');
    expect(seriesSelector('up', [labelIn('host', ['a.b', 'c'])])).toBe('up{host=~"a\\\\.b|c"}');
    expect(seriesSelector('up', [])).toBe('up');
    expect(quoteLabelValue('x\ny')).toBe('"x\\ny"');
  });
});

describe('durations |', () => {
  test('reads Prometheus durations', () => {
    expect(['30s', '5m', '1h30m', '3d', '1w'].map(durationSeconds)).toEqual([30, 300, 5400, 259200, 604800]);
    expect(isPromDuration('5 m')).toBe(false);
    expect(isPromDuration('')).toBe(false);
  });
});
