import { Chart } from 'cdk8s';
import { validationError } from '../core';
// The API egress is a connection: its writer must be installed too.
import '../network/connections';
import { GrantWriter, IApiResource, IGrantable, KubernetesApiServer, useGrantWriter } from '../workload/grants';
import { ServiceApiAccess } from './api-access';

/** The id of a grantee's ServiceApiAccess (a child of the grantee). */
const API_ACCESS_ID = 'ApiAccess';

/**
 * Writes each grant with the existing machinery: one `ServiceApiAccess` per grantee (Role and
 * RoleBinding `<service account>-api`, checked by the same rules as the spec's), made at its
 * first grant, one rule per grant in the order of the calls; and the egress to the Kubernetes API
 * server of the grantee's chart (`KubernetesApiServer.of`), without which the grant is unusable.
 */
class RoleGrantWriter implements GrantWriter {
  public grant(grantee: IGrantable, resource: IApiResource, verbs: readonly string[]): void {
    // Checked first: a grant that cannot be used writes nothing.
    const apiServer = KubernetesApiServer.of(grantee.grantScope);
    const namespace = Chart.of(grantee.grantScope).namespace;
    if (resource.namespace !== undefined && resource.namespace !== namespace) {
      throw validationError(grantee.grantScope, [
        {
          prop: 'resource.namespace',
          value: resource.namespace,
          rule: `must be the service's namespace (${namespace ?? 'none'}): a Role grants access in its own namespace only`,
        },
      ]);
    }
    const rule = { apiGroups: resource.apiGroups, resources: resource.resources, verbs, resourceNames: resource.resourceNames };
    const existing = grantee.grantScope.node.tryFindChild(API_ACCESS_ID);
    if (existing instanceof ServiceApiAccess) {
      existing.addRules([rule], resource.allowSecretAccess);
    } else {
      new ServiceApiAccess(grantee.grantScope, API_ACCESS_ID, {
        serviceAccountName: grantee.serviceAccountName,
        rules: [rule],
        allowSecretAccess: resource.allowSecretAccess,
      });
    }
    grantee.connections.allowTo(apiServer);
  }
}

useGrantWriter(new RoleGrantWriter());
