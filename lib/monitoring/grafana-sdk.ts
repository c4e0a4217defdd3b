/**
 * The parts of Grafana's TypeScript SDK (`@grafana/grafana-foundation-sdk`) the dashboards use.
 *
 * The SDK publishes its modules only through `exports` subpaths (`…/dashboard`, `…/timeseries`).
 * The types are imported from those subpaths with `resolution-mode: require`, which makes
 * TypeScript read the exports map even under this project's `moduleResolution: node` (node10);
 * the emitted .d.ts keeps these imports, so a consumer resolves them with node10, node16,
 * nodenext or bundler alike. A value import would still need node10 to resolve the subpath
 * itself, which it cannot, so the values are loaded with `require`, which Node, jest and esbuild
 * all resolve through the exports map at run time. The modules are CommonJS: no ESM loader is
 * involved.
 */
import type * as CommonModule from '@grafana/grafana-foundation-sdk/common' with { 'resolution-mode': 'require' };
import type * as DashboardModule from '@grafana/grafana-foundation-sdk/dashboard' with { 'resolution-mode': 'require' };
import type * as PrometheusModule from '@grafana/grafana-foundation-sdk/prometheus' with { 'resolution-mode': 'require' };
import type * as StatModule from '@grafana/grafana-foundation-sdk/stat' with { 'resolution-mode': 'require' };
import type * as TableModule from '@grafana/grafana-foundation-sdk/table' with { 'resolution-mode': 'require' };
import type * as TimeseriesModule from '@grafana/grafana-foundation-sdk/timeseries' with { 'resolution-mode': 'require' };

/* eslint-disable @typescript-eslint/no-require-imports -- not lazy: a value import of an exports subpath does not type-check under moduleResolution node10 (see above) */
export const common: typeof CommonModule = require('@grafana/grafana-foundation-sdk/common');
export const dashboard: typeof DashboardModule = require('@grafana/grafana-foundation-sdk/dashboard');
export const prometheus: typeof PrometheusModule = require('@grafana/grafana-foundation-sdk/prometheus');
export const stat: typeof StatModule = require('@grafana/grafana-foundation-sdk/stat');
export const table: typeof TableModule = require('@grafana/grafana-foundation-sdk/table');
export const timeseries: typeof TimeseriesModule = require('@grafana/grafana-foundation-sdk/timeseries');
/* eslint-enable @typescript-eslint/no-require-imports */

/** A dashboard as the SDK builds it. */
export type Dashboard = DashboardModule.Dashboard;
/** The SDK's dashboard builder. */
export type DashboardBuilder = DashboardModule.DashboardBuilder;
/** The SDK's builders the panel helpers return, named so the emitted .d.ts refers to the exported subpaths. */
export type DatasourceVariableBuilder = DashboardModule.DatasourceVariableBuilder;
export type RowBuilder = DashboardModule.RowBuilder;
export type TimeseriesPanelBuilder = TimeseriesModule.PanelBuilder;
export type StatPanelBuilder = StatModule.PanelBuilder;
export type TablePanelBuilder = TableModule.PanelBuilder;
/** Anything that builds a panel (the SDK's panel builders). */
export interface PanelSource {
  build(): DashboardModule.Panel;
}
/** Anything that builds a dashboard (the SDK's DashboardBuilder). */
export interface DashboardSource {
  build(): Dashboard;
}
