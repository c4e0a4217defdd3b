import { Testing } from 'cdk8s';
import { HostCertificate, PlatformIssuer } from '../../lib';
import { errorOf, findObject } from '../helpers/manifests';

describe('PlatformIssuer |', () => {
  test('ACME answers HTTP-01 challenges through the gateway listener', () => {
    const chart = Testing.chart();
    new PlatformIssuer(chart, 'Issuer', {
      name: 'alp-acme',
      issuer: { type: 'acme', email: 'ops@example.com', server: 'https://acme.example.com/directory' },
      challengeGateways: [{ name: 'edge', namespace: 'alp-edge', listener: 'http' }],
    });
    expect(findObject(Testing.synth(chart), 'ClusterIssuer', 'alp-acme').spec.acme).toEqual({
      email: 'ops@example.com',
      server: 'https://acme.example.com/directory',
      privateKeySecretRef: { name: 'alp-acme-account-key' },
      solvers: [
        {
          http01: {
            gatewayHTTPRoute: {
              parentRefs: [
                { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'alp-edge', sectionName: 'http' },
              ],
            },
          },
        },
      ],
    });
  });

  test("Vault PKI signs with cert-manager's own service account", () => {
    const chart = Testing.chart();
    new PlatformIssuer(chart, 'Issuer', {
      name: 'alp-vault',
      issuer: { type: 'vault', server: 'https://vault.example.com', path: 'pki_int/sign/alp', role: 'cert-manager' },
    });
    expect(findObject(Testing.synth(chart), 'ClusterIssuer', 'alp-vault').spec.vault).toEqual({
      server: 'https://vault.example.com',
      path: 'pki_int/sign/alp',
      auth: { kubernetes: { role: 'cert-manager', mountPath: '/v1/auth/kubernetes', serviceAccountRef: { name: 'cert-manager' } } },
    });
  });

  test('fails when an ACME issuer has no gateway for challenges', () => {
    const chart = Testing.chart();
    expect(
      errorOf(
        () =>
          new PlatformIssuer(chart, 'Issuer', {
            name: 'x',
            issuer: { type: 'acme', email: 'ops@example.com', server: 'https://acme.example.com' },
          }),
      ),
    ).toBe(
      "test/Issuer: 'challengeGateways' (missing) must name at least one Gateway for an ACME issuer; HTTP-01 challenges are answered through it",
    );
  });
});

describe('HostCertificate |', () => {
  test('renews before expiry with a fresh ECDSA key', () => {
    const chart = Testing.chart();
    const certificate = new HostCertificate(chart, 'Cert', {
      name: 'learn-example-com',
      host: 'learn.example.com',
      issuerName: 'alp-acme',
    });
    expect(certificate.secretName).toBe('learn-example-com-tls');
    expect(findObject(Testing.synth(chart), 'Certificate', 'learn-example-com').spec).toEqual({
      secretName: 'learn-example-com-tls',
      dnsNames: ['learn.example.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'alp-acme' },
      duration: '2160h',
      renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    });
  });

  test('fails when it would renew before it was issued', () => {
    const chart = Testing.chart();
    expect(
      errorOf(
        () =>
          new HostCertificate(chart, 'Cert', {
            name: 'x',
            host: 'x.example.com',
            issuerName: 'i',
            durationHours: 24,
            renewBeforeHours: 48,
          }),
      ),
    ).toBe("test/Cert: 'renewBeforeHours' (48) must be less than 'durationHours' (24); otherwise the certificate is renewed continuously");
  });
});
