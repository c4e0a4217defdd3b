/**
 * Namespaces: no object is put in the `default` namespace on purpose. An object whose manifest
 * names no namespace is left alone: `kubectl apply -n` and `helm install --namespace` choose it.
 */
import { PolicyRule, violation } from '../findings';
import { DEFAULT_NAMESPACE } from '../reachability-workloads';
import { allObjects, perObjectRule } from './_rule';

/**
 * The cluster-scoped kinds, as `<group>/<kind>`: those of Kubernetes 1.28 (alpha APIs included)
 * and of the CRDs the platform uses. The API server drops a namespace given to them.
 */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/ClusterCIDR',
  'networking.k8s.io/IPAddress',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'authentication.k8s.io/TokenReview',
  'authentication.k8s.io/SelfSubjectReview',
  'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'resource.k8s.io/ResourceClass',
  'internal.apiserver.k8s.io/StorageVersion',
  'cert-manager.io/ClusterIssuer',
  'external-secrets.io/ClusterSecretStore',
  'external-secrets.io/ClusterExternalSecret',
  'gateway.networking.k8s.io/GatewayClass',
  'postgresql.cnpg.io/ClusterImageCatalog',
]);

export const NET_NO_DEFAULT_NAMESPACE = perObjectRule(
  {
    id: 'NET-NO-DEFAULT-NAMESPACE',
    severity: 'error',
    title: 'No object is put in the default namespace',
    rationale:
      'Everything applied without a namespace lands in default too: its policies, quotas and RBAC cannot be tailored to one application.',
    source: 'CIS Kubernetes Benchmark 5.7.4 (the default namespace should not be used); NSA/CISA Kubernetes Hardening Guide, "Namespaces"',
    fix: "Set 'metadata.namespace' to the application's own namespace, with its default-deny NetworkPolicies and Pod Security labels.",
  },
  allObjects,
  (object, report) => {
    if (object.namespace !== DEFAULT_NAMESPACE || CLUSTER_SCOPED_KINDS.has(`${object.group}/${object.kind}`)) return;
    report(
      violation(
        'metadata.namespace',
        object.namespace,
        'must not be default; the default namespace also receives everything applied without a namespace',
        "use the application's own namespace, with its default-deny NetworkPolicies and Pod Security labels",
      ),
    );
  },
);

/** The namespace rules. */
export const NAMESPACE_RULES: readonly PolicyRule[] = [NET_NO_DEFAULT_NAMESPACE];
