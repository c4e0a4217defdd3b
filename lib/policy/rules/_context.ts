/**
 * The objects under verification and the indexes that rules share, each built once and only
 * when a rule asks for it, so that a run stays linear in the number of objects.
 */
import { isPlainObject } from '../../core';
import { DEFAULT_NAMESPACE } from '../reachability-workloads';
import { Finding, FindingText, makeFinding, ManifestInput, ManifestObject, objectLabel, RuleContext, RuleInfo } from '../findings';
import { asArray, labelSelectorMatches, mapMatches, SelectorIndex, stringMap } from './_selectors';

/** A check that a rule could not make, and why. */
export interface SkippedCheck {
  readonly ruleId: string;
  readonly reason: string;
}

/** Where pods run and how they are labelled. */
export interface PodLabels {
  readonly namespace: string;
  /** The namespace in its cluster, as `PolicyContext.scopeOf` keys it. */
  readonly scope: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Every container field of a pod spec: init, regular and ephemeral containers. */
export const ALL_CONTAINER_FIELDS: readonly string[] = ['initContainers', 'containers', 'ephemeralContainers'];

/** A container of a pod spec, with its path in the manifest (e.g. `spec.template.spec.containers[0]`). */
export interface ContainerAt {
  readonly container: any;
  readonly path: string;
}

/** A pod as a workload object describes it. */
export interface PodTemplate extends PodLabels {
  readonly object: ManifestObject;
  /** Where the pod spec is in the manifest, e.g. `spec.template.spec`. */
  readonly specPath: string;
  /** Where the pod's metadata is, e.g. `spec.template.metadata`. */
  readonly metadataPath: string;
  /** The pod spec (`{}` when the manifest has none). */
  readonly spec: any;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** The namespace the pods run in. */
  readonly namespace: string;
  /** Runs until deleted (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, or a Pod that restarts). */
  readonly longRunning: boolean;
  /** Has a replica count (Deployment, StatefulSet, ReplicaSet, ReplicationController). */
  readonly replicated: boolean;
}

interface TemplateKind {
  readonly group: string;
  readonly kind: string;
  /** Path of the pod template's `metadata` and `spec`, as property names. */
  readonly path: readonly string[];
  readonly longRunning: boolean;
  readonly replicated: boolean;
}

const TEMPLATE_KINDS: readonly TemplateKind[] = [
  { group: 'apps', kind: 'Deployment', path: ['spec', 'template'], longRunning: true, replicated: true },
  { group: 'apps', kind: 'StatefulSet', path: ['spec', 'template'], longRunning: true, replicated: true },
  { group: 'apps', kind: 'DaemonSet', path: ['spec', 'template'], longRunning: true, replicated: false },
  { group: 'apps', kind: 'ReplicaSet', path: ['spec', 'template'], longRunning: true, replicated: true },
  { group: '', kind: 'ReplicationController', path: ['spec', 'template'], longRunning: true, replicated: true },
  { group: 'batch', kind: 'Job', path: ['spec', 'template'], longRunning: false, replicated: false },
  { group: 'batch', kind: 'CronJob', path: ['spec', 'jobTemplate', 'spec', 'template'], longRunning: false, replicated: false },
  { group: '', kind: 'PodTemplate', path: ['template'], longRunning: false, replicated: false },
  { group: '', kind: 'Pod', path: [], longRunning: true, replicated: false },
];

/**
 * The input of one verification run, as rules see it, plus the findings reported so far.
 */
export class PolicyContext implements RuleContext {
  public readonly objects: readonly ManifestObject[];
  private readonly found: Finding[] = [];
  private readonly skipped: SkippedCheck[] = [];
  private readonly kinds = new Map<string, ManifestObject[]>();
  private podList?: PodTemplate[];
  private serviceIndex?: Map<string, SelectorIndex<ManifestObject>>;
  private hpaIndex?: Map<string, ManifestObject>;

