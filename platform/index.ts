/**
 * The Adaptive Learning Platform itself, built with the construct library in lib/: its spec
 * (schema, validation, release state, service graph), its topology, its own rules and
 * dashboards, and the `alp` command line. The charts in charts/ combine the two.
 */
export * from './spec';
export * from './cli';
export * from './topology';
export * from './platform-endpoints';
export * from './spec-metrics';
export * from './monitoring/business-rules';
export * from './monitoring/platform-dashboards';
export * from './monitoring/security-rules';
