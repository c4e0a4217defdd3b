import { Construct } from 'constructs';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '../../imports/certificate-cert-manager.io';
import { ClusterIssuer } from '../../imports/clusterissuer-cert-manager.io';
import { throwIfProblems } from '../core';

/** How the platform's certificates are issued. */
export type IssuerConfig =
  | { readonly type: 'acme'; readonly email: string; readonly server: string }
  | { readonly type: 'vault'; readonly server: string; readonly path: string; readonly role: string };

export interface PlatformIssuerProps {
  /** ClusterIssuer name. */
  readonly name: string;
  readonly issuer: IssuerConfig;
  /**
   * For ACME: the Gateways (with namespace and listener) whose plain HTTP listeners answer
   * HTTP-01 challenges; every public host must be served by one of them.
   * @default - required for ACME, unused for Vault
   */
  readonly challengeGateways?: ReadonlyArray<{ readonly name: string; readonly namespace: string; readonly listener: string }>;
  /** Labels of the object. @default - none */
  readonly labels?: Record<string, string>;
  /**
   * With a Vault issuer: the mount path of the Kubernetes auth method of this cluster (each
   * cluster has its own: a mount validates the tokens of one API server).
   * @default 'kubernetes'
   */
  readonly vaultAuthMountPath?: string;
}

/**
 * A cert-manager ClusterIssuer: ACME with HTTP-01 through the edge Gateway, or Vault's PKI
 * engine with Kubernetes auth (cert-manager's own service account, no stored token).
 *
 * @see https://cert-manager.io/docs/configuration/
 */
export class PlatformIssuer extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformIssuerProps) {
    super(scope, id);
    this.name = props.name;
    const config = props.issuer;
    if (config.type === 'acme' && (props.challengeGateways ?? []).length === 0) {
      throwIfProblems(this, [
        {
          prop: 'challengeGateways',
          value: props.challengeGateways,
          rule: 'must name at least one Gateway for an ACME issuer',
          fix: 'HTTP-01 challenges are answered through it',
        },
      ]);
    }
    new ClusterIssuer(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec:
        config.type === 'acme'
          ? {
              acme: {
                email: config.email,
                server: config.server,
                // cert-manager creates and keeps the ACME account key in this Secret itself.
                privateKeySecretRef: { name: `${props.name}-account-key` },
                solvers: [
                  {
                    http01: {
                      gatewayHttpRoute: {
                        parentRefs: props.challengeGateways!.map((gateway) => ({
                          group: 'gateway.networking.k8s.io',
                          kind: 'Gateway',
                          name: gateway.name,
                          namespace: gateway.namespace,
                          sectionName: gateway.listener,
                        })),
                      },
                    },
                  },
                ],
              },
            }
          : {
              vault: {
                server: config.server,
                path: config.path,
                auth: {
                  kubernetes: {
                    role: config.role,
                    mountPath: `/v1/auth/${props.vaultAuthMountPath ?? 'kubernetes'}`,
                    serviceAccountRef: { name: 'cert-manager' },
                  },
                },
              },
            },
    });
  }
}

export interface HostCertificateProps {
  /** Certificate name; the key pair is stored in Secret `<name>-tls`. */
  readonly name: string;
  readonly host: string;
  /** The ClusterIssuer. */
  readonly issuerName: string;
  /** Requested lifetime in hours. @default 2160 (90 days) */
  readonly durationHours?: number;
  /** Renew this many hours before expiry. @default 720 (30 days) */
  readonly renewBeforeHours?: number;
  /** Labels of the object. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A cert-manager Certificate for one public host, renewed automatically `renewBeforeHours`
 * before it expires, with a new ECDSA P-256 key at every renewal.
 */
export class HostCertificate extends Construct {
  /** The Secret holding the issued certificate and key. */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: HostCertificateProps) {
    super(scope, id);
    const duration = props.durationHours ?? 2160;
    const renewBefore = props.renewBeforeHours ?? 720;
    if (renewBefore >= duration) {
      throwIfProblems(this, [
        {
          prop: 'renewBeforeHours',
          value: renewBefore,
          rule: `must be less than 'durationHours' (${duration})`,
          fix: 'otherwise the certificate is renewed continuously',
        },
      ]);
    }
    this.secretName = `${props.name}-tls`;
    new Certificate(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        secretName: this.secretName,
        dnsNames: [props.host],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: props.issuerName },
        duration: `${duration}h`,
        renewBefore: `${renewBefore}h`,
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
          size: 256,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
      },
    });
  }
}
