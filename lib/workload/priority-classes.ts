import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** For services whose loss stops users (the gateway, sign-in). */
export const PRIORITY_CRITICAL = 'alp-critical';
/** For every other service; the default of HardenedService. */
export const PRIORITY_STANDARD = 'alp-standard';

export interface PlatformPriorityClassesProps {
  /** Labels of the PriorityClass objects. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * The cluster's PriorityClasses for platform workloads: under pressure the scheduler evicts
 * standard pods before critical ones. Neither is the global default.
 */
export class PlatformPriorityClasses extends Construct {
  constructor(scope: Construct, id: string, props: PlatformPriorityClassesProps = {}) {
    super(scope, id);
    new k8s.KubePriorityClass(this, 'Critical', {
      metadata: { name: PRIORITY_CRITICAL, labels: props.labels },
      value: 100000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'Platform services whose loss stops users: scheduled first, evicted last.',
    });
    new k8s.KubePriorityClass(this, 'Standard', {
      metadata: { name: PRIORITY_STANDARD, labels: props.labels },
      value: 10000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'Other platform services.',
    });
  }
}
