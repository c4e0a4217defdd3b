export * from './api-access';
export * from './human-access';
