/**
 * Exposure: what reaches the services from outside the cluster. Services open no node ports, no
 * load balancer to any address and no external IPs; Ingresses serve their hosts over TLS and carry
 * no configuration snippets.
 */
import { FindingText, ManifestObject, PolicyRule, violation } from '../findings';
import { ANY_ADDRESS_CIDRS } from '../reachability';
import { PolicyContext } from './_context';
import { ofKind, perObjectRule, perSpecRule } from './_rule';
import { asArray, stringMap } from './_selectors';

/** The API groups Ingress has been served in: `networking.k8s.io` (v1) and the removed `extensions/v1beta1`. */
const INGRESS_GROUPS = ['networking.k8s.io', 'extensions'];
/** The name part (after the prefix) of a snippet annotation: `configuration-snippet`, `server-snippet`, `server-snippets`, … */
const SNIPPET_ANNOTATION = /(^|-)snippets?$/;

/** What lets a LoadBalancer Service accept connections from any address: no source ranges, or ranges that are any address. */
function openSourceRanges(spec: any): FindingText[] {
  const ranges = asArray(spec.loadBalancerSourceRanges);
  if (ranges.length === 0) {
    return [
      violation(
        'spec.loadBalancerSourceRanges',
        spec.loadBalancerSourceRanges,
        'must list the client address ranges of a LoadBalancer Service; without them it accepts connections from any address',
        'list the ranges, or use a ClusterIP Service behind the Gateway',
      ),
    ];
  }
  return ranges.flatMap((range: unknown, i: number) =>
    typeof range === 'string' && ANY_ADDRESS_CIDRS.includes(range)
      ? [
          violation(
            `spec.loadBalancerSourceRanges[${i}]`,
            range,
            'must not be any address',
            'list the client address ranges that need the service',
          ),
        ]
      : [],
  );
}

