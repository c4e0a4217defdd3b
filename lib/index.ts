export * from './core';
export * from './spec';
export * from './autoscaling';
export * from './workload';
export * from './output';
export * from './cli';
