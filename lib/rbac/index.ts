export * from './api-access';
export * from './human-access';
export * from './api-grants';
