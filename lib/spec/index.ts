export * from './graph';
export * from './load';
export * from './monitoring';
export * from './problems';
export * from './release';
export * from './schema';
export * from './validate';
