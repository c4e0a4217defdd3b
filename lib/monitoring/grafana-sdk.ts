/**
 * The parts of Grafana's TypeScript SDK (`@grafana/grafana-foundation-sdk`) the dashboards use.
 *
 * The SDK publishes its modules only through `exports` subpaths (`…/dashboard`, `…/timeseries`),
 * which this project's `moduleResolution: node` (node10) cannot see. So the types come from the
 * files (`…/dist/<module>`, erased at compile time) and the values are loaded through the
 * exports map at run time, the way Node, jest and esbuild all resolve it. The modules are
 * CommonJS: no ESM loader is involved.
 */
import type * as CommonModule from '@grafana/grafana-foundation-sdk/dist/common';
import type * as DashboardModule from '@grafana/grafana-foundation-sdk/dist/dashboard';
import type * as PrometheusModule from '@grafana/grafana-foundation-sdk/dist/prometheus';
import type * as StatModule from '@grafana/grafana-foundation-sdk/dist/stat';
import type * as TableModule from '@grafana/grafana-foundation-sdk/dist/table';
import type * as TimeseriesModule from '@grafana/grafana-foundation-sdk/dist/timeseries';

export const common: typeof CommonModule = require('@grafana/grafana-foundation-sdk/common');
export const dashboard: typeof DashboardModule = require('@grafana/grafana-foundation-sdk/dashboard');
export const prometheus: typeof PrometheusModule = require('@grafana/grafana-foundation-sdk/prometheus');
export const stat: typeof StatModule = require('@grafana/grafana-foundation-sdk/stat');
export const table: typeof TableModule = require('@grafana/grafana-foundation-sdk/table');
export const timeseries: typeof TimeseriesModule = require('@grafana/grafana-foundation-sdk/timeseries');

/** A dashboard as the SDK builds it. */
export type Dashboard = DashboardModule.Dashboard;
/** The SDK's dashboard builder. */
export type DashboardBuilder = DashboardModule.DashboardBuilder;
/** Anything that builds a panel (the SDK's panel builders). */
export interface PanelSource {
  build(): DashboardModule.Panel;
}
/** Anything that builds a dashboard (the SDK's DashboardBuilder). */
export interface DashboardSource {
  build(): Dashboard;
}
