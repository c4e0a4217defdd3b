export * from './files';
export * from './render';
export * from './write';
export * from './yaml';
export * from './field-diff';
export * from './review-flags';
export * from './tree-diff';
export * from './helm';
