/**
 * The cross-object reachability rules of issue 15: NET-CHALLENGE-REACHABLE, NET-SCRAPE-REACHABLE
 * and RBAC-GRANT-USABLE, each on its corpus file (verify.test.ts checks the messages), on a near
 * miss, and on the platform's output, folder by folder and whole.
 */
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { CHALLENGE_RULES, POLICY_RULES, RBAC_USABILITY_RULES, SCRAPE_RULES } from '../../lib/policy/rules';
import { verifyManifests } from '../../lib/policy/verify';
import { REPO_ROOT } from '../helpers/manifests';
import { badManifests, messagesOf, TODAY } from './corpus/fixtures';
import { synthesize } from '../../platform';

const run = (manifests: any[]) =>
  verifyManifests(
    manifests.map((manifest) => ({ manifest })),
    { today: TODAY },
  );
const byKindName = (manifests: any[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

describe('reachability rules |', () => {
  test('are registered as errors', () => {
    for (const rule of [...CHALLENGE_RULES, ...SCRAPE_RULES, ...RBAC_USABILITY_RULES]) {
      expect(POLICY_RULES).toContain(rule);
      expect(rule.severity).toBe('error');
    }
  });

  test('NET-CHALLENGE-REACHABLE passes once the solver admits the gateway on 8089 and the gateway may reach it', () => {
    const manifests = badManifests('challenge-blocked.yaml');
    const solver = { 'acme.cert-manager.io/http01-solver': 'true' };
    const gateway = { 'gateway.networking.k8s.io/gateway-name': 'public' };
    manifests.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'solver', namespace: 'edge' },
      spec: {
        podSelector: { matchLabels: solver },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: gateway } }], ports: [{ port: 8089, protocol: 'TCP' }] }],
      },
    });
    expect(messagesOf(run(manifests), 'NET-CHALLENGE-REACHABLE')).toHaveLength(1); // the gateway's egress is still blocked
    byKindName(manifests, 'NetworkPolicy', 'public').spec.policyTypes = ['Ingress', 'Egress'];
    byKindName(manifests, 'NetworkPolicy', 'public').spec.egress = [
      { to: [{ podSelector: { matchLabels: solver } }], ports: [{ port: 8089, protocol: 'TCP' }] },
    ];
    expect(messagesOf(run(manifests), 'NET-CHALLENGE-REACHABLE')).toEqual([]);
  });

  test('NET-CHALLENGE-REACHABLE judges nothing without the issuer in the input (it is judged where the issuer is)', () => {
    const manifests = badManifests('challenge-blocked.yaml').filter((m) => m.kind !== 'ClusterIssuer');
    expect(messagesOf(run(manifests), 'NET-CHALLENGE-REACHABLE')).toEqual([]);
  });

  test('NET-SCRAPE-REACHABLE passes once Prometheus may reach the target, and names the target side when its ingress blocks', () => {
    const manifests = badManifests('scrape-blocked.yaml');
    byKindName(manifests, 'NetworkPolicy', 'prometheus').spec.egress[0].to[0].podSelector.matchLabels = { app: 'api' };
    expect(messagesOf(run(manifests), 'NET-SCRAPE-REACHABLE')).toEqual([]);
    byKindName(manifests, 'NetworkPolicy', 'api').spec.ingress[0].ports[0].port = 8080;
    expect(messagesOf(run(manifests), 'NET-SCRAPE-REACHABLE')).toEqual([
      'ServiceMonitor/shop/api: selects Deployment/shop/api on port 9090, which the NetworkPolicies keep from Prometheus (the ingress of Deployment/shop/api); allow it',
    ]);
  });

  test('RBAC-GRANT-USABLE passes with a projected token and egress to an address block on 443', () => {
    const manifests = badManifests('rbac-grant-unusable.yaml');
    const pod = byKindName(manifests, 'Deployment', 'reader').spec.template.spec;
    pod.volumes = [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }];
    manifests.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'reader', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'reader' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/28' } }], ports: [{ port: 443, protocol: 'TCP' }] }],
      },
    });
    expect(messagesOf(run(manifests), 'RBAC-GRANT-USABLE')).toEqual([]);
  });

  test('the platform passes all three, whole and Application by Application', () => {
    const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
    const ids = ['NET-CHALLENGE-REACHABLE', 'NET-SCRAPE-REACHABLE', 'RBAC-GRANT-USABLE'];
    const inputs = output.objects.map((o) => ({ manifest: o.manifest, cluster: o.region, folder: `${o.region}/${o.component}` }));
    const whole = verifyManifests(inputs, { today: TODAY });
    for (const id of ids) expect(messagesOf(whole, id)).toEqual([]);
    for (const folder of new Set(inputs.map((i) => i.folder))) {
      const part = verifyManifests(
        inputs.filter((i) => i.folder === folder),
        { today: TODAY },
      );
      for (const id of ids) expect({ folder, id, messages: messagesOf(part, id) }).toEqual({ folder, id, messages: [] });
    }
  });
});
