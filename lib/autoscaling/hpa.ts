import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PropProblem, throwIfProblems } from '../core/errors';
import { integerProblem, percentageProblem, positiveIntegerProblem, problemsOf, sortedRecord } from '../core/validation';

/** What an autoscaler scales. */
export interface ScaleTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * A metric beyond CPU and memory that the autoscaler follows.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#autoscaling-on-multiple-metrics-and-custom-metrics
 */
export class ScalingMetric {
  /** A per-pod metric from the custom metrics API (e.g. requests per second per pod). */
  public static pods(name: string, averageValue: string, selector?: Record<string, string>): ScalingMetric {
    return new ScalingMetric('Pods', name, averageValue, selector);
  }

  /** A metric from outside the cluster (e.g. a queue's length), divided over the pods. */
  public static external(name: string, averageValue: string, selector?: Record<string, string>): ScalingMetric {
    return new ScalingMetric('External', name, averageValue, selector);
  }

  private constructor(
    public readonly type: 'Pods' | 'External',
    public readonly name: string,
    public readonly averageValue: string,
    public readonly selector?: Record<string, string>,
  ) {}

  /** @internal */
  public _toKube(): k8s.MetricSpecV2 {
    const metric = { name: this.name, selector: this.selector ? { matchLabels: sortedRecord(this.selector) } : undefined };
    const target = { type: 'AverageValue', averageValue: k8s.Quantity.fromString(this.averageValue) };
    return this.type === 'Pods' ? { type: 'Pods', pods: { metric, target } } : { type: 'External', external: { metric, target } };
  }
}

export interface AutoscalingOptions {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /**
   * Average CPU utilisation (of requests) to keep.
   * @default 70
   */
  readonly targetCpuUtilizationPercentage?: number;
  /**
   * Average memory utilisation (of requests) to keep.
   * @default 80
   */
  readonly targetMemoryUtilizationPercentage?: number;
  /**
   * Further metrics, evaluated after CPU and memory; the largest proposal wins.
   * @default - CPU and memory only
   */
  readonly metrics?: ScalingMetric[];
  /**
   * How long a lower recommendation must hold before scaling down, in seconds.
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
  /**
   * Annotations of the HPA object (e.g. `STANDBY_SCALING_ANNOTATION`).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

export interface HorizontalAutoscalerProps extends AutoscalingOptions {
  /** Object name. @default - the target's name */
  readonly name?: string;
  /** Labels of the HPA object. @default - none */
  readonly labels?: Record<string, string>;
  readonly target: ScaleTarget;
}

/**
 * An `autoscaling/v2` HorizontalPodAutoscaler over CPU, memory and custom metrics, with a
 * `behavior` block that scales up fast and down slowly. The target must not set
 * `spec.replicas` itself: the HPA owns it.
 */
export class HorizontalAutoscaler extends Construct {
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: HorizontalAutoscalerProps) {
    super(scope, id);
    throwIfProblems(this, autoscalingProblems(props));
    this.minReplicas = props.minReplicas;
    this.maxReplicas = props.maxReplicas;

    this.resource = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { name: props.name ?? props.target.name, labels: props.labels, annotations: props.annotations },
      spec: autoscalerSpec(props),
    });
  }
}

/** The HPA spec: the target, its replica bounds, CPU and memory utilization, the extra metrics and the scaling behaviour. */
function autoscalerSpec(props: HorizontalAutoscalerProps): k8s.HorizontalPodAutoscalerSpecV2 {
  const targets = targetsOf(props);
  return {
    scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
    minReplicas: props.minReplicas,
    maxReplicas: props.maxReplicas,
    metrics: [
      utilizationMetric('cpu', targets.cpu),
      utilizationMetric('memory', targets.memory),
      ...(props.metrics ?? []).map((m) => m._toKube()),
    ],
    behavior: scalingBehavior(targets.scaleDownStabilizationSeconds),
  };
}

/** The autoscaling options that have defaults, with the defaults filled in. */
interface ScalingTargets {
  readonly cpu: number;
  readonly memory: number;
  readonly scaleDownStabilizationSeconds: number;
}

function targetsOf(options: AutoscalingOptions): ScalingTargets {
  return {
    cpu: options.targetCpuUtilizationPercentage ?? 70,
    memory: options.targetMemoryUtilizationPercentage ?? 80,
    scaleDownStabilizationSeconds: options.scaleDownStabilizationSeconds ?? 300,
  };
}

function utilizationMetric(name: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } };
}

function scalingBehavior(scaleDownStabilizationSeconds: number): k8s.HorizontalPodAutoscalerBehaviorV2 {
  return {
    // Double, or add 4 pods, per minute, whichever is more: load spikes are met at once.
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 60 },
        { type: 'Pods', value: 4, periodSeconds: 60 },
      ],
    },
    // Remove at most 10 % per minute after the window: no flapping after a spike.
    scaleDown: {
      stabilizationWindowSeconds: scaleDownStabilizationSeconds,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
    },
  };
}

function autoscalingProblems(props: AutoscalingOptions): PropProblem[] {
  const targets = targetsOf(props);
  const problems = problemsOf(positiveIntegerProblem('minReplicas', props.minReplicas));
  if (!Number.isInteger(props.maxReplicas) || props.maxReplicas < props.minReplicas) {
    problems.push({
      prop: 'maxReplicas',
      value: props.maxReplicas,
      rule: `must be an integer of at least 'minReplicas' (${props.minReplicas})`,
      fix: 'raise maxReplicas or lower minReplicas',
    });
  }
  problems.push(
    ...problemsOf(
      percentageProblem('targetCpuUtilizationPercentage', targets.cpu),
      percentageProblem('targetMemoryUtilizationPercentage', targets.memory),
      integerProblem(
        'scaleDownStabilizationSeconds',
        targets.scaleDownStabilizationSeconds,
        0,
        3600,
        'must be a whole number of seconds from 0 to 3600',
      ),
    ),
  );
  return problems;
}
