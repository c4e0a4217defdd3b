// Loader of the cdk8s validation plugin (cdk8s.yaml `validations:`, package `./plugins/alp-verify`).
// The cdk8s CLI requires this file with plain Node, so it loads lib/policy/validation-plugin.ts
// from a bundle, exactly as the `alp` launcher does for the CLI.
'use strict';
module.exports = require('../../bin/bundle').loadBundle('lib/policy/validation-plugin.ts', 'alp-verify-plugin');
