/**
 * Label keys and the label sets every object carries.
 *
 * Selectors use a stable subset without `app.kubernetes.io/version`: selectors are immutable,
 * and a release must not need a new Deployment.
 */

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** The blue/green colour of a workload; the traffic router selects on it. */
export const LABEL_COLOR = 'alp-deploy.io/color';

export const MANAGED_BY = 'alp-deploy';

/** Labels of the platform's Argo CD Applications: the region and the component they deploy. */
export const REGION_LABEL = 'alp-deploy.io/region';
export const COMPONENT_LABEL = 'alp-deploy.io/component';

/** Label naming the data class a retention job purges. */
export const LABEL_DATA_CLASS = 'alp-deploy.io/data-class';
/** Label naming the service that owns the data a job touches. */
export const LABEL_OWNING_SERVICE = 'alp-deploy.io/owning-service';
/** Label of the backups a Velero Schedule makes: the schedule's name. */
export const LABEL_BACKUP_SCHEDULE = 'alp-deploy.io/backup-schedule';

/**
 * The label that marks a ConfigMap as a metrics adapter's configuration, value
 * `prometheus-adapter`. `alp verify` judges the HPAs of a cluster against the adapter
 * configurations so labelled in its input.
 */
export const METRICS_ADAPTER_CONFIG_LABEL = 'alp-deploy.io/metrics-adapter-config';

/** On a Namespace whose pods need more than the restricted Pod Security Standard: why. */
export const POD_SECURITY_EXCEPTION_ANNOTATION = 'alp-deploy.io/pod-security-exception';

/** On a Role, value `declared`: its access to Secrets was asked for explicitly (policy RBAC-NO-SECRET-READ). */
export const SECRET_ACCESS_ANNOTATION = 'alp-deploy.io/secret-access';

/**
 * On both colours' HorizontalPodAutoscalers when the idle colour is kept at a floor: the floor
 * and the soak, as JSON (`{"floorReplicas":2,"soakSeconds":1800}`). Blue/green parity then
 * lets the two differ in `spec.minReplicas` and the scale-down stabilization window, and only
 * as the floor says: one of them live, the other at `min(floorReplicas, live minReplicas)`
 * with a window of `soakSeconds`.
 */
export const STANDBY_SCALING_ANNOTATION = 'alp-deploy.io/standby-scaling';

/**
 * The aspects in which an object of one colour differs from its counterpart in the other colour
 * on purpose (configuration staged on a colour), comma-separated: blue/green
 * parity sets their fields aside. `env`: the containers' environment; `resources`: the containers'
 * requests and limits; `replicas`: a Deployment's replica count; `autoscaling`: an HPA's bounds and
 * behaviour; `vaultKey`: an ExternalSecret's remote keys.
 */
export const ANNOTATION_COLOR_CONFIG = 'alp-deploy.io/color-config';

/** An aspect of `ANNOTATION_COLOR_CONFIG`. */
export type ColorConfigAspect = 'env' | 'resources' | 'replicas' | 'autoscaling' | 'vaultKey';
export const COLOR_CONFIG_ASPECTS: readonly ColorConfigAspect[] = ['env', 'resources', 'replicas', 'autoscaling', 'vaultKey'];

/** The two colours of a blue/green deployment. */
export type Color = 'blue' | 'green';
export const COLORS: readonly Color[] = ['blue', 'green'];

/** The colour that is not `color`. */
export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

export interface WorkloadIdentity {
  /** The workload's name, e.g. `user-service`. */
  readonly name: string;
  /** The blue/green colour, when the workload belongs to a colour set. */
  readonly color?: Color;
}

/** The labels that select a workload's pods: name, instance and (if any) colour. */
export function selectorLabels(identity: WorkloadIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL_NAME]: identity.name,
    [LABEL_INSTANCE]: identity.color ? `${identity.name}-${identity.color}` : identity.name,
  };
  if (identity.color) labels[LABEL_COLOR] = identity.color;
  return labels;
}
