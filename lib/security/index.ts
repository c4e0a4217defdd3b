export * from './certificates';
export * from './service-secret';
export * from './vault-secret-store';
