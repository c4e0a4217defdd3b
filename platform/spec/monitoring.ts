import { PlatformSpec } from './validate';

/** The namespace of the log shipper: the only one outside the platform's roles, `<name>-logging`. */
export function loggingNamespace(spec: PlatformSpec): string {
  return `${spec.name}-logging`;
}

/**
 * Where the alerts' `runbook_url`s point: `monitoring.runbookBaseUrl`, else the GitOps
 * repository's web view of the synthesized `runbooks/` folder,
 * `<repository web URL>/blob/<revision>/<path>/runbooks` (an `https://…/x.git` or
 * `git@host:owner/x.git` URL loses its `.git`; the latter becomes `https://host/owner/x`).
 */
export function runbookBaseUrl(spec: PlatformSpec): string {
  if (spec.monitoring.runbookBaseUrl) return spec.monitoring.runbookBaseUrl.replace(/\/+$/, '');
  const { repoURL, revision, path } = spec.gitops;
  const ssh = /^git@([^\s:]+):(\S+)$/.exec(repoURL);
  const web = (ssh ? `https://${ssh[1]}/${ssh[2]}` : repoURL).replace(/\.git$/, '').replace(/\/+$/, '');
  return `${web}/blob/${revision}/${path}/runbooks`;
}

/** The blackbox exporter as Prometheus reaches it: `monitoring.blackbox.proberUrl`, else `blackbox-exporter.<monitoring namespace>.svc:9115`. */
export function blackboxProberUrl(spec: PlatformSpec, exporterName: string, port: number): string {
  return spec.monitoring.blackbox.proberUrl ?? `${exporterName}.${spec.namespaces.monitoring}.svc:${port}`;
}
