export * from './allow-policy';
export * from './component-policies';
export * from './gateway';
export * from './mesh';
export * from './network-peer';
