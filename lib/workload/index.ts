// What the other areas of lib/ import from workload/ (an explicit list, no `export *`). Not the
// package's API, which is lib/index.ts.
export { HardenedService } from './hardened-service';
export { PSS_VERSION } from './namespace-baseline';
export { PRIORITY_CRITICAL, PRIORITY_STANDARD } from './priority-classes';
export { containerResourceProblems } from './resources';
export type { ContainerResources } from './resources';
export { DEFAULT_RUN_AS_USER, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security-context';
