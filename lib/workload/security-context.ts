import { k8s } from 'cdk8s-plus-28';

/**
 * The default UID, GID and fsGroup of every workload. Above 10000 so that it never matches a
 * user of the node (whose system and login users sit below 10000), which limits the damage of a
 * container escape; images must not depend on a UID baked into them.
 */
export const DEFAULT_RUN_AS_USER = 10001;

/** The lowest UID a workload may run as (see DEFAULT_RUN_AS_USER). */
export const MIN_RUN_AS_USER = 10000;

/**
 * Pod-level settings of Pod Security Standards "restricted". UID 0 is only for a workload with a
 * recorded policy exception (LogShipper's `runAsRoot`): it turns `runAsNonRoot` off, the one
 * setting that cannot hold for it.
 */
export function restrictedPodSecurityContext(uid: number, supplementalGroups?: number[]): k8s.PodSecurityContext {
  return {
    runAsNonRoot: uid !== 0,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    supplementalGroups,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level settings of Pod Security Standards "restricted", plus a read-only root.
 * `runAsNonRoot` is false only for a pod that runs as UID 0 (see restrictedPodSecurityContext).
 */
export function restrictedContainerSecurityContext(runAsNonRoot = true): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
