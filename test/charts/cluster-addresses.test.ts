/**
 * Each cluster's own addresses and Vault auth mount: the regions are separate, peered networks,
 * so every NetworkPolicy to the API server, the kubelets or the object store carries its own
 * cluster's CIDRs, and every cluster logs in to Vault through a Kubernetes auth mount of its own.
 * Expectations come from the spec (a region's `cluster`, else the spec-wide fields), not from
 * the resolver the charts use.
 */
import { join } from 'node:path';
import { platformApp, platformSpec } from '../../charts';
import { clone, clusterPerColorSpec, committedRelease, findObject, platformModel, problemsOf, REPO_ROOT } from '../helpers/manifests';
import { clusterPlacements, ClusterSpec, synthesize, validatePlatform, vaultAuthMountOf } from '../../platform';

const { spec } = platformModel();
const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
const placements = clusterPlacements(spec);

/** What the spec says of a cluster's addresses, with the documented defaults. */
const expected = (cluster: ClusterSpec) => ({
  apiServer: cluster.apiServerCidrs ?? spec.cluster.apiServer.cidrs ?? spec.data.apiServerCidrs,
  dataApiServer: cluster.apiServerCidrs ?? spec.data.apiServerCidrs,
  nodes: cluster.nodeCidrs ?? spec.cluster.nodeCidrs,
  objectStore: cluster.objectStoreCidrs ?? spec.data.objectStoreCidrs,
});

const manifestsOf = (region: string, component: string) =>
  output.objects.filter((o) => o.region === region && o.component === component).map((o) => o.manifest);
/** The CIDRs a NetworkPolicy's egress reaches, with the ports of each. */
function egressTo(policy: any): Map<string, number[]> {
  const cidrs = new Map<string, number[]>();
  for (const rule of policy.spec.egress ?? []) {
    for (const peer of rule.to ?? [])
      if (peer.ipBlock)
        cidrs.set(peer.ipBlock.cidr, [...(cidrs.get(peer.ipBlock.cidr) ?? []), ...(rule.ports ?? []).map((p: any) => p.port)]);
  }
  return cidrs;
}
/** Every ipBlock CIDR of a region's NetworkPolicies. */
const allCidrsOf = (region: string) =>
  new Set(
    output.objects
      .filter((o) => o.region === region && o.manifest.kind === 'NetworkPolicy')
      .flatMap((o) => [
        ...(o.manifest.spec.egress ?? []).flatMap((r: any) => r.to ?? []),
        ...(o.manifest.spec.ingress ?? []).flatMap((r: any) => r.from ?? []),
      ])
      .filter((peer: any) => peer.ipBlock)
      .map((peer: any) => peer.ipBlock.cidr),
  );

describe('the platform spec gives each region its own network |', () => {
  test("the dr cluster sets its own API server, node and object-store addresses, distinct from the primary's and outside its pods' range", () => {
    const [primary, dr] = placements.map((p) => expected(p.cluster));
    expect(placements.map((p) => p.region.name)).toEqual(['primary', 'dr']);
    for (const key of ['apiServer', 'nodes', 'objectStore'] as const) {
      expect(dr[key].length).toBeGreaterThan(0);
      expect(dr[key].filter((cidr) => primary[key].includes(cidr))).toEqual([]);
    }
    // The dr pods' range (what the primary admits for replication) is not the dr nodes' or API server's.
    for (const cidr of [...dr.apiServer, ...dr.nodes, ...dr.objectStore]) expect(spec.data.replication.replicaCidrs).not.toContain(cidr);
  });
});

