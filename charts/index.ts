export * from './color-chart';
export * from './edge-chart';
export * from './platform-app';
export * from './platform-app-definition';
export * from './platform-chart';
export * from './platform-spec';
export * from './service-connectivity';
export * from './shared-services-charts';
