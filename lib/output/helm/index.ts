export * from './chart';
export * from './template';
