import { Construct } from 'constructs';
import { App, Chart } from 'cdk8s';
import { formatProblem, throwIfProblems, validationError } from '../../lib/core/errors';
import { formatSpecProblem } from '../../lib/core/problems';
import {
  dns1035LabelProblem,
  dnsSubdomainProblem,
  integerProblem,
  isDns1035Label,
  isDnsSubdomain,
  isPort,
  isRfc1123Label,
  percentageProblem,
  portProblem,
  positiveIntegerProblem,
  problemsOf,
  rfc1123LabelProblem,
  sortedRecord,
  storageSizeProblem,
} from '../../lib/core/validation';

describe('name checks', () => {
  test('a DNS-1035 label starts with a letter; an RFC 1123 label may start with a digit', () => {
    expect(isDns1035Label('api-1')).toBe(true);
    expect(isDns1035Label('1api')).toBe(false);
    expect(isRfc1123Label('1api')).toBe(true);
    for (const bad of ['Api', 'api-', '-api', 'a_b', 'a.b', '', 42, undefined]) {
      expect(isDns1035Label(bad)).toBe(false);
      expect(isRfc1123Label(bad)).toBe(false);
    }
  });

  test('labels are at most 63 characters, or the given maximum', () => {
    expect(isDns1035Label('a'.repeat(63))).toBe(true);
    expect(isDns1035Label('a'.repeat(64))).toBe(false);
    expect(isRfc1123Label('a'.repeat(10), 9)).toBe(false);
  });

  test('a subdomain is labels joined by dots, at most 253 characters', () => {
    expect(isDnsSubdomain('gp3.csi.aws')).toBe(true);
    expect(isDnsSubdomain('gp3..aws')).toBe(false);
    expect(isDnsSubdomain(`${'a'.repeat(63)}.`.repeat(4).slice(0, 254))).toBe(false);
  });

  test('the problems name the prop, the value and the rule in the existing wording', () => {
    expect(formatProblem(dns1035LabelProblem('name', 'Api')!)).toBe(
      '\'name\' ("Api") must be a DNS label of at most 63 characters (lowercase letters, digits, "-", starting with a letter)',
    );
    expect(formatProblem(rfc1123LabelProblem('prefix', 'x'.repeat(55), { maxLength: 54, fix: 'the Role names append "-viewer"' })!)).toBe(
      `'prefix' ("${'x'.repeat(55)}") must be a DNS label of at most 54 characters (lowercase letters, digits, "-"); the Role names append "-viewer"`,
    );
    expect(formatProblem(dnsSubdomainProblem('storeName', 'A')!)).toBe(
      '\'storeName\' ("A") must be a DNS subdomain (lowercase letters, digits, "-", ".")',
    );
    expect(dns1035LabelProblem('service', 'x', { rule: 'must be a Service name' })).toBeUndefined();
    expect(dns1035LabelProblem('service', 'X', { rule: 'must be a Service name' })).toEqual({
      prop: 'service',
      value: 'X',
      rule: 'must be a Service name',
    });
  });
});

describe('number checks', () => {
  test('ports are integers from 1 to 65535', () => {
    expect([0, 1, 65535, 65536, 80.5, '80'].map(isPort)).toEqual([false, true, true, false, false, false]);
    expect(portProblem('port', 0)).toEqual({ prop: 'port', value: 0, rule: 'must be an integer from 1 to 65535' });
    expect(portProblem('port', 443)).toBeUndefined();
  });

  test('percentages are whole numbers from 1 to 100', () => {
    expect(percentageProblem('cpu', 100)).toBeUndefined();
    expect(percentageProblem('cpu', 101)).toEqual({ prop: 'cpu', value: 101, rule: 'must be an integer percentage from 1 to 100' });
    expect(percentageProblem('cpu', 0)?.rule).toBe('must be an integer percentage from 1 to 100');
  });

  test('positive integers and integer ranges', () => {
    expect(positiveIntegerProblem('replicas', 1)).toBeUndefined();
    expect(positiveIntegerProblem('replicas', 0)).toEqual({ prop: 'replicas', value: 0, rule: 'must be an integer of at least 1' });
    expect(integerProblem('n', 5, 0, 4)).toEqual({ prop: 'n', value: 5, rule: 'must be an integer from 0 to 4' });
    expect(integerProblem('n', 1.5, 0)).toEqual({ prop: 'n', value: 1.5, rule: 'must be an integer of at least 0' });
    expect(integerProblem('n', -1, 0, undefined, undefined, 'raise it')).toEqual({
      prop: 'n',
      value: -1,
      rule: 'must be an integer of at least 0',
      fix: 'raise it',
    });
  });

  test('storage sizes are a whole number of Mi, Gi or Ti', () => {
    expect(storageSizeProblem('size', '50Gi')).toBeUndefined();
    expect(storageSizeProblem('size', '0Gi')?.rule).toBe('must be a storage size such as "50Gi" (a whole number of Mi, Gi or Ti)');
  });
});

test('problemsOf keeps the problems found, in order', () => {
  expect(problemsOf(portProblem('a', 0), undefined, portProblem('b', 1), portProblem('c', -1)).map((p) => p.prop)).toEqual(['a', 'c']);
});

test('sortedRecord orders the keys by code unit', () => {
  expect(Object.keys(sortedRecord({ b: '1', a: '2', B: '3' }))).toEqual(['B', 'a', 'b']);
});

describe('one error helper', () => {
  const construct = () => new Construct(new Chart(new App(), 'chart'), 'thing');

  test('one problem is the message, prefixed by the construct path or the function name', () => {
    expect(() => throwIfProblems(construct(), [{ prop: 'port', value: 0, rule: 'must be an integer from 1 to 65535' }])).toThrow(
      /^chart\/thing: 'port' \(0\) must be an integer from 1 to 65535$/,
    );
    expect(validationError('sloRules', [{ prop: 'objective', value: 100, rule: 'must be below 100', fix: 'use 99.9' }]).message).toBe(
      "sloRules: 'objective' (100) must be below 100; use 99.9",
    );
  });

  test('several problems are listed under a headline that counts them, with the noun given', () => {
    const error = validationError('goldenSignalRules', [portProblem('a', 0)!, portProblem('b', 0)!], 'options');
    expect(error.message).toBe(
      [
        'goldenSignalRules: 2 invalid options',
        "  - goldenSignalRules: 'a' (0) must be an integer from 1 to 65535",
        "  - goldenSignalRules: 'b' (0) must be an integer from 1 to 65535",
      ].join('\n'),
    );
    expect(validationError(construct(), [portProblem('a', 0)!, portProblem('b', 0)!]).message.split('\n')[0]).toBe(
      'chart/thing: 2 invalid props',
    );
  });

  test('no problems, no error', () => {
    expect(() => throwIfProblems('fn', [])).not.toThrow();
  });

  test('spec problems are worded as prop problems, after their source', () => {
    expect(formatSpecProblem({ source: 'spec', path: 'services[0].port', value: 0, rule: 'must be an integer from 1 to 65535' })).toBe(
      `spec: ${formatProblem({ prop: 'services[0].port', value: 0, rule: 'must be an integer from 1 to 65535' })}`,
    );
  });
});
