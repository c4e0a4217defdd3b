import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PropProblem, throwIfProblems } from '../core';

export interface DisruptionBudgetOptions {
  /**
   * How many pods a voluntary disruption (a drain) may take at once. Set this or `minAvailable`.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * How many pods must stay up during a voluntary disruption. Must be below the workload's
   * smallest replica count, or no pod could ever be evicted.
   * @default - not set; `maxUnavailable` applies
   */
  readonly minAvailable?: number;
}

export interface DisruptionBudgetProps extends DisruptionBudgetOptions {
  /** Object name. */
  readonly name: string;
  /** Labels that select the protected pods. */
  readonly selector: Record<string, string>;
  /** The fewest replicas the workload can run (the HPA minimum, or its fixed count). */
  readonly minReplicas: number;
  /** Labels of the PDB object. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A `policy/v1` PodDisruptionBudget that is consistent with the workload's replica floor:
 * one that could block every drain is rejected.
 */
export class DisruptionBudget extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    const maxUnavailable = props.minAvailable === undefined ? (props.maxUnavailable ?? 1) : props.maxUnavailable;
    throwIfProblems(this, budgetProblems(props, maxUnavailable));
    this.resource = new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        selector: { matchLabels: props.selector },
        maxUnavailable: maxUnavailable === undefined ? undefined : k8s.IntOrString.fromNumber(maxUnavailable),
        minAvailable: props.minAvailable === undefined ? undefined : k8s.IntOrString.fromNumber(props.minAvailable),
        // Pods that never became ready may always be evicted; they serve nothing.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}

function budgetProblems(props: DisruptionBudgetProps, maxUnavailable: number | undefined): PropProblem[] {
  const problems: PropProblem[] = [];
  if (props.minAvailable !== undefined && props.maxUnavailable !== undefined) {
    problems.push({
      prop: 'minAvailable',
      value: props.minAvailable,
      rule: "must not be set together with 'maxUnavailable'",
      fix: 'set only one of them',
    });
  }
  if (props.minAvailable !== undefined && (!Number.isInteger(props.minAvailable) || props.minAvailable >= props.minReplicas)) {
    problems.push({
      prop: 'minAvailable',
      value: props.minAvailable,
      rule: `must be an integer below the workload's minimum replicas (${props.minReplicas})`,
      fix: 'otherwise no pod can ever be evicted and every node drain blocks; lower minAvailable or raise the minimum replicas',
    });
  }
  if (maxUnavailable !== undefined && (!Number.isInteger(maxUnavailable) || maxUnavailable < 1)) {
    problems.push({
      prop: 'maxUnavailable',
      value: maxUnavailable,
      rule: 'must be an integer of at least 1',
      fix: 'with 0 no pod can ever be evicted and every node drain blocks',
    });
  }
  return problems;
}
