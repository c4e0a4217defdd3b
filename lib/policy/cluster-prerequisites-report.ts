import { ClusterPrerequisite } from '../core';

/**
 * `reports/cluster-prerequisites.md`: what each cluster must have installed, and how, for the
 * generated objects to work, grouped by component in the order given (each area's entries as it
 * contributes them). Entries whose setting starts with `GAP:` are listed first, as gaps.
 */
export function renderClusterPrerequisites(entries: readonly ClusterPrerequisite[]): string {
  const gaps = entries.filter((e) => e.setting.startsWith('GAP:'));
  const byComponent = new Map<string, ClusterPrerequisite[]>();
  for (const e of entries.filter((x) => !x.setting.startsWith('GAP:')))
    byComponent.set(e.component, [...(byComponent.get(e.component) ?? []), e]);
  const lines = [
    '# Cluster prerequisites',
    '',
    "What every cluster the platform is synced to must provide, at install time, for the generated objects to work. Generated from the cluster model (lib/core/cluster-components.ts) and each area's contributions; `npm run synth` rewrites it.",
    '',
    '## Gaps',
    '',
    ...(gaps.length === 0 ? ['None.'] : gaps.map((g) => `- **${g.component}**: ${g.setting.slice('GAP:'.length).trim()}`)),
    '',
    '## By component',
    '',
  ];
  for (const [component, list] of byComponent) {
    lines.push(`### ${component}`, '');
    for (const e of list) lines.push(`- ${e.setting}${e.why ? ` (${e.why})` : ''}${e.docs ? ` [docs](${e.docs})` : ''}`);
    lines.push('');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
