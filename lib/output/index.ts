export * from './files';
export * from './render';
export * from './write';
export * from './yaml';
export * from './diff';
export * from './helm';