export const NET_SERVICE_EXPOSURE = perSpecRule(
  {
    id: 'NET-SERVICE-EXPOSURE',
    severity: 'error',
    title: 'Services open no node ports and no load balancer to every address',
    rationale:
      'A NodePort opens the service on every node address, and a LoadBalancer without source ranges accepts any client address, both past the Gateway.',
    source:
      'NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening"; platform rule (outside traffic enters through the Gateway)',
    fix: "Use a ClusterIP Service behind the Gateway; a LoadBalancer Service must list its clients in 'spec.loadBalancerSourceRanges'.",
    helpUri: 'https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  },
  ofKind('', 'Service'),
  (spec, report) => {
    if (spec?.type === 'NodePort') {
      report(
        violation(
          'spec.type',
          spec.type,
          'must not be NodePort; a node port opens the service on every node address',
          'use a ClusterIP Service behind the Gateway',
        ),
      );
    } else if (spec?.type === 'LoadBalancer') {
      for (const problem of openSourceRanges(spec)) report(problem);
    }
  },
);

export const NET_SERVICE_EXTERNAL_IPS = perSpecRule(
  {
    id: 'NET-SERVICE-EXTERNAL-IPS',
    severity: 'error',
    title: 'Services set no external IPs',
    rationale:
      "Nodes send traffic for a Service's external IPs to its pods, whoever owns the addresses: a Service can intercept other traffic (CVE-2020-8554).",
    source: 'Kubernetes security advisory CVE-2020-8554 (man in the middle using LoadBalancer or ExternalIPs)',
    fix: "Remove 'spec.externalIPs'; publish the service through the Gateway, or a LoadBalancer Service with 'spec.loadBalancerSourceRanges'.",
    helpUri: 'https://github.com/kubernetes/kubernetes/issues/97076',
  },
  ofKind('', 'Service'),
  (spec, report) => {
    const ips = spec?.externalIPs;
    if (asArray(ips).length > 0) {
      report(
        violation(
          'spec.externalIPs',
          ips,
          'must not be set; nodes send traffic for these addresses to the pods, whoever owns them (CVE-2020-8554)',
          'remove it and publish the service through the Gateway',
        ),
      );
    }
  },
);

/** Whether a TLS host (`a.example.com`, `*.example.com`) covers a rule's host: equal, or a wildcard for exactly one more label. */
function covers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (!tlsHost.startsWith('*.') || host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === tlsHost.slice(1);
}

/** The Ingresses of the input, in either API group. */
function ingresses(ctx: PolicyContext): ManifestObject[] {
  return INGRESS_GROUPS.flatMap((group) => ctx.ofKind(group, 'Ingress'));
}

export const NET_INGRESS_TLS = perSpecRule(
  {
    id: 'NET-INGRESS-TLS',
    severity: 'error',
    title: 'Ingresses serve every host over TLS',
    rationale: 'A host without a TLS entry is served in plaintext HTTP: credentials and sessions cross the network readable and alterable.',
    source: 'NSA/CISA Kubernetes Hardening Guide, "Network separation and hardening" (encrypt traffic); platform rule (HTTPS per host)',
    fix: "Add a 'spec.tls' entry whose 'hosts' list every host of the rules, with the Secret of a certificate for them ('secretName').",
    helpUri: 'https://kubernetes.io/docs/concepts/services-networking/ingress/#tls',
  },
  ingresses,
  (spec, report) => {
    const tls = asArray(spec?.tls);
    const rules = asArray(spec?.rules);
    if (tls.length === 0) {
      const hosts = rules.map((r: any) => r?.host).filter((h: unknown): h is string => typeof h === 'string' && h !== '');
      report(
        violation(
          'spec.tls',
          spec?.tls,
          `must list the Ingress's hosts; without it ${hosts.length > 0 ? hosts.join(', ') : 'every host'} ${hosts.length === 1 ? 'is' : 'are'} served in plaintext HTTP`,
          "add a tls entry with the hosts and the 'secretName' of their certificate",
        ),
      );
      return;
    }
    const tlsHosts = tls.flatMap((t: any) => asArray(t?.hosts)).filter((h): h is string => typeof h === 'string');
    rules.forEach((rule: any, i: number) => {
      const host = rule?.host;
      // A rule without a host is served for any host, with the certificate of a tls entry.
      if (typeof host !== 'string' || host === '' || tlsHosts.some((t) => covers(t, host))) return;
      report(
        violation(
          `spec.rules[${i}].host`,
          host,
          "must be covered by a host in 'spec.tls'; it is served in plaintext HTTP",
          'add it to a tls entry whose certificate covers it',
        ),
      );
    });
  },
);

export const NET_INGRESS_SNIPPETS = perObjectRule(
  {
    id: 'NET-INGRESS-SNIPPETS',
    severity: 'error',
    title: 'Ingresses carry no configuration snippets',
    rationale:
      "A snippet annotation writes raw proxy configuration into the shared ingress controller: whoever may edit an Ingress can read the controller's secrets (CVE-2021-25742).",
    source: 'Kubernetes security advisory CVE-2021-25742 (ingress-nginx custom snippets)',
    fix: "Remove the snippet annotation and use the controller's dedicated annotations; run ingress-nginx with 'allow-snippet-annotations: false'.",
    helpUri: 'https://github.com/kubernetes/ingress-nginx/issues/7837',
  },
  ingresses,
  (ingress, report) => {
    for (const [key, value] of Object.entries(stringMap(ingress.manifest.metadata?.annotations))) {
      if (!SNIPPET_ANNOTATION.test(key.slice(key.lastIndexOf('/') + 1))) continue;
      report(
        violation(
          `metadata.annotations["${key}"]`,
          value,
          'must not be set; a snippet injects raw configuration into the shared ingress controller (CVE-2021-25742)',
          "remove it and use the controller's dedicated annotations",
        ),
      );
    }
  },
);

/** The exposure rules. */
export const EXPOSURE_RULES: readonly PolicyRule[] = [
  NET_SERVICE_EXPOSURE,
  NET_SERVICE_EXTERNAL_IPS,
  NET_INGRESS_TLS,
  NET_INGRESS_SNIPPETS,
];
