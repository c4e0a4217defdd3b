import { isPlainObject } from '../core';
import { DNS_SET_IDENTIFIER, DNS_WEIGHT } from '../delivery';
import { FieldChange } from './field-diff';

/** The kinds of change a reviewer must not miss. */
export type ReviewFlag = 'active-colour' | 'rbac' | 'network' | 'data';

/** Every review flag, in the order they are reported. */
export const REVIEW_FLAGS: readonly ReviewFlag[] = ['active-colour', 'rbac', 'network', 'data'];

/** How each flag is named in the report. */
export const REVIEW_FLAG_LABELS: Readonly<Record<ReviewFlag, string>> = {
  'active-colour': 'active colour',
  rbac: 'RBAC',
  network: 'network',
  data: 'data',
};

/** One object that a change adds, removes or changes. */
export interface ObjectChangeSubject {
  /** The component it is placed in, e.g. `edge`, `data`, `green-data`. */
  readonly component: string;
  /** The manifest after the change (before it, for a removed object). */
  readonly manifest: any;
  /** The changed fields; undefined when the whole object is added or removed. */
  readonly fields?: readonly FieldChange[];
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const ISTIO_SECURITY_KINDS = new Set(['AuthorizationPolicy', 'PeerAuthentication']);
const CNPG_KINDS = new Set(['Cluster', 'Pooler', 'ScheduledBackup', 'Backup']);

/**
 * The review flags of a change to one object:
 * - **active colour**: a router object: an HTTPRoute in an edge component whose `spec` changes
 *   (or that is added or removed), or a Gateway whose weighted-DNS annotations change (the
 *   switch of the cluster-per-color topology; also when such a Gateway is added or removed), or
 *   an Argo Rollouts AnalysisRun of an edge component whose `spec.args` change (the colour the
 *   switch's gate and watch analyse), or that is added or removed;
 * - **RBAC**: Role, ClusterRole, RoleBinding, ClusterRoleBinding (rbac.authorization.k8s.io) and
 *   ServiceAccount;
 * - **network**: NetworkPolicy (networking.k8s.io), Istio AuthorizationPolicy and PeerAuthentication;
 * - **data**: any object of a data component (`data`, `<colour>-data`), CloudNativePG Cluster,
 *   Pooler, ScheduledBackup and Backup, Velero Schedule, PersistentVolumeClaims, and
 *   StatefulSets with volume claim templates.
 */
export function reviewFlags(subject: ObjectChangeSubject): ReviewFlag[] {
  const { component, manifest, fields } = subject;
  const kind: string = manifest?.kind ?? '';
  const group = apiGroup(manifest?.apiVersion);
  const whole = fields === undefined;
  const flags = new Set<ReviewFlag>();

  const isEdge = component === 'edge' || component.endsWith('-edge');
  if (kind === 'HTTPRoute' && isEdge && (whole || fields.some((f) => f.path === 'spec' || f.path.startsWith('spec.'))))
    flags.add('active-colour');
  if (
    kind === 'AnalysisRun'
    && group === 'argoproj.io'
    && isEdge
    && (whole || fields.some((f) => f.path === 'spec' || f.path.startsWith('spec.args')))
  )
    flags.add('active-colour');
  if (kind === 'Gateway') {
    const annotations = manifest?.metadata?.annotations ?? {};
    const weighted = whole ? DNS_WEIGHT in annotations : fields.some((f) => touchesKey(f, DNS_WEIGHT) || touchesKey(f, DNS_SET_IDENTIFIER));
    if (weighted) flags.add('active-colour');
  }

  if ((RBAC_KINDS.has(kind) && group === 'rbac.authorization.k8s.io') || (kind === 'ServiceAccount' && group === '')) flags.add('rbac');

  if ((kind === 'NetworkPolicy' && group === 'networking.k8s.io') || (ISTIO_SECURITY_KINDS.has(kind) && group === 'security.istio.io'))
    flags.add('network');

  const isDataComponent = component === 'data' || component.endsWith('-data');
  if (
    isDataComponent
    || (CNPG_KINDS.has(kind) && group === 'postgresql.cnpg.io')
    || (kind === 'Schedule' && group === 'velero.io')
    || (kind === 'PersistentVolumeClaim' && group === '')
    || (kind === 'StatefulSet' && group === 'apps' && (manifest?.spec?.volumeClaimTemplates?.length ?? 0) > 0)
  )
    flags.add('data');

  return REVIEW_FLAGS.filter((f) => flags.has(f));
}

/** Whether a field change is at map key `key` or adds, removes or changes a map holding it. */
function touchesKey(change: FieldChange, key: string): boolean {
  if (change.path.includes(JSON.stringify(key))) return true;
  if (change.kind === 'reordered') return false;
  const holds = (value: unknown) => isPlainObject(value) && JSON.stringify(value).includes(JSON.stringify(key));
  return holds('before' in change ? change.before : undefined) || holds('after' in change ? change.after : undefined);
}

function apiGroup(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
