// What the other areas of lib/ import from delivery/ (an explicit list, no `export *`). Not the
// package's API, which is lib/index.ts.
export { DNS_SET_IDENTIFIER, DNS_WEIGHT } from './traffic-router';
