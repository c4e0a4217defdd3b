export * from './adapter-config';
export * from './adapter-coverage';
export * from './hpa';
export * from './pdb';
