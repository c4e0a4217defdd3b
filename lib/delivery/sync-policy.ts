import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/** Argo CD's per-object annotations. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Argo CD's resource hook annotations: the object runs as a hook (`PreSync`, `PostSync`, …), and when the hook is deleted. */
export const HOOK = 'argocd.argoproj.io/hook';
export const HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';

/**
 * The order Argo CD applies objects in within one Application (lower first): namespaces and
 * policies, then secrets, then data, then services, then the edge (Gateways, their routes and
 * their certificates) and monitoring. Kinds not listed here go with the services.
 *
 * Argo CD applies a wave only once every object of the waves before it is healthy, so no object
 * may come before one its health needs. A cert-manager Certificate stays Progressing until it is
 * issued, and an ACME HTTP-01 challenge is answered through the Gateway's HTTP listener and the
 * solver route cert-manager attaches to it; the Gateway in turn is not Programmed until its
 * listeners' certificate Secrets exist. Certificates therefore sync in the Gateways' wave, with
 * the routes: on the first sync they converge together, and a traffic switch (a route change)
 * is applied at once even while a certificate renews.
 */
const WAVES: ReadonlyArray<[number, readonly string[]]> = [
  [-3, ['Namespace', 'PriorityClass']],
  [
    -2,
    [
      'NetworkPolicy',
      'ResourceQuota',
      'LimitRange',
      'PeerAuthentication',
      'AuthorizationPolicy',
      'Role',
      'RoleBinding',
      'ServiceAccount',
      'ReferenceGrant',
    ],
  ],
  [-1, ['ClusterSecretStore', 'ExternalSecret', 'ClusterIssuer', 'AppProject']],
  [0, ['StatefulSet', 'PersistentVolumeClaim', 'Cluster', 'Pooler', 'ScheduledBackup', 'Schedule']],
  [2, ['Gateway', 'HTTPRoute', 'Certificate', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'AlertmanagerConfig']],
];
const DEFAULT_WAVE = 1;

/**
 * Objects whose loss loses data: Argo CD never prunes them, and deleting their Application
 * leaves them in place. A namespace is one of them, since deleting it deletes its contents; a
 * ScheduledBackup too, since it owns its Backup objects (the catalog of the archive).
 */
const STATEFUL_KINDS: readonly string[] = ['Namespace', 'PersistentVolumeClaim', 'StatefulSet', 'Cluster', 'ScheduledBackup'];

/** The sync wave of a kind. */
export function syncWave(kind: string): number {
  return WAVES.find(([, kinds]) => kinds.includes(kind))?.[0] ?? DEFAULT_WAVE;
}

/** Whether Argo CD must never prune or delete objects of this kind. */
export function isStatefulKind(kind: string): boolean {
  return STATEFUL_KINDS.includes(kind);
}

/**
 * Annotates every API object under `scope` with its sync wave (except wave 0, Argo CD's
 * default, and objects that already name their wave, such as the app of apps' Applications)
 * and stateful ones with `Prune=false,Delete=false`.
 */
export function applyArgoSyncPolicy(scope: IConstruct): void {
  for (const construct of scope.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) continue;
    const wave = syncWave(construct.kind);
    if (wave !== 0 && construct.metadata.toJson().annotations?.[SYNC_WAVE] === undefined)
      construct.metadata.addAnnotation(SYNC_WAVE, String(wave));
    if (isStatefulKind(construct.kind)) construct.metadata.addAnnotation(SYNC_OPTIONS, 'Prune=false,Delete=false');
  }
}
