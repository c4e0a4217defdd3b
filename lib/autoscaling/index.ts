export * from './hpa';
export * from './pdb';
