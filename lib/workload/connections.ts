import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AlpError, validationError } from '../core';

/** A port of a connection (mesh rules name ports by number, so named ports are not allowed here). */
export interface ConnectionPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * One end of a connection as the network and mesh rules see it: pods chosen by labels (in a
 * namespace, running as a service account), or address ranges. An end with an `owner` is a
 * workload of the app: its side of every connection gets rules (its own NetworkPolicy and
 * AuthorizationPolicy, children of the owner). An end without one is outside the app (another
 * chart's component, another cluster, an address range): only the owned side gets rules.
 */
export interface ConnectionEndpoint {
  /** The workload whose side gets rules. @default - outside the app: no rules on this side */
  readonly owner?: IConstruct;
  /** Name of the owner's NetworkPolicy and AuthorizationPolicy. @default - none (required with `owner`) */
  readonly name?: string;
  /** Labels of the pods. @default - none (then `cidrs`) */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** The pods' namespace. @default - the namespace of the rule's policy */
  readonly namespace?: string;
  /** The service account the pods run as: their mesh identity, with `namespace`. @default - none: no mesh identity */
  readonly serviceAccount?: string;
  /** Address ranges, for an end that is not pods. @default - none (then `podLabels`) */
  readonly cidrs?: readonly string[];
  /** The ports a client reaches when a rule names none. @default - none: rules must name the port */
  readonly ports?: readonly ConnectionPort[];
}

/** Something connections can be made to or from: a workload of the app, or a peer outside it. */
export interface IConnectable {
  readonly connections: Connections;
}

/**
 * Writes the rules of a connection; the network layer (lib/network/connections.ts) provides it.
 * It lives behind this interface because the workload layer must not import the network layer.
 */
export interface ConnectionWriter {
  /** Lets `client` reach `server` on `ports`: rules on each side that has an owner. */
  connect(client: Connections, server: Connections, ports: readonly ConnectionPort[]): void;
}

/**
 * A writer that a higher layer installs for this one, which must not import that layer: the
 * higher layer installs it when its module loads, and using it before then is an error.
 */
export class InstalledWriter<T> {
  private writer?: T;

  /** `notInstalled`: the error message when the writer is used before it is installed. */
  public constructor(private readonly notInstalled: string) {}

  public install(writer: T): void {
    this.writer = writer;
  }

  /** The installed writer; throws `notInstalled` when there is none. */
  public get(): T {
    if (this.writer === undefined) throw new AlpError(this.notInstalled);
    return this.writer;
  }
}

const connectionWriter = new InstalledWriter<ConnectionWriter>(
  'Connections: no rule writer is installed; import lib/network/connections, which installs it',
);

/** Installs the writer of the connections' rules (called once by lib/network/connections.ts). */
export function useConnectionWriter(writer: ConnectionWriter): void {
  connectionWriter.install(writer);
}

/**
 * The network relationships of one endpoint, as methods rather than names: `a.connections.allowTo(b)`
 * lets a's pods reach b's (egress on a, ingress on b and, under the mesh, b admitting a's service
 * account), whichever of the two the app owns. A rule without a port uses the server's ports.
 */
export class Connections {
  /**
   * Whether the owner's side gets an Istio AuthorizationPolicy admitting its clients' service
   * accounts. Turn it off when the platform runs without the mesh.
   * @default true
   */
  public meshAuthorization = true;

  constructor(public readonly endpoint: ConnectionEndpoint) {}

  /** Lets `peer` connect to this endpoint on `port`. @param port @default - this endpoint's ports */
  public allowFrom(peer: IConnectable, port?: number | ConnectionPort): this {
    connect(peer.connections, this, port);
    return this;
  }

  /** Lets this endpoint connect to `peer` on `port`. @param port @default - the peer's ports */
  public allowTo(peer: IConnectable, port?: number | ConnectionPort): this {
    connect(this, peer.connections, port);
    return this;
  }
}

function connect(client: Connections, server: Connections, port: number | ConnectionPort | undefined): void {
  const scope = client.endpoint.owner ?? server.endpoint.owner;
  const ports = port === undefined ? (server.endpoint.ports ?? []) : [typeof port === 'number' ? { port } : port];
  if (ports.length === 0 && scope !== undefined) {
    throw validationError(scope, [
      { prop: 'port', value: port, rule: `must be given: ${describeEndpoint(server.endpoint)} has no ports of its own` },
    ]);
  }
  connectionWriter.get().connect(client, server, ports);
}

/**
 * The connections of a workload of the app: its pods (`podLabels`, in its chart's namespace),
 * running as the service account named after it; `ports` are what its clients reach (none for a
 * workload that only calls out, such as a job).
 */
export function workloadConnections(
  owner: IConstruct & { readonly name: string },
  podLabels: Readonly<Record<string, string>>,
  ports: readonly ConnectionPort[] = [],
): Connections {
  return new Connections({ owner, name: owner.name, podLabels, namespace: Chart.of(owner).namespace, serviceAccount: owner.name, ports });
}

/** A short name of an endpoint for error messages. */
function describeEndpoint(endpoint: ConnectionEndpoint): string {
  if (endpoint.name !== undefined) return `'${endpoint.name}'`;
  if (endpoint.cidrs !== undefined) return `addresses ${endpoint.cidrs.join(', ')}`;
  const labels = Object.entries(endpoint.podLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `pods ${labels}${endpoint.namespace ? ` in ${endpoint.namespace}` : ''}`;
}
