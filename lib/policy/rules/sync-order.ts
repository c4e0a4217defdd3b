/**
 * Argo CD sync waves: within one Application, no object comes in a wave before an object its
 * health needs. Argo CD applies a wave only once every object of the earlier waves is healthy,
 * so such an object waits for ever and the sync never finishes.
 */
import { isPlainObject } from '../../core';
import { HOOK, SYNC_WAVE } from '../../delivery/sync-policy';
import { ManifestObject, PolicyRule, violation } from '../findings';
import { PolicyContext } from './_context';
import { inputRule } from './_rule';
import { asArray } from './_selectors';

const WAVE_PATH = `metadata.annotations["${SYNC_WAVE}"]`;

/** An object whose health needs another one, and why. */
interface Need {
  readonly object: ManifestObject;
  readonly needs: ManifestObject;
  readonly reason: string;
}

export const GITOPS_SYNC_WAVE_ORDER = inputRule(
  {
    id: 'GITOPS-SYNC-WAVE-ORDER',
    severity: 'error',
    title: 'No object syncs in a wave before an object its health needs',
    rationale:
      'Argo CD applies a sync wave only once every object of the earlier waves is healthy: an object that needs a later wave to become healthy (a Certificate whose HTTP-01 challenge needs the Gateway, a Gateway whose listener needs the certificate) stops the sync for ever.',
    source: 'Argo CD sync waves and resource health (cert-manager, Gateway API, External Secrets health checks)',
    fix: 'Sync the two objects in the same wave, or the needed one first.',
    helpUri: 'https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/',
  },
  (ctx, report, skip) => {
    const index = new ObjectIndex(ctx);
    const absentIssuers = new Set<string>();
    for (const need of needs(ctx, index, absentIssuers)) {
      if (applicationOf(need.object) !== applicationOf(need.needs)) continue; // waves order one Application
      const [wave, neededWave] = [waveOf(need.object), waveOf(need.needs)];
      if (wave === undefined || neededWave === undefined || wave >= neededWave) continue;
      report(
        need.object,
        violation(
          WAVE_PATH,
          String(wave),
          `must not come before wave ${neededWave} of ${need.needs.label}: ${need.reason}, and Argo CD applies that wave only once this one is healthy, so the sync never finishes`,
          'sync them in the same wave, or the needed object first',
        ),
      );
    }
    if (absentIssuers.size > 0) {
      skip(
        `the issuers ${[...absentIssuers].sort().join(', ')} are not in the manifests: the Gateways that answer their certificates' challenges are judged with them`,
      );
    }
  },
);

/** The Application an object belongs to: its cluster and its file's folder (one folder per Application). */
function applicationOf(object: ManifestObject): string {
  const file = object.file ?? '';
  return `${object.cluster}\n${file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : ''}`;
}

