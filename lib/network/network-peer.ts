import { k8s } from 'cdk8s-plus-28';
import { AlpError } from '../core/errors';
import { IPV4_CIDR, sortedRecord } from '../core/validation';

/** A port in a NetworkPolicy rule: a number, or the name of a container port. */
export interface NetworkPort {
  readonly port: number | string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * The other side of a NetworkPolicy rule. Peers are always specific: pods chosen by labels
 * (in the policy's namespace or a named one), or an address range. There is deliberately no
 * "anything" peer.
 */
export class NetworkPeer {
  /**
   * Pods with all of `labels`, in `namespace` (selected by its `kubernetes.io/metadata.name`
   * label) or, without one, in the policy's own namespace.
   */
  public static pods(labels: Record<string, string>, namespace?: string): NetworkPeer {
    if (Object.keys(labels).length === 0) throw new AlpError('NetworkPeer.pods: \'labels\' ({}) must not be empty; an empty selector would match every pod');
    return new NetworkPeer(`pods:${namespace ?? ''}:${labelKey(labels)}`, {
      podSelector: { matchLabels: sortedRecord(labels) },
      namespaceSelector: namespace ? { matchLabels: { 'kubernetes.io/metadata.name': namespace } } : undefined,
    });
  }

  /** An IPv4 address range, for destinations outside the cluster. */
  public static cidr(cidr: string): NetworkPeer {
    if (!IPV4_CIDR.test(cidr)) throw new AlpError(`NetworkPeer.cidr: 'cidr' (${JSON.stringify(cidr)}) must be an IPv4 CIDR such as "203.0.113.0/24"`);
    return new NetworkPeer(`cidr:${cidr}`, { ipBlock: { cidr } });
  }

  /**
   * Any address: only for a deliberately public entry point (the edge gateway's listeners).
   * Name why at the call site.
   */
  public static internet(): NetworkPeer {
    return new NetworkPeer('cidr:0.0.0.0/0', { ipBlock: { cidr: '0.0.0.0/0' } });
  }

  private constructor(
    /** Identity and sort key: rules to the same peer are merged. */
    public readonly key: string,
    private readonly peer: k8s.NetworkPolicyPeer,
  ) {}

  /** @internal */
  public _toKube(): k8s.NetworkPolicyPeer {
    return this.peer;
  }
}

function labelKey(labels: Record<string, string>): string {
  return Object.entries(sortedRecord(labels)).map(([k, v]) => `${k}=${v}`).join(',');
}
