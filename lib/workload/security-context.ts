import { k8s } from 'cdk8s-plus-28';

/**
 * The default UID, GID and fsGroup of every workload. Above 10000 so that it never matches a
 * user of the node (whose system and login users sit below 10000), which limits the damage of a
 * container escape; images must not depend on a UID baked into them.
 */
export const DEFAULT_RUN_AS_USER = 10001;

/** The lowest UID a workload may run as (see DEFAULT_RUN_AS_USER). */
export const MIN_RUN_AS_USER = 10000;

/** Pod-level settings of Pod Security Standards "restricted". */
export function restrictedPodSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level settings of Pod Security Standards "restricted", plus a read-only root. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