  constructor(inputs: readonly ManifestInput[]) {
    const objects: ManifestObject[] = [];
    const add = (manifest: any, input: ManifestInput) => {
      if (!isPlainObject(manifest)) return;
      if (typeof manifest.kind === 'string' && manifest.kind.endsWith('List') && Array.isArray(manifest.items)) {
        for (const item of manifest.items) add(item, input);
        return;
      }
      const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
      const slash = apiVersion.indexOf('/');
      const namespace = manifest.metadata?.namespace;
      const name = manifest.metadata?.name;
      const object: { -readonly [K in keyof ManifestObject]: ManifestObject[K] } = {
        manifest,
        label: objectLabel(manifest),
        kind: typeof manifest.kind === 'string' ? manifest.kind : '',
        group: slash < 0 ? '' : apiVersion.slice(0, slash),
        namespace: typeof namespace === 'string' ? namespace : '',
        name: typeof name === 'string' ? name : '',
        cluster: input.cluster ?? '',
      };
      if (input.file !== undefined) object.file = input.file;
      if (input.line !== undefined) object.line = input.line;
      objects.push(object);
    };
    for (const input of inputs) add(input.manifest, input);
    this.objects = objects;
    for (const object of objects) {
      const key = `${object.group}/${object.kind}`;
      const list = this.kinds.get(key);
      if (list) list.push(object);
      else this.kinds.set(key, [object]);
    }
  }

  public report(rule: RuleInfo, object: ManifestObject, text: FindingText): void {
    this.found.push(makeFinding(rule, object, text));
  }

  public skip(rule: RuleInfo, reason: string): void {
    this.skipped.push({ ruleId: rule.id, reason });
  }

  /** Everything reported so far. */
  public get findings(): readonly Finding[] {
    return this.found;
  }

  /** Every check skipped so far. */
  public get skippedChecks(): readonly SkippedCheck[] {
    return this.skipped;
  }

  /** The objects of one kind in one API group (`''` for the core group). */
  public ofKind(group: string, kind: string): readonly ManifestObject[] {
    return this.kinds.get(`${group}/${kind}`) ?? [];
  }

  /** The namespace of a namespaced object: `metadata.namespace`, or `default`. */
  public namespaceOf(object: ManifestObject): string {
    return object.namespace || DEFAULT_NAMESPACE;
  }

  /** A key for a namespace in the object's cluster: the object's own namespace, or `namespace`. */
  public scopeOf(object: ManifestObject, namespace: string = this.namespaceOf(object)): string {
    return `${object.cluster}\n${namespace}`;
  }

  /**
   * The pods the workload objects describe, one per object. Objects whose controlling owner is
   * also in the input (a ReplicaSet of a Deployment in a cluster dump) are left to the owner.
   */
  public get pods(): readonly PodTemplate[] {
    if (this.podList) return this.podList;
    let present: Set<string> | undefined; // built only if an object has a controlling owner
    const pods: PodTemplate[] = [];
    for (const kind of TEMPLATE_KINDS) {
      for (const object of this.ofKind(kind.group, kind.kind)) {
        const owners = object.manifest.metadata?.ownerReferences;
        const owner = owners === undefined ? undefined : asArray(owners).find((o: any) => o?.controller === true);
        present ??= owner ? new Set(this.objects.map((o) => `${this.scopeOf(o)}/${o.kind}/${o.name}`)) : undefined;
        if (owner && present!.has(`${this.scopeOf(object)}/${owner.kind}/${owner.name}`)) continue;
        let template: any = object.manifest;
        for (const key of kind.path) template = isPlainObject(template) ? template[key] : undefined;
        const prefix = kind.path.length === 0 ? '' : `${kind.path.join('.')}.`;
        const spec = isPlainObject(template?.spec) ? template.spec : {};
        pods.push({
          object,
          specPath: `${prefix}spec`,
          metadataPath: `${prefix}metadata`,
          spec,
          labels: stringMap(template?.metadata?.labels),
          annotations: stringMap(template?.metadata?.annotations),
          namespace: this.namespaceOf(object),
          scope: this.scopeOf(object),
          longRunning: kind.kind === 'Pod' ? (spec.restartPolicy ?? 'Always') === 'Always' : kind.longRunning,
          replicated: kind.replicated,
        });
      }
    }
    this.podList = pods;
    return pods;
  }