describe.each(placements.map((p) => [p.region.name, p] as const))(
  "in region %s, the NetworkPolicies to the cluster's own components |",
  (region, placement) => {
    const own = expected(placement.cluster);
    const others = placements.filter((p) => p !== placement).map((p) => expected(p.cluster));

    test('the cluster has addresses of its own to check (none of the loops below runs empty)', () => {
      expect([own.apiServer.length, own.dataApiServer.length, own.nodes.length, own.objectStore.length].every((n) => n > 0)).toBe(true);
    });

    test("Prometheus reaches its cluster's API server and kubelets", () => {
      const egress = egressTo(findObject(manifestsOf(region, placement.componentOf('monitoring')), 'NetworkPolicy', 'prometheus'));
      for (const cidr of own.apiServer) expect(egress.get(cidr)).toEqual(expect.arrayContaining(spec.cluster.apiServer.ports));
      for (const cidr of own.nodes) expect(egress.get(cidr)).toEqual([10250]);
    });

    test("PostgreSQL reaches its cluster's API server and its region's object store; the restore drill its API server", () => {
      const data = manifestsOf(region, placement.componentOf('data'));
      const instances = egressTo(findObject(data, 'NetworkPolicy', 'postgres-cluster'));
      for (const cidr of own.dataApiServer) expect(instances.get(cidr)).toEqual([443, 6443]);
      for (const cidr of own.objectStore) expect(instances.get(cidr)).toEqual([443]);
      const drill = egressTo(findObject(data, 'NetworkPolicy', 'restore-drill'));
      for (const cidr of own.dataApiServer) expect(drill.get(cidr)).toEqual([443, 6443]);
    });

    test("a service with a Kubernetes API grant reaches its cluster's API server", () => {
      for (const color of placement.colors) {
        const egress = egressTo(findObject(manifestsOf(region, color), 'NetworkPolicy', 'learning-engine'));
        for (const cidr of own.apiServer) expect(egress.get(cidr)).toEqual(spec.cluster.apiServer.ports);
      }
    });

    test("no NetworkPolicy names another cluster's API server, nodes or object store", () => {
      const cidrs = allCidrsOf(region);
      const foreign = others
        .flatMap((o) => [...o.apiServer, ...o.nodes, ...o.objectStore])
        .filter((cidr) => ![...own.apiServer, ...own.nodes, ...own.objectStore].includes(cidr));
      expect(foreign.length).toBeGreaterThan(0);
      expect(foreign.filter((cidr) => cidrs.has(cidr))).toEqual([]);
    });
  },
);

describe('Vault Kubernetes auth, one mount per cluster |', () => {
  const report = output.files.get('reports/cluster-prerequisites.md')!;
  const mounts = placements.map(
    (p) =>
      findObject(manifestsOf(p.region.name, p.componentOf('platform')), 'ClusterSecretStore', 'vault').spec.provider.vault.auth.kubernetes
        .mountPath,
  );

  test('the primary keeps vault.authMountPath, the dr cluster gets its own, kubernetes-alp-dr', () => {
    expect(mounts).toEqual([spec.vault.authMountPath, `${spec.vault.authMountPath}-alp-dr`]);
    expect(new Set(mounts).size).toBe(placements.length);
  });

  test.each(placements.map((p, i) => [p.cluster.name, i] as const))(
    'the prerequisites report tells how to set up the mount of %s, with its API server',
    (_, i) => {
      const { cluster } = placements[i];
      expect(report).toContain(
        `cluster \`${cluster.name}\` (region ${placements[i].region.name}) logs in through the mount \`${mounts[i]}\`: \`vault auth enable -path=${mounts[i]} kubernetes\``,
      );
      expect(report).toContain(`\`vault write auth/${mounts[i]}/config kubernetes_host=${cluster.server} `);
      expect(report).toContain(
        `the role \`${spec.vault.role}\` in it bound to the service account \`external-secrets\` in \`external-secrets\``,
      );
    },
  );

  test("a cluster's vaultAuthMountPath is used as written, by the store and a Vault certificate issuer", () => {
    const changed: any = clone(platformSpec);
    changed.regions[1].cluster.vaultAuthMountPath = 'k8s/dr';
    changed.tls.issuer = { type: 'vault', server: 'https://vault.alp.example.com', path: 'pki_int/sign/alp', role: 'cert-manager' };
    const model = validatePlatform(changed, committedRelease());
    const dr = clusterPlacements(model.spec)[1];
    expect(vaultAuthMountOf(model.spec, dr.cluster)).toBe('k8s/dr');
    const { objects } = synthesize({ ...platformApp, defaultSpec: changed }, { releaseFile: join(REPO_ROOT, 'release.yaml') });
    const platform = objects.filter((o) => o.region === 'dr' && o.component === 'platform').map((o) => o.manifest);
    expect(findObject(platform, 'ClusterSecretStore', 'vault').spec.provider.vault.auth.kubernetes.mountPath).toBe('k8s/dr');
    expect(findObject(platform, 'ClusterIssuer', 'alp-vault').spec.vault.auth.kubernetes.mountPath).toBe('/v1/auth/k8s/dr');
  });

  test('with one cluster per colour, each of the four clusters has its own mount', () => {
    const model = validatePlatform(clusterPerColorSpec(), committedRelease());
    expect(clusterPlacements(model.spec).map((p) => vaultAuthMountOf(model.spec, p.cluster))).toEqual([
      'kubernetes',
      'kubernetes-alp-primary-green',
      'kubernetes-alp-dr-blue',
      'kubernetes-alp-dr-green',
    ]);
  });
});

