// What the other areas of lib/ import from security/ (an explicit list, no `export *`). Not the
// package's API, which is lib/index.ts.
export { ServiceSecret } from './service-secret';
