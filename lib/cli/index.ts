export * from './main';
export * from './platform-app';
export * from './synth';
