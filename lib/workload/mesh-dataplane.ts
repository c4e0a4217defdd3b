/**
 * How pods join the Istio mesh. `ambient`: a namespace label enrols them, ztunnel (per node)
 * and istio-cni carry their traffic over mutual TLS; nothing is injected into the pods. Sidecars
 * are not offered: without Istio CNI their init container needs NET_ADMIN and NET_RAW, which
 * Pod Security restricted refuses.
 */
export const MESH_DATAPLANES = ['ambient'] as const;
/** One of `MESH_DATAPLANES`. */
export type MeshDataplane = (typeof MESH_DATAPLANES)[number];

/**
 * Istio's ambient dataplane, as a namespace baseline meets it.
 *
 * - A namespace joins the mesh with the label `istio.io/dataplane-mode: ambient`; istio-cni then
 *   redirects its pods' traffic to the node's ztunnel, inside the pod's network namespace. Nothing
 *   is injected: no sidecar, no init container, so Pod Security restricted holds.
 * - Between enrolled pods (and Istio's own proxies, such as the gateways), ztunnel tunnels each
 *   connection over HBONE, mutual TLS on port 15008 of the destination pod. NetworkPolicies still
 *   apply, on the host, to those packets: both ends must allow TCP 15008.
 * - Kubelet probes of an enrolled pod reach it from the link-local address 169.254.7.127 (istio-cni
 *   rewrites their source so that ztunnel lets them through as plaintext); a default-deny ingress
 *   may block them, depending on the CNI, unless that address is allowed.
 * - ztunnel enforces PeerAuthentication STRICT (plaintext to an enrolled pod is refused) and the
 *   Layer 4 part of AuthorizationPolicies (principals, namespaces, ip blocks, ports); rules on
 *   HTTP attributes need a waypoint proxy.
 *
 * @see https://istio.io/latest/docs/ambient/usage/add-workloads/
 * @see https://istio.io/latest/docs/ambient/usage/networkpolicy/
 * @see https://istio.io/latest/docs/ambient/usage/l4-policy/
 */
export const AMBIENT = {
  /** The label that enrols a namespace (or a pod) in the ambient dataplane. */
  label: 'istio.io/dataplane-mode',
  value: 'ambient',
  /** The HBONE port: where ztunnel receives the mesh's tunnels in an enrolled pod. */
  hbonePort: 15008,
  /** The source address of kubelet probes to an enrolled pod. */
  probeSourceCidr: '169.254.7.127/32',
} as const;

/** The namespace labels that enrol a namespace's pods in `dataplane`. */
export function dataplaneNamespaceLabels(dataplane: MeshDataplane): Record<string, string> {
  switch (dataplane) {
    case 'ambient':
      return { [AMBIENT.label]: AMBIENT.value };
  }
}

/** How a namespace takes part in the mesh's dataplane. */
export interface NamespaceMeshProps {
  /** The mesh's dataplane. */
  readonly dataplane: MeshDataplane;
  /**
   * Whether the namespace's pods are enrolled (the dataplane's namespace label): every namespace
   * with a STRICT PeerAuthentication, and every namespace whose pods call enrolled pods. `false`
   * for a namespace whose only mesh workloads are Istio proxies themselves (gateways), which
   * tunnel into the mesh on their own: its pods may still open tunnels to enrolled namespaces.
   * @default true
   */
  readonly enrolled?: boolean;
  /**
   * Namespaces that are not enrolled but whose Istio proxies (gateways) tunnel to this
   * namespace's pods; enrolled namespaces are admitted by their label.
   * @default - none
   */
  readonly proxyNamespaces?: readonly string[];
}
