/**
 * GitOps delivery: every Argo CD Application syncs git automatically and heals drift, and no
 * ApplicationSet strategy takes that away.
 */
import { ManifestObject, PolicyRule, statement, violation } from '../findings';
import { inputRule, ReportOn } from './_rule';

export const GITOPS_AUTOMATED_SYNC = inputRule(
  {
    id: 'GITOPS-AUTOMATED-SYNC',
    severity: 'error',
    title: 'Argo CD Applications sync automatically and heal drift',
    rationale:
      'In this GitOps setup a commit is the release, the switch and the rollback: an Application without automated sync and self-heal waits for someone to press Sync, and an ApplicationSet with the RollingSync strategy turns automated sync off in every Application it generates and holds each step until the previous one is healthy.',
    source: 'Argo CD automated sync policy; ApplicationSet Progressive Syncs (RollingSync forces autosync off)',
    fix: "Set 'spec.syncPolicy.automated' with 'selfHeal: true'; order Applications with sync waves on the Application objects of an app of apps instead of RollingSync.",
    helpUri: 'https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/',
  },
  (ctx, report) => {
    for (const application of ctx.ofKind('argoproj.io', 'Application')) {
      checkSyncPolicy(report, application, application.manifest.spec?.syncPolicy, 'spec.syncPolicy');
    }
    for (const appSet of ctx.ofKind('argoproj.io', 'ApplicationSet')) {
      const strategy = appSet.manifest.spec?.strategy?.type;
      if (strategy === 'RollingSync') {
        report(
          appSet,
          violation(
            'spec.strategy.type',
            strategy,
            'must not be RollingSync: it turns automated sync and self-heal off in every generated Application, needs the controller flag --enable-progressive-syncs, and syncs a step only once every Application of the steps before it is Healthy',
            'remove the strategy and order the Applications with sync waves in an app of apps',
          ),
        );
      }
      checkSyncPolicy(report, appSet, appSet.manifest.spec?.template?.spec?.syncPolicy, 'spec.template.spec.syncPolicy');
    }
  },
);

/** Reports an Argo CD sync policy (at `path` in `object`) that does not sync automatically or does not heal drift. */
function checkSyncPolicy(report: ReportOn, object: ManifestObject, policy: any, path: string): void {
  const automated = policy?.automated;
  if (automated === undefined || automated === null || automated.enabled === false) {
    report(
      object,
      statement(
        `does not sync automatically ('${path}.automated' is ${automated?.enabled === false ? 'disabled' : 'missing'}): a commit reaches the cluster only when someone syncs by hand; set it with selfHeal: true`,
        `${path}.automated`,
      ),
    );
  } else if (automated.selfHeal !== true) {
    report(
      object,
      violation(
        `${path}.automated.selfHeal`,
        automated.selfHeal,
        'must be true',
        'without it, a change made in the cluster stays until the next commit',
      ),
    );
  }
}

/** The rules on how Argo CD delivers the tree. */
export const GITOPS_DELIVERY_RULES: readonly PolicyRule[] = [GITOPS_AUTOMATED_SYNC];
