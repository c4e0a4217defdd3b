import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Application } from '../../imports/application-argoproj.io';
import { ApplicationSet } from '../../imports/applicationset-argoproj.io';
import { AppProject } from '../../imports/appproject-argoproj.io';

/** One Argo CD Application: a folder of `manifests/` synced to a cluster. */
export interface ApplicationTarget {
  readonly region: string;
  readonly component: string;
  /** The destination cluster's API server. */
  readonly server: string;
  /** Default namespace of the Application (its objects name their namespaces explicitly). */
  readonly namespace: string;
  /** Order between Applications (RollingSync steps), lowest first. */
  readonly wave: number;
}

/** Where Argo CD finds this repository's output, and where Argo CD runs. */
export interface GitOpsSource {
  /** Project name, also the prefix of Application names. */
  readonly project: string;
  readonly repoURL: string;
  readonly revision: string;
  /** Repository folder holding the synthesized output (`manifests/`, `argocd/`). */
  readonly path: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The cluster Argo CD runs in. */
  readonly argocdServer: string;
}

export interface GitOpsDeliveryProps extends GitOpsSource {
  readonly targets: readonly ApplicationTarget[];
  /** The namespaces the platform's Applications may deploy to. */
  readonly namespaces: readonly string[];
  /**
   * Where the objects the Applications will sync are defined: the AppProject allows exactly
   * their kinds (cluster-scoped and namespaced), nothing more.
   */
  readonly managed: IConstruct;
}

/** Label carried by generated Applications; RollingSync orders them by it. */
export const WAVE_LABEL = 'alp-deploy.io/sync-wave';

/**
 * Argo CD delivery of the synthesized tree: an AppProject limited to this repository, the
 * platform's namespaces and the declared clusters, allowing exactly the kinds the platform
 * emits; an ApplicationSet (list generator) with one Application per (region, component),
 * automated sync with self-heal, prune and retry with backoff, rolled out wave by wave.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/
 */
export class GitOpsDelivery extends Construct {
  constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    super(scope, id);
    const servers = [...new Set(props.targets.map((t) => t.server))].sort();
    new AppProject(this, 'Project', {
      metadata: { name: props.project, namespace: props.argocdNamespace },
      spec: {
        description: `The ${props.project} platform, synced from ${props.repoURL}`,
        sourceRepos: [props.repoURL],
        destinations: servers.flatMap((server) => [...props.namespaces].sort().map((namespace) => ({ server, namespace }))),
        clusterResourceWhitelist: Lazy.any({ produce: () => managedKinds(props.managed, true) }),
        namespaceResourceWhitelist: Lazy.any({ produce: () => managedKinds(props.managed, false) }),
        orphanedResources: { warn: true },
      },
    });

    const waves = [...new Set(props.targets.map((t) => t.wave))].sort((a, b) => a - b);
    new ApplicationSet(this, 'Applications', {
      metadata: { name: props.project, namespace: props.argocdNamespace },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{
          list: {
            elements: [...props.targets]
              .sort((a, b) => `${a.region}/${a.component}`.localeCompare(`${b.region}/${b.component}`))
              .map((t) => ({ region: t.region, component: t.component, server: t.server, namespace: t.namespace, wave: String(t.wave) })),
          },
        }],
        // Apply Applications wave by wave (needs Argo CD's progressive syncs enabled).
        strategy: {
          type: 'RollingSync',
          rollingSync: { steps: waves.map((wave) => ({ matchExpressions: [{ key: WAVE_LABEL, operator: 'In', values: [String(wave)] }] })) },
        },
        // Deleting the ApplicationSet must not delete what the Applications deployed.
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: {
            name: `${props.project}-{{.region}}-{{.component}}`,
            labels: { 'alp-deploy.io/region': '{{.region}}', 'alp-deploy.io/component': '{{.component}}', [WAVE_LABEL]: '{{.wave}}' },
          },
          spec: {
            project: props.project,
            source: { repoUrl: props.repoURL, targetRevision: props.revision, path: `${props.path}/manifests/{{.region}}/{{.component}}` },
            destination: { server: '{{.server}}', namespace: '{{.namespace}}' },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true'],
              retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
            },
          },
        },
      },
    });
  }
}

export interface BootstrapProps extends GitOpsSource {}

/**
 * The app of apps: an Application (in its own AppProject, which may manage only the platform's
 * AppProject and ApplicationSet) that syncs `<path>/argocd`. An administrator applies it once
 * with `kubectl apply -f <path>/argocd/bootstrap/`; everything else follows from git.
 */
export class GitOpsBootstrap extends Construct {
  constructor(scope: Construct, id: string, props: BootstrapProps) {
    super(scope, id);
    const name = `${props.project}-bootstrap`;
    new AppProject(this, 'Project', {
      metadata: { name, namespace: props.argocdNamespace },
      spec: {
        description: `Bootstraps the ${props.project} platform's Argo CD objects`,
        sourceRepos: [props.repoURL],
        destinations: [{ server: props.argocdServer, namespace: props.argocdNamespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'AppProject' }, { group: 'argoproj.io', kind: 'ApplicationSet' }],
      },
    });
    new Application(this, 'Application', {
      metadata: { name, namespace: props.argocdNamespace },
      spec: {
        project: name,
        source: { repoUrl: props.repoURL, targetRevision: props.revision, path: `${props.path}/argocd`, directory: { recurse: false } },
        destination: { server: props.argocdServer, namespace: props.argocdNamespace },
        syncPolicy: {
          // Never prune: removing the ApplicationSet from git must not tear down the platform.
          automated: { prune: false, selfHeal: true },
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      },
    });
  }
}

/** The distinct kinds under `scope` that are (or are not) cluster-scoped, as AppProject entries. */
function managedKinds(scope: IConstruct, clusterScoped: boolean): Array<{ group: string; kind: string }> {
  const kinds = new Map<string, { group: string; kind: string; namespaced: boolean }>();
  for (const construct of scope.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) continue;
    const group = construct.apiGroup === 'core' ? '' : construct.apiGroup;
    const key = `${group}/${construct.kind}`;
    if (kinds.has(key)) continue;
    // As rendered: a cluster-scoped object in a namespaced chart drops the chart's namespace by a
    // patch. One object per kind tells (rendering every object would double the synth's resolve work).
    const namespaced = construct.toJson().metadata?.namespace !== undefined;
    kinds.set(key, { group, kind: construct.kind, namespaced });
  }
  return [...kinds.keys()].sort().map((key) => kinds.get(key)!).filter((k) => k.namespaced !== clusterScoped).map(({ group, kind }) => ({ group, kind }));
}
