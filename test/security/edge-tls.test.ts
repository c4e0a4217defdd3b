/**
 * The edge's first sync converges (no sync wave waits on a resource whose health needs a later
 * wave), and the gateway pods Istio generates pass PSS restricted in the edge namespace.
 */
import { Testing } from 'cdk8s';
import { load as parse } from 'js-yaml';
import { platformApp } from '../../charts';
import { EdgeGateway, renderApp } from '../../lib';
import { RESTRICTED_GATEWAY_DEPLOYMENT_OVERLAY } from '../../lib/network/gateway';
import { isPlainObject } from '../../lib/core';
import { GITOPS_SYNC_WAVE_ORDER, podSecurityViolations } from '../../lib/policy/rules';
import { verifyManifests } from '../../lib/policy/verify';
import { findObject, platformModel } from '../helpers/manifests';

const output = renderApp(platformApp.build(platformModel()));
const wave = (manifest: any) => Number(manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0');

describe('the first sync of the edge |', () => {
  test('no object of any Application waits in a wave on an object of a later wave that its health needs', () => {
    const report = verifyManifests(
      output.objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.cluster })),
      { rules: [GITOPS_SYNC_WAVE_ORDER] },
    );
    expect(report.findings.map((f) => f.message)).toEqual([]);
  });

  test('each Certificate syncs no earlier than the Gateways that answer its HTTP-01 challenge, and no later than those that serve it', () => {
    const issuers = output.objects.filter((o) => o.manifest.kind === 'ClusterIssuer');
    const certificates = output.objects.filter((o) => o.manifest.kind === 'Certificate');
    expect(certificates.length).toBeGreaterThan(0);
    for (const certificate of certificates) {
      const inFolder = output.objects.filter(
        (o) => o.cluster === certificate.cluster && o.path.startsWith(certificate.path.slice(0, certificate.path.lastIndexOf('/') + 1)),
      );
      const gateways = inFolder.filter((o) => o.manifest.kind === 'Gateway').map((o) => o.manifest);
      const issuer = issuers.find(
        (i) => i.cluster === certificate.cluster && i.manifest.metadata.name === certificate.manifest.spec.issuerRef.name,
      )!.manifest;
      const solvers = (issuer.spec.acme?.solvers ?? [])
        .flatMap((s: any) => s.http01?.gatewayHTTPRoute?.parentRefs ?? [])
        .map((p: any) => p.name);
      const serving = gateways.filter((g) =>
        g.spec.listeners.some((l: any) => l.tls?.certificateRefs?.some((r: any) => r.name === certificate.manifest.spec.secretName)),
      );
      expect(serving.length).toBeGreaterThan(0);
      const label = `${certificate.cluster} ${certificate.manifest.metadata.name}`;
      for (const gateway of gateways.filter((g) => solvers.includes(g.metadata.name))) {
        expect({ label, gateway: gateway.metadata.name, before: wave(certificate.manifest) < wave(gateway) }).toEqual({
          label,
          gateway: gateway.metadata.name,
          before: false,
        });
      }
      for (const gateway of serving) {
        expect({ label, gateway: gateway.metadata.name, after: wave(certificate.manifest) > wave(gateway) }).toEqual({
          label,
          gateway: gateway.metadata.name,
          after: false,
        });
      }
    }
  });
});

/**
 * The pod template of the Deployment Istio generates for a Gateway (as in istio/istio's gateway
 * deployment controller test data): non-root, no privilege escalation, no capabilities, a read-only
 * root, an unprivileged-port sysctl, and no seccomp profile.
 */
function istioGatewayPod(): any {
  return {
    securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
    containers: [
      {
        name: 'istio-proxy',
        image: 'docker.io/istio/proxyv2:1.24.0',
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsGroup: 1337,
          runAsNonRoot: true,
          runAsUser: 1337,
        },
      },
    ],
    volumes: [
      { name: 'workload-socket', emptyDir: {} },
      { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
      { name: 'istio-podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      {
        name: 'istio-token',
        projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] },
      },
    ],
  };
}

/** Merges an overlay into an object map by map, as a strategic merge patch does for maps. */
function overlay(target: any, patch: any): any {
  if (!isPlainObject(target) || !isPlainObject(patch)) return patch;
  const out: any = { ...target };
  for (const [key, value] of Object.entries(patch)) out[key] = overlay(target[key], value);
  return out;
}

describe('the gateway pods |', () => {
  test("Istio's generated gateway pod breaks PSS restricted without a seccomp profile, and passes with the Gateway's overlay", () => {
    expect(podSecurityViolations(istioGatewayPod()).map((v) => v.control)).toEqual(['PSS-RESTRICTED-SECCOMP']);
    const deployment = overlay({ spec: { template: { spec: istioGatewayPod() } } }, parse(RESTRICTED_GATEWAY_DEPLOYMENT_OVERLAY));
    expect(podSecurityViolations(deployment.spec.template.spec)).toEqual([]);
    expect(deployment.spec.template.spec.securityContext.sysctls).toEqual(istioGatewayPod().securityContext.sysctls);
  });

  test('every Istio Gateway of the platform takes its Deployment overlay from a ConfigMap in its own Application and namespace, synced before it', () => {
    const gateways = output.objects.filter((o) => o.manifest.kind === 'Gateway');
    expect(gateways.length).toBeGreaterThan(0);
    for (const gateway of gateways) {
      const ref = gateway.manifest.spec.infrastructure?.parametersRef;
      expect({ gateway: gateway.path, ref }).toEqual({
        gateway: gateway.path,
        ref: { group: '', kind: 'ConfigMap', name: `${gateway.manifest.metadata.name}-deployment` },
      });
      const folder = gateway.path.slice(0, gateway.path.lastIndexOf('/') + 1);
      const configMap = output.objects.find(
        (o) => o.path.startsWith(folder) && o.manifest.kind === 'ConfigMap' && o.manifest.metadata.name === ref.name,
      )!;
      expect(configMap.manifest.metadata.namespace).toBe(gateway.manifest.metadata.namespace);
      expect(configMap.manifest.data).toEqual({ deployment: RESTRICTED_GATEWAY_DEPLOYMENT_OVERLAY });
      expect(wave(configMap.manifest)).toBeLessThanOrEqual(wave(gateway.manifest));
    }
  });

  test('a Gateway of another implementation gets no Istio parameters unless asked', () => {
    const chart = Testing.chart();
    new EdgeGateway(chart, 'Other', { name: 'other', gatewayClassName: 'envoy' });
    new EdgeGateway(chart, 'Istio', { name: 'istio', gatewayClassName: 'envoy', restrictedPods: true });
    const manifests = Testing.synth(chart);
    expect(findObject(manifests, 'Gateway', 'other').spec.infrastructure).toBeUndefined();
    expect(manifests.filter((m) => m.kind === 'ConfigMap').map((m) => m.metadata.name)).toEqual(['istio-deployment']);
  });
});
