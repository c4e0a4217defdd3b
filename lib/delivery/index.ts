export * from './argocd';
export * from './sync-policy';
export * from './traffic-router';
