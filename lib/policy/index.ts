export * from './platform-endpoints';
export * from './reachability';
export * from './reachability-report';
