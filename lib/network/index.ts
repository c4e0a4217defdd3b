// What the other areas of lib/ import from network/ (an explicit list, no `export *`). Not the
// package's API, which is lib/index.ts.
export { PublicRoute } from './gateway';
export { NetworkPeer } from './network-peer';
