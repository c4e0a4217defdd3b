// API docs of the package's public API (lib/index.ts) from its JSDoc, as Markdown in
// build/api-docs/ (git-ignored): `npm run docs`, part of `npm test`. Warnings are errors, so a
// broken link, or a public signature using a type the package does not export, fails the build.
import { OptionDefaults } from 'typedoc';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: ['lib/index.ts'],
  tsconfig: 'tsconfig.build.json',
  out: 'build/api-docs',
  plugin: ['typedoc-plugin-markdown'],
  readme: 'none',
  name: 'alp-deploy',
  excludePrivate: true,
  excludeInternal: true,
  disableSources: true,
  cleanOutputDir: true,
  treatWarningsAsErrors: true,
  // cdk8s import writes `@schema` on the generated CRD bindings (imports/).
  blockTags: [...OptionDefaults.blockTags, '@schema'],
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: false },
};
