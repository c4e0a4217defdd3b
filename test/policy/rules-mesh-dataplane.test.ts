import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MESH_DATAPLANE_RULES, NETWORK_RULES } from '../../lib/policy/rules';
import { badManifests, CORPUS_DIR, verify } from './corpus/fixtures';

const RULES = MESH_DATAPLANE_RULES;
const FILE = join(CORPUS_DIR, 'bad', 'mesh-without-dataplane.yaml');
const corpus = () => badManifests('mesh-without-dataplane.yaml');
const lines = (manifests: any[]) => verify(manifests, { rules: RULES }).findings.map((f) => `${f.ruleId} ${f.message}`);

describe('mesh dataplane rules |', () => {
  test('the corpus file breaks exactly what its expect lines say', () => {
    const expected = readFileSync(FILE, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('# expect: '))
      .map((l) => l.slice('# expect: '.length));
    expect(lines(corpus()).sort()).toEqual(expected.sort());
    expect(RULES.map((r) => r.id)).toEqual(['NET-MESH-DATAPLANE', 'NET-MESH-AMBIENT-L4-AUTHZ']);
  });

  test('judges only what is in the input: each namespace alone gets the verdicts it gets in the whole file', () => {
    const all = corpus();
    const namespaces = all.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name);
    const alone = namespaces.flatMap((ns) =>
      lines(all.filter((m) => (m.kind === 'Namespace' ? m.metadata.name : m.metadata.namespace) === ns)),
    );
    expect(alone.sort()).toEqual(lines(all).sort());
    // Without its Namespace object, a STRICT PeerAuthentication or an L7 policy is not judged.
    expect(lines(all.filter((m) => m.kind !== 'Namespace'))).toEqual([]);
  });

  test("a sidecar-injected namespace is in the mesh; its Layer 7 policies are the sidecars' to enforce", () => {
    const all = corpus();
    for (const ns of all.filter((m) => m.kind === 'Namespace')) ns.metadata.labels = { 'istio-injection': 'enabled' };
    expect(lines(all)).toEqual([]);
  });

  test('a revision label enrols a namespace; istio-injection: disabled does not', () => {
    const all = corpus().filter((m) => m.metadata.namespace === 'corpus' || m.metadata.name === 'corpus');
    all.find((m) => m.kind === 'Namespace').metadata.labels = { 'istio.io/rev': 'stable' };
    expect(lines(all)).toEqual([]);
    all.find((m) => m.kind === 'Namespace').metadata.labels = { 'istio.io/rev': 'stable', 'istio-injection': 'disabled' };
    expect(lines(all).map((l) => l.split(' ')[0])).toEqual(['NET-MESH-DATAPLANE']);
  });
});

describe("NET-NO-ALLOW-ALL and the ambient dataplane's kubelet probes |", () => {
  const policy = (ingress: any[]) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'probes', namespace: 'shop' },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress },
  });
  const findings = (ingress: any[]) =>
    verify([policy(ingress)], { rules: NETWORK_RULES })
      .findings.filter((f) => f.ruleId === 'NET-NO-ALLOW-ALL')
      .map((f) => f.message);

  test("admits the probe source alone on every port (Istio's documented rule)", () => {
    expect(findings([{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }])).toEqual([]);
  });

  test('still refuses a portless rule that admits anything else too', () => {
    expect(findings([{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }, { ipBlock: { cidr: '10.0.0.0/8' } }] }])).toEqual([
      "NetworkPolicy/shop/probes: 'spec.ingress[0].ports' (missing) must list ports; without them the rule allows every port",
    ]);
  });
});
