export * from './hardened-service';
export * from './namespace-baseline';
export * from './priority-classes';
export * from './security-context';