const VAULT_PATH_RULE =
  'must be a Vault path such as "secret" or "pki_int/sign/alp": names of letters, digits, "_", "-" and "." (not starting with ".") joined by single "/"';

describe('the per-cluster fields are validated |', () => {
  test.each<[string, (s: any) => void, string[]]>([
    [
      'empty address lists',
      (s) => {
        Object.assign(s.regions[1].cluster, { apiServerCidrs: [], nodeCidrs: [], objectStoreCidrs: [] });
      },
      [
        "spec: 'regions[1].cluster.apiServerCidrs' ([]) must list at least one CIDR, or be left out (then the spec-wide 'cluster.apiServer.cidrs' or 'data.apiServerCidrs' apply)",
        "spec: 'regions[1].cluster.nodeCidrs' ([]) must list at least one CIDR, or be left out (then the spec-wide 'cluster.nodeCidrs' apply)",
        "spec: 'regions[1].cluster.objectStoreCidrs' ([]) must list at least one CIDR, or be left out (then the spec-wide 'data.objectStoreCidrs' apply)",
      ],
    ],
    [
      'an address that is not a CIDR',
      (s) => {
        s.regions[1].cluster.nodeCidrs = ['10.3.32.0'];
      },
      ['spec: \'regions[1].cluster.nodeCidrs[0]\' ("10.3.32.0") must be an IPv4 CIDR such as "203.0.113.0/24"'],
    ],
    [
      'a mount path with an empty segment',
      (s) => {
        s.regions[1].cluster.vaultAuthMountPath = 'kubernetes//dr';
      },
      [`spec: 'regions[1].cluster.vaultAuthMountPath' ("kubernetes//dr") ${VAULT_PATH_RULE}`],
    ],
    [
      "the dr cluster on the primary's mount",
      (s) => {
        s.regions[1].cluster.vaultAuthMountPath = 'kubernetes';
      },
      [
        "spec: 'regions[1].cluster.vaultAuthMountPath' (\"kubernetes\") must differ from the Vault Kubernetes auth mount of cluster alp-primary (regions[0].cluster): a mount validates the tokens of one cluster's API server only",
      ],
    ],
    [
      "the primary on the dr cluster's default mount",
      (s) => {
        s.regions[0].cluster.vaultAuthMountPath = 'kubernetes-alp-dr';
      },
      [
        "spec: 'regions[1].cluster.vaultAuthMountPath' (\"kubernetes-alp-dr\") must differ from the Vault Kubernetes auth mount of cluster alp-primary (regions[0].cluster): a mount validates the tokens of one cluster's API server only",
      ],
    ],
  ])('refuses %s', (_, change, problems) => {
    const changed: any = clone(platformSpec);
    change(changed);
    expect(problemsOf(changed)).toEqual(problems);
  });

  test('a spec without per-cluster fields keeps working: every cluster gets the spec-wide addresses', () => {
    const changed: any = clone(platformSpec);
    for (const key of ['apiServerCidrs', 'nodeCidrs', 'objectStoreCidrs']) delete changed.regions[1].cluster[key];
    expect(() => validatePlatform(changed, committedRelease())).not.toThrow();
  });
});
