export * from './color-parity';
export * from './platform-endpoints';
export * from './reachability';
export * from './reachability-report';
export * from './schema';
