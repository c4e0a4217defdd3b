export * from './argocd';
export * from './sync-policy';
export * from './topology';
export * from './traffic-router';