/** The object's sync wave (0 when unset), or undefined for hooks and unreadable waves. */
function waveOf(object: ManifestObject): number | undefined {
  const annotations = object.manifest.metadata?.annotations;
  if (isPlainObject(annotations) && annotations[HOOK] !== undefined) return undefined;
  const wave = isPlainObject(annotations) ? annotations[SYNC_WAVE] : undefined;
  if (wave === undefined) return 0;
  const parsed = typeof wave === 'string' && /^-?\d+$/.test(wave.trim()) ? Number(wave) : NaN;
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** Objects by cluster, namespace ('' for cluster-scoped), group, kind and name. */
class ObjectIndex {
  private readonly byKey = new Map<string, ManifestObject>();
  private readonly secretWriters = new Map<string, ManifestObject[]>();

  constructor(private readonly ctx: PolicyContext) {
    for (const object of ctx.objects)
      this.byKey.set(
        this.key(object.cluster, object.namespace ? ctx.namespaceOf(object) : '', object.group, object.kind, object.name),
        object,
      );
    const addWriter = (object: ManifestObject, secret: unknown) => {
      if (typeof secret !== 'string') return;
      const key = `${ctx.scopeOf(object)}\n${secret}`;
      this.secretWriters.set(key, [...(this.secretWriters.get(key) ?? []), object]);
    };
    for (const certificate of ctx.ofKind('cert-manager.io', 'Certificate')) addWriter(certificate, certificate.manifest.spec?.secretName);
    for (const externalSecret of ctx.ofKind('external-secrets.io', 'ExternalSecret')) {
      addWriter(externalSecret, externalSecret.manifest.spec?.target?.name ?? externalSecret.name);
    }
  }

  private key(cluster: string, namespace: string, group: string, kind: string, name: string): string {
    return [cluster, namespace, group, kind, name].join('\n');
  }

  public find(from: ManifestObject, namespace: string, group: string, kind: string, name: unknown): ManifestObject | undefined {
    return typeof name === 'string' ? this.byKey.get(this.key(from.cluster, namespace, group, kind, name)) : undefined;
  }

  /** The objects that write Secret `name` in `from`'s namespace (or `namespace`). */
  public writersOf(from: ManifestObject, name: unknown, namespace?: string): readonly ManifestObject[] {
    return typeof name === 'string' ? (this.secretWriters.get(`${this.ctx.scopeOf(from, namespace)}\n${name}`) ?? []) : [];
  }
}

const GATEWAY_API = 'gateway.networking.k8s.io';

/** Records that `object` needs `needed` (when found, and not itself), and why. */
type AddNeed = (object: ManifestObject, needed: ManifestObject | undefined, reason: string) => void;

/** Every "needs" relation between objects of the input. */
function needs(ctx: PolicyContext, index: ObjectIndex, absentIssuers: Set<string>): Need[] {
  const out: Need[] = [];
  const add: AddNeed = (object, needed, reason) => {
    if (needed && needed !== object) out.push({ object, needs: needed, reason });
  };

  certificateNeeds(ctx, index, absentIssuers, add);
  gatewayNeeds(ctx, index, add);

  for (const route of ctx.ofKind(GATEWAY_API, 'HTTPRoute')) {
    for (const parent of asArray(route.manifest.spec?.parentRefs)) {
      if ((parent?.group ?? GATEWAY_API) !== GATEWAY_API || (parent?.kind ?? 'Gateway') !== 'Gateway') continue;
      add(
        route,
        index.find(route, parent?.namespace ?? ctx.namespaceOf(route), GATEWAY_API, 'Gateway', parent?.name),
        'the route is accepted only by its parent Gateway',
      );
    }
  }

  for (const externalSecret of ctx.ofKind('external-secrets.io', 'ExternalSecret')) {
    const ref = externalSecret.manifest.spec?.secretStoreRef;
    const kind = ref?.kind ?? 'SecretStore';
    if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore') continue;
    add(
      externalSecret,
      index.find(externalSecret, kind === 'SecretStore' ? ctx.namespaceOf(externalSecret) : '', 'external-secrets.io', kind, ref?.name),
      'it reads its secret through that store',
    );
  }

  for (const pod of ctx.pods) {
    for (const secret of requiredSecrets(pod.spec)) {
      for (const writer of index.writersOf(pod.object, secret))
        add(pod.object, writer, `its pods need Secret ${secret}, which that object writes`);
    }
  }
  return out;
}

/** A Certificate needs its issuer, and the Gateways through which its HTTP-01 challenge is answered. */
function certificateNeeds(ctx: PolicyContext, index: ObjectIndex, absentIssuers: Set<string>, add: AddNeed): void {
  for (const certificate of ctx.ofKind('cert-manager.io', 'Certificate')) {
    const namespace = ctx.namespaceOf(certificate);
    const ref = certificate.manifest.spec?.issuerRef;
    const issuerKind = ref?.kind ?? 'Issuer';
    if ((ref?.group ?? 'cert-manager.io') !== 'cert-manager.io' || (issuerKind !== 'Issuer' && issuerKind !== 'ClusterIssuer')) continue;
    const issuer = index.find(certificate, issuerKind === 'Issuer' ? namespace : '', 'cert-manager.io', issuerKind, ref?.name);
    if (!issuer) {
      if (typeof ref?.name === 'string') absentIssuers.add(`${issuerKind}/${ref.name}`);
      continue;
    }
    add(certificate, issuer, 'it is issued by it');
    // cert-manager attaches the HTTP-01 solver's route to these Gateways, in the Certificate's namespace.
    for (const solver of asArray(issuer.manifest.spec?.acme?.solvers)) {
      for (const parent of asArray(solver?.http01?.gatewayHTTPRoute?.parentRefs)) {
        if ((parent?.group ?? GATEWAY_API) !== GATEWAY_API || (parent?.kind ?? 'Gateway') !== 'Gateway') continue;
        add(
          certificate,
          index.find(certificate, parent?.namespace ?? namespace, GATEWAY_API, 'Gateway', parent?.name),
          'its HTTP-01 challenge is answered through it',
        );
      }
    }
  }
}

/** A Gateway needs the writers of its listeners' certificate Secrets, and its infrastructure parameters' ConfigMap. */
function gatewayNeeds(ctx: PolicyContext, index: ObjectIndex, add: AddNeed): void {
  for (const gateway of ctx.ofKind(GATEWAY_API, 'Gateway')) {
    const namespace = ctx.namespaceOf(gateway);
    asArray(gateway.manifest.spec?.listeners).forEach((listener: any) => {
      for (const ref of asArray(listener?.tls?.certificateRefs)) {
        if ((ref?.group ?? '') !== '' || (ref?.kind ?? 'Secret') !== 'Secret') continue;
        for (const writer of index.writersOf(gateway, ref?.name, ref?.namespace ?? namespace)) {
          add(
            gateway,
            writer,
            `its listener ${JSON.stringify(listener?.name)} serves the certificate in Secret ${ref.name}, which that object writes`,
          );
        }
      }
    });
    const parameters = gateway.manifest.spec?.infrastructure?.parametersRef;
    if (parameters && (parameters.group ?? '') === '' && parameters.kind === 'ConfigMap') {
      add(gateway, index.find(gateway, namespace, '', 'ConfigMap', parameters.name), 'its infrastructure parameters are read from it');
    }
  }
}

/** The Secrets a pod cannot start without: volumes, projected sources, env and envFrom that are not optional. */
function requiredSecrets(spec: any): string[] {
  const names = new Set<string>();
  const need = (name: unknown, optional: unknown) => {
    if (typeof name === 'string' && optional !== true) names.add(name);
  };
  for (const volume of asArray(spec?.volumes)) {
    need(volume?.secret?.secretName, volume?.secret?.optional);
    for (const source of asArray(volume?.projected?.sources)) need(source?.secret?.name, source?.secret?.optional);
  }
  for (const container of [...asArray(spec?.initContainers), ...asArray(spec?.containers)]) {
    for (const env of asArray(container?.env)) need(env?.valueFrom?.secretKeyRef?.name, env?.valueFrom?.secretKeyRef?.optional);
    for (const from of asArray(container?.envFrom)) need(from?.secretRef?.name, from?.secretRef?.optional);
  }
  return [...names].sort();
}

/** The rule on sync ordering within an Application. */
export const SYNC_ORDER_RULES: readonly PolicyRule[] = [GITOPS_SYNC_WAVE_ORDER];
