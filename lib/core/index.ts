// What the other areas of lib/ import from core/ (an explicit list, no `export *`). Not the
// package's API, which is lib/index.ts.
export { ALLOWED_API_VERBS, apiAccessRuleProblems, ESCALATION_VERBS } from './api-rules';
export type { ApiAccessRule } from './api-rules';
export { CLUSTER_COMPONENTS } from './cluster-components';
export type { ClusterModel, ClusterPrerequisite, ResolvedComponent } from './cluster-components';
export {
  LOG_SHIPPER_METRICS_PORT,
  LOG_SHIPPER_NAME,
  POSTGRES,
  PROMETHEUS,
  REDIS,
  REDIS_REPLICATION_PORT,
  TRACE_COLLECTOR,
  TRACE_COLLECTOR_METRICS_PORT,
} from './endpoints';
export { AlpError, describeValue, escapeControlCharacters, formatProblem, throwIfProblems, validationError } from './errors';
export type { PropProblem } from './errors';
export { parseImage, unpinnedReason, versionLabel } from './image';
export { isPlainObject } from './json';
export {
  COLORS,
  LABEL_COLOR,
  LABEL_COMPONENT,
  LABEL_NAME,
  LABEL_VERSION,
  otherColor,
  SECRET_ACCESS_ANNOTATION,
  STANDBY_SCALING_ANNOTATION,
  selectorLabels,
} from './labels';
export type { Color } from './labels';
export { pascalCase } from './names';
export { PlacedChart } from './placement';
export {
  CPU_PATTERN,
  cpuMillis,
  formatBytes,
  formatCores,
  formatCpu,
  formatMemory,
  MEMORY_PATTERN,
  memoryKiB,
  quantityBytes,
  quantityMillis,
  scaledQuantity,
} from './quantity';
export { secretLiteralReason } from './secrets';
