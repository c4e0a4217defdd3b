import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Application } from '../../imports/application-argoproj.io';
import { AppProject } from '../../imports/appproject-argoproj.io';
import { COMPONENT_LABEL, REGION_LABEL } from '../core/labels';
import { SYNC_WAVE } from './sync-policy';

/** One Argo CD Application: a folder of `manifests/` synced to a cluster. */
export interface ApplicationTarget {
  readonly region: string;
  readonly component: string;
  /** The destination cluster's API server. */
  readonly server: string;
  /** Default namespace of the Application (its objects name their namespaces explicitly). */
  readonly namespace: string;
  /**
   * Order between Applications, lowest first: the sync wave of the Application object in the
   * app of apps, which creates and (with the Application health check) waits for each wave
   * before the next. It orders only what the app of apps syncs (new or changed Application
   * objects): every Application syncs its own folder automatically, whatever the others' health.
   */
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

/** The name of the Application of a target: `<project>-<region>-<component>`. */
export function applicationName(project: string, target: Pick<ApplicationTarget, 'region' | 'component'>): string {
  return `${project}-${target.region}-${target.component}`;
}

/**
 * Argo CD delivery of the synthesized tree: an AppProject limited to this repository, the
 * platform's namespaces and the declared clusters, allowing exactly the kinds the platform
 * emits; and one Application per (region, component), each with automated sync, self-heal,
 * prune and retry with backoff. The Applications are plain objects that the app of apps
 * (`GitOpsBootstrap`) syncs, wave by wave (`argocd.argoproj.io/sync-wave` on each Application),
 * which Argo CD honours without any flag; no ApplicationSet strategy turns their automated sync
 * off. A commit that changes one folder (a traffic switch changes only the edge's routes) is
 * synced by that folder's Application at once, whatever the health of the others.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/cluster-bootstrapping/
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

    const targets = [...props.targets].sort((a, b) => `${a.region}/${a.component}`.localeCompare(`${b.region}/${b.component}`));
    for (const target of targets) {
      const name = applicationName(props.project, target);
      // No resources finalizer: deleting an Application leaves what it deployed in place.
      new Application(this, name, {
        metadata: {
          name,
          namespace: props.argocdNamespace,
          labels: { [REGION_LABEL]: target.region, [COMPONENT_LABEL]: target.component },
          annotations: { [SYNC_WAVE]: String(target.wave) },
        },
        spec: {
          project: props.project,
          source: {
            repoUrl: props.repoURL,
            targetRevision: props.revision,
            path: `${props.path}/manifests/${target.region}/${target.component}`,
          },
          destination: { server: target.server, namespace: target.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true'],
            // refresh: a retry takes the branch's newest commit, so a fix (or a rollback) pushed while
            // a failed sync retries is what the next attempt applies, not the failed revision again.
            retry: { limit: 5, refresh: true, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      });
    }
  }
}

/** The Argo CD objects that one app of apps syncs: a region's Applications (and the project). */
export interface BootstrapGroup {
  /** Names the app of apps: `<project>-bootstrap-<name>`. */
  readonly name: string;
  /** The files of `<path>/argocd` it syncs (their names, no folders). */
  readonly files: readonly string[];
}

export interface BootstrapProps extends GitOpsSource {
  /**
   * One app of apps per group, each syncing only its files: a region's Applications wait, wave
   * by wave, only for that region's health, so an unhealthy region never holds back another's.
   */
  readonly groups: readonly BootstrapGroup[];
}

/**
 * The app of apps: an Application (in its own AppProject, which may manage only the platform's
 * AppProject and Applications) that syncs `<path>/argocd`, the Applications wave by wave. An
 * administrator applies it once with `kubectl apply -f <path>/argocd/bootstrap/`; everything
 * else follows from git.
 *
 * Argo CD (since 1.8) has no health check for `argoproj.io/Application`: without the one the
 * cluster prerequisites list (`resource.customizations.health.argoproj.io_Application` in
 * `argocd-cm`), the waves order only the creation of the Applications, not their health.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/health/#argocd-app
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
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'AppProject' },
          { group: 'argoproj.io', kind: 'Application' },
        ],
      },
    });
    const claimed = new Map<string, string>();
    for (const group of props.groups) {
      for (const file of group.files) {
        if (claimed.has(file))
          throw new Error(
            `${file} is in the bootstrap groups ${claimed.get(file)} and ${group.name}; each file needs exactly one app of apps`,
          );
        claimed.set(file, group.name);
      }
      new Application(this, `Application-${group.name}`, {
        metadata: { name: `${name}-${group.name}`, namespace: props.argocdNamespace },
        spec: {
          project: name,
          source: {
            repoUrl: props.repoURL,
            targetRevision: props.revision,
            path: `${props.path}/argocd`,
            // A glob of exactly this group's files ({a,b} alternatives).
            directory: { recurse: false, include: `{${[...group.files].sort().join(',')}}` },
          },
          destination: { server: props.argocdServer, namespace: props.argocdNamespace },
          syncPolicy: {
            // Never prune: removing an Application from git must not remove it from Argo CD.
            automated: { prune: false, selfHeal: true },
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      });
    }
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
  return [...kinds.keys()]
    .sort()
    .map((key) => kinds.get(key)!)
    .filter((k) => k.namespaced !== clusterScoped)
    .map(({ group, kind }) => ({ group, kind }));
}
