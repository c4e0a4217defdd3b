import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PropProblem, throwIfProblems } from '../core';
import { dnsSubdomainProblem } from '../core/validation';

/** For services whose loss stops users (the gateway, sign-in): the default name of the critical class. */
export const PRIORITY_CRITICAL = 'critical';
/** For every other service: the default name of the standard class, and the default of HardenedService. */
export const PRIORITY_STANDARD = 'standard';

/** The names of the two PriorityClasses of platform workloads. */
export interface PriorityClassNames {
  /** Services whose loss stops users: scheduled first, evicted last. */
  readonly critical: string;
  /** Every other service. */
  readonly standard: string;
}

export interface PlatformPriorityClassesProps {
  /**
   * Names of the PriorityClasses. The workload constructs default to `PRIORITY_CRITICAL` and
   * `PRIORITY_STANDARD`: with other names, pass them as each workload's `priorityClassName`.
   * @default - `PRIORITY_CRITICAL` and `PRIORITY_STANDARD`
   */
  readonly names?: PriorityClassNames;
  /** Labels of the PriorityClass objects. @default - none */
  readonly labels?: Record<string, string>;
}

// The classes, most important first: under pressure the scheduler evicts the lower value first.
const CLASSES = [
  {
    id: 'Critical',
    role: 'critical',
    value: 100000,
    description: 'Platform services whose loss stops users: scheduled first, evicted last.',
  },
  { id: 'Standard', role: 'standard', value: 10000, description: 'Other platform services.' },
] as const;

/**
 * The cluster's PriorityClasses for platform workloads: under pressure the scheduler evicts
 * standard pods before critical ones. Neither is the global default.
 */
export class PlatformPriorityClasses extends Construct {
  public readonly names: PriorityClassNames;

  constructor(scope: Construct, id: string, props: PlatformPriorityClassesProps = {}) {
    super(scope, id);
    this.names = props.names ?? { critical: PRIORITY_CRITICAL, standard: PRIORITY_STANDARD };
    throwIfProblems(this, priorityClassNameProblems(this.names));
    for (const priorityClass of CLASSES) {
      new k8s.KubePriorityClass(this, priorityClass.id, {
        metadata: { name: this.names[priorityClass.role], labels: props.labels },
        value: priorityClass.value,
        globalDefault: false,
        preemptionPolicy: 'PreemptLowerPriority',
        description: priorityClass.description,
      });
    }
  }
}

function priorityClassNameProblems(names: PriorityClassNames): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const role of ['critical', 'standard'] as const) {
    const name = names[role];
    const notASubdomain = dnsSubdomainProblem(`names.${role}`, name, 'must be a DNS subdomain');
    if (notASubdomain) {
      problems.push(notASubdomain);
    } else if (name.startsWith('system-')) {
      problems.push({
        prop: `names.${role}`,
        value: name,
        rule: "must not start with 'system-'",
        fix: 'Kubernetes reserves that prefix for its own classes',
      });
    }
  }
  if (problems.length === 0 && names.critical === names.standard) {
    problems.push({ prop: 'names.standard', value: names.standard, rule: "must differ from 'names.critical'" });
  }
  return problems;
}
