// ESLint rules of this repository (eslint.config.mjs registers them as the `alp` plugin).
import { builtinRules } from 'eslint/use-at-your-own-risk';

const maxLinesPerFunction = builtinRules.get('max-lines-per-function');

/** The name a call is made by: `describe`, `describe.each([…])`, `describe.skip` and `describePromtool` all give their first name. */
function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression') return calleeName(callee.object);
  if (callee.type === 'CallExpression') return calleeName(callee.callee);
  return undefined;
}

/** Whether a function is the body of a jest `describe…(name, () => { … })` block. */
function isDescribeBody(node) {
  const parent = node.parent;
  return parent?.type === 'CallExpression' && parent.arguments.includes(node) && /^describe/.test(calleeName(parent.callee) ?? '');
}

/**
 * ESLint's max-lines-per-function, same options, except for the bodies of `describe` blocks: such a
 * body only groups tests, each of which is a function the rule still measures.
 */
const maxLinesPerFunctionOutsideDescribe = {
  meta: {
    ...maxLinesPerFunction.meta,
    docs: { description: 'Enforce a maximum number of lines of code in a function, other than the body of a describe block' },
  },
  create(context) {
    const filtered = Object.create(context, {
      report: { value: (descriptor) => (isDescribeBody(descriptor.node) ? undefined : context.report(descriptor)) },
    });
    return maxLinesPerFunction.create(filtered);
  },
};

export default {
  meta: { name: 'alp' },
  rules: { 'max-lines-per-function': maxLinesPerFunctionOutsideDescribe },
};
