export * from './diff-command';
export * from './main';
export * from './platform-app';
export * from './progress';
export * from './release-commands';
export * from './synth';
export * from './verify-command';
