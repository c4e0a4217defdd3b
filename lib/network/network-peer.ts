import { k8s } from 'cdk8s-plus-28';
import { AlpError } from '../core/errors';
import { IPV4_CIDR, sortedRecord } from '../core/validation';
import { ConnectionEndpoint, Connections, IConnectable } from '../workload/connections';

/** A port in a NetworkPolicy rule: a number, or the name of a container port. */
export interface NetworkPort {
  readonly port: number | string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * The other side of a NetworkPolicy rule. Peers are always specific: pods chosen by labels
 * (in the policy's namespace or a named one), or an address range. There is deliberately no
 * "anything" peer. A peer is connectable (`service.connections.allowTo(NetworkPeer.cidr(…), 443)`):
 * it is outside the app, so only the other side gets rules.
 */
export class NetworkPeer implements IConnectable {
  /**
   * Pods with all of `labels`, in `namespace` (selected by its `kubernetes.io/metadata.name`
   * label) or, without one, in the policy's own namespace. `serviceAccount`, the service account
   * the pods run as, is their mesh identity in connections (it is not part of the NetworkPolicy rule).
   * @param serviceAccount @default - no mesh identity: connections from the pods get network rules only
   */
  public static pods(labels: Record<string, string>, namespace?: string, serviceAccount?: string): NetworkPeer {
    if (Object.keys(labels).length === 0)
      throw new AlpError("NetworkPeer.pods: 'labels' ({}) must not be empty; an empty selector would match every pod");
    return new NetworkPeer(
      `pods:${namespace ?? ''}:${labelKey(labels)}`,
      {
        podSelector: { matchLabels: sortedRecord(labels) },
        namespaceSelector: namespace ? { matchLabels: { 'kubernetes.io/metadata.name': namespace } } : undefined,
      },
      { podLabels: { ...labels }, namespace, serviceAccount },
    );
  }

  /** An IPv4 address range, for destinations outside the cluster. */
  public static cidr(cidr: string): NetworkPeer {
    if (!IPV4_CIDR.test(cidr))
      throw new AlpError(`NetworkPeer.cidr: 'cidr' (${JSON.stringify(cidr)}) must be an IPv4 CIDR such as "203.0.113.0/24"`);
    return new NetworkPeer(`cidr:${cidr}`, { ipBlock: { cidr } }, { cidrs: [cidr] });
  }

  /**
   * Any address: only for a deliberately public entry point (the edge gateway's listeners).
   * Name why at the call site.
   */
  public static internet(): NetworkPeer {
    return new NetworkPeer('cidr:0.0.0.0/0', { ipBlock: { cidr: '0.0.0.0/0' } }, { cidrs: ['0.0.0.0/0'] });
  }

  private constructor(
    /** Identity and sort key: rules to the same peer are merged. */
    public readonly key: string,
    private readonly peer: k8s.NetworkPolicyPeer,
    private readonly endpoint: ConnectionEndpoint,
  ) {}

  /** The peer as an end of connections: outside the app, with no ports of its own. */
  public get connections(): Connections {
    return new Connections(this.endpoint);
  }

  /** @internal */
  public _toKube(): k8s.NetworkPolicyPeer {
    return this.peer;
  }
}

function labelKey(labels: Record<string, string>): string {
  return Object.entries(sortedRecord(labels))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