  /** The Services in the pod's namespace (and cluster) whose selector selects its pods. */
  public servicesSelecting(pod: PodTemplate): ManifestObject[] {
    if (!this.serviceIndex) {
      this.serviceIndex = new Map();
      for (const service of this.ofKind('', 'Service')) {
        const selector = service.manifest.spec?.selector;
        if (!isPlainObject(selector) || Object.keys(selector).length === 0) continue; // selects no pods
        const ns = this.scopeOf(service);
        if (!this.serviceIndex.has(ns)) this.serviceIndex.set(ns, new SelectorIndex());
        this.serviceIndex.get(ns)!.add(service, selector);
      }
    }
    return (this.serviceIndex.get(pod.scope)?.candidates(pod.labels) ?? []).filter((s) => mapMatches(s.manifest.spec.selector, pod.labels));
  }

  /** Whether a long-running, replicated pod serves a Service: what the platform calls a service. */
  public isService(pod: PodTemplate): boolean {
    return pod.replicated && this.servicesSelecting(pod).length > 0;
  }

  /** The HorizontalPodAutoscaler that scales the pod's object, if any. */
  public autoscalerOf(pod: PodTemplate): ManifestObject | undefined {
    if (!this.hpaIndex) {
      this.hpaIndex = new Map();
      for (const hpa of this.ofKind('autoscaling', 'HorizontalPodAutoscaler')) {
        const target = hpa.manifest.spec?.scaleTargetRef;
        if (typeof target?.kind === 'string' && typeof target?.name === 'string') {
          this.hpaIndex.set(`${this.scopeOf(hpa)}/${target.kind}/${target.name}`, hpa);
        }
      }
    }
    return this.hpaIndex.get(`${pod.scope}/${pod.object.kind}/${pod.object.name}`);
  }

  /**
   * The fewest replicas the pod's object may run: the autoscaler's `minReplicas` (default 1), else
   * `spec.replicas` (default 1); `undefined` for kinds without replicas.
   */
  public minReplicas(pod: PodTemplate): { readonly count: number; readonly source: string } | undefined {
    if (!pod.replicated) return undefined;
    const hpa = this.autoscalerOf(pod);
    if (hpa) {
      const min = hpa.manifest.spec?.minReplicas;
      return { count: typeof min === 'number' ? min : 1, source: `the minReplicas of ${hpa.label}` };
    }
    const replicas = pod.object.manifest.spec?.replicas;
    return {
      count: typeof replicas === 'number' ? replicas : 1,
      source: typeof replicas === 'number' ? "'spec.replicas'" : "'spec.replicas' (default 1)",
    };
  }

  /**
   * The objects of a kind in the pods' namespace whose `LabelSelector` (`selectorOf`) selects the
   * pods, found through an index. `selectorOf` must be the kind's pod selector: the index is built
   * with it on the first call for the kind.
   */
  public selecting(group: string, kind: string, pod: PodLabels, selectorOf: (object: ManifestObject) => unknown): ManifestObject[] {
    const key = `${group}/${kind}`;
    let index = this.selectorIndexes.get(key);
    if (!index) {
      index = new Map();
      for (const object of this.ofKind(group, kind)) {
        const ns = this.scopeOf(object);
        if (!index.has(ns)) index.set(ns, new SelectorIndex());
        const selector: any = selectorOf(object);
        index.get(ns)!.add(object, isPlainObject(selector) ? selector.matchLabels : undefined);
      }
      this.selectorIndexes.set(key, index);
    }
    return (index.get(pod.scope)?.candidates(pod.labels) ?? []).filter((o) => labelSelectorMatches(selectorOf(o), pod.labels));
  }

  private readonly selectorIndexes = new Map<string, Map<string, SelectorIndex<ManifestObject>>>();
}

/** The containers in the pod spec's container `fields` (see `ALL_CONTAINER_FIELDS`), in that order, with their paths. */
export function containersOf(pod: PodTemplate, fields: readonly string[]): ContainerAt[] {
  return fields.flatMap((field) => asArray(pod.spec[field]).map((container, i) => ({ container, path: `${pod.specPath}.${field}[${i}]` })));
}

/** The rules' own view of the context the engine passes them (always a PolicyContext). */
export const ctxOf = (context: unknown) => context as PolicyContext;
