import { Testing } from 'cdk8s';
import { DisruptionBudget, HorizontalAutoscaler, ScalingMetric } from '../../lib';
import { errorOf, findObject } from '../helpers/manifests';

const TARGET = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'quiz' };

describe('HorizontalAutoscaler |', () => {
  test('scales on cpu, memory, then pods and external metrics, with a behavior block', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new HorizontalAutoscaler(chart, 'Hpa', {
      target: TARGET,
      minReplicas: 2,
      maxReplicas: 10,
      targetCpuUtilizationPercentage: 60,
      metrics: [
        ScalingMetric.pods('http_requests_per_second', '100'),
        ScalingMetric.external('queue_messages', '50', { queue: 'mail', env: 'prod' }),
      ],
    });
    // THEN
    const spec = findObject(Testing.synth(chart), 'HorizontalPodAutoscaler', 'quiz').spec;
    expect(spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '100' } } },
      {
        type: 'External',
        external: {
          metric: { name: 'queue_messages', selector: { matchLabels: { env: 'prod', queue: 'mail' } } },
          target: { type: 'AverageValue', averageValue: '50' },
        },
      },
    ]);
    expect(spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
    });
  });

  test('fails when minReplicas exceeds maxReplicas', () => {
    const chart = Testing.chart();
    expect(errorOf(() => new HorizontalAutoscaler(chart, 'Hpa', { target: TARGET, minReplicas: 11, maxReplicas: 10 }))).toBe(
      "test/Hpa: 'maxReplicas' (10) must be an integer of at least 'minReplicas' (11); raise maxReplicas or lower minReplicas",
    );
  });

  test('fails when a utilisation target is out of range', () => {
    const chart = Testing.chart();
    expect(
      errorOf(
        () =>
          new HorizontalAutoscaler(chart, 'Hpa', {
            target: TARGET,
            minReplicas: 2,
            maxReplicas: 4,
            targetMemoryUtilizationPercentage: 120,
          }),
      ),
    ).toBe("test/Hpa: 'targetMemoryUtilizationPercentage' (120) must be an integer percentage from 1 to 100");
  });
});

describe('DisruptionBudget |', () => {
  test('defaults to maxUnavailable 1 and always allows evicting unhealthy pods', () => {
    const chart = Testing.chart();
    new DisruptionBudget(chart, 'Pdb', { name: 'quiz', selector: { app: 'quiz' }, minReplicas: 2 });
    expect(findObject(Testing.synth(chart), 'PodDisruptionBudget', 'quiz').spec).toEqual({
      selector: { matchLabels: { app: 'quiz' } },
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('accepts minAvailable below the replica floor', () => {
    const chart = Testing.chart();
    new DisruptionBudget(chart, 'Pdb', { name: 'quiz', selector: { app: 'quiz' }, minReplicas: 3, minAvailable: 2 });
    const spec = findObject(Testing.synth(chart), 'PodDisruptionBudget', 'quiz').spec;
    expect(spec.minAvailable).toBe(2);
    expect(spec.maxUnavailable).toBeUndefined();
  });

  test('fails when maxUnavailable is 0', () => {
    const chart = Testing.chart();
    expect(
      errorOf(() => new DisruptionBudget(chart, 'Pdb', { name: 'quiz', selector: { app: 'quiz' }, minReplicas: 2, maxUnavailable: 0 })),
    ).toBe(
      "test/Pdb: 'maxUnavailable' (0) must be an integer of at least 1; with 0 no pod can ever be evicted and every node drain blocks",
    );
  });

  test('fails when both minAvailable and maxUnavailable are set', () => {
    const chart = Testing.chart();
    expect(
      errorOf(
        () =>
          new DisruptionBudget(chart, 'Pdb', {
            name: 'quiz',
            selector: { app: 'quiz' },
            minReplicas: 3,
            minAvailable: 1,
            maxUnavailable: 1,
          }),
      ),
    ).toBe("test/Pdb: 'minAvailable' (1) must not be set together with 'maxUnavailable'; set only one of them");
  });
});
