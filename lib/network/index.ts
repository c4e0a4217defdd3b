export * from './allow-policy';
export * from './gateway';
export * from './mesh';
export * from './network-peer';
