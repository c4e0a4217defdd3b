#!/usr/bin/env node
// Launcher of the `alp` command: runs main.ts from a bundle (see bundle.js). Type-checking is
// `npm run typecheck`, part of `npm test`.
'use strict';
require('./bundle').loadBundle('main.ts', 'alp');
