import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { validationError } from '../core';
import { NetworkPeer, NetworkPort } from './network-peer';

export interface AllowPolicyProps {
  /** NetworkPolicy name. */
  readonly name: string;
  /** Labels of the pods the policy allows traffic for. */
  readonly selector: Record<string, string>;
  /** Labels of the NetworkPolicy object. @default - none */
  readonly labels?: Record<string, string>;
}

interface Rule {
  readonly peer: NetworkPeer;
  readonly ports: Map<string, k8s.NetworkPolicyPort>;
}

/**
 * A NetworkPolicy that only adds allowances on top of the namespace's default-deny: each
 * `allowFrom`/`allowTo` names one peer and the exact ports. Rules to the same peer are merged,
 * and everything is written sorted, so the output does not depend on call order. A policy
 * never holds an allow-all rule: peers are specific (NetworkPeer) and port lists non-empty.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class AllowPolicy extends Construct {
  public readonly name: string;
  private readonly ingress = new Map<string, Rule>();
  private readonly egress = new Map<string, Rule>();

  constructor(scope: Construct, id: string, props: AllowPolicyProps) {
    super(scope, id);
    this.name = props.name;
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: Lazy.any({ produce: () => this.renderSpec(props.selector) }),
    });
    this.node.addValidation({
      validate: () =>
        this.ingress.size + this.egress.size === 0 ? [`NetworkPolicy '${props.name}' allows nothing; remove it or add a rule`] : [],
    });
  }

  /** Allows `peer` to connect to the selected pods on `ports`. */
  public allowFrom(peer: NetworkPeer, ports: NetworkPort[]): this {
    this.addRule(this.ingress, peer, ports);
    return this;
  }

  /** Allows the selected pods to connect to `peer` on `ports`. */
  public allowTo(peer: NetworkPeer, ports: NetworkPort[]): this {
    this.addRule(this.egress, peer, ports);
    return this;
  }

  private addRule(rules: Map<string, Rule>, peer: NetworkPeer, ports: NetworkPort[]): void {
    if (ports.length === 0) {
      throw validationError(this, [
        { prop: 'ports', value: ports, rule: `must not be empty (peer ${peer.key})`, fix: 'an empty list would allow every port' },
      ]);
    }
    const rule = rules.get(peer.key) ?? { peer, ports: new Map() };
    for (const port of ports) {
      const protocol = port.protocol ?? 'TCP';
      const value = typeof port.port === 'number' ? k8s.IntOrString.fromNumber(port.port) : k8s.IntOrString.fromString(port.port);
      rule.ports.set(`${protocol}/${String(port.port).padStart(5, '0')}`, { protocol, port: value });
    }
    rules.set(peer.key, rule);
  }

  private renderSpec(selector: Record<string, string>): k8s.NetworkPolicySpec {
    const policyTypes = [...(this.ingress.size > 0 ? ['Ingress'] : []), ...(this.egress.size > 0 ? ['Egress'] : [])];
    return {
      podSelector: { matchLabels: selector },
      policyTypes,
      ingress: this.ingress.size > 0 ? renderRules(this.ingress).map((r) => ({ from: [r.peer], ports: r.ports })) : undefined,
      egress: this.egress.size > 0 ? renderRules(this.egress).map((r) => ({ to: [r.peer], ports: r.ports })) : undefined,
    };
  }
}

function renderRules(rules: Map<string, Rule>): Array<{ peer: k8s.NetworkPolicyPeer; ports: k8s.NetworkPolicyPort[] }> {
  return [...rules.keys()].sort().map((key) => {
    const rule = rules.get(key)!;
    return { peer: rule.peer._toKube(), ports: [...rule.ports.keys()].sort().map((k) => rule.ports.get(k)!) };
  });
}
