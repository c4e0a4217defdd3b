export * from './hardened-service';
export * from './namespace-baseline';
export * from './priority-classes';
export * from './resources';
export * from './security-context';
export * from './hardened-cron-job';
export * from './mesh-dataplane';
