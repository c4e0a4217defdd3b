/**
 * Small builders on top of the Grafana SDK for the platform's dashboards: every panel queries
 * the Prometheus data source chosen by the `datasource` variable.
 */
import {
  common,
  dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  PanelSource,
  prometheus,
  RowBuilder,
  stat,
  StatPanelBuilder,
  table,
  TablePanelBuilder,
  timeseries,
  TimeseriesPanelBuilder,
} from './grafana-sdk';

/** The data source every panel uses: the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** One PromQL query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  /** Legend, e.g. `{{color}}`. @default - Grafana's default (the series' labels) */
  readonly legend?: string;
}

/** Where and how large a panel is (Grafana's grid is 24 columns wide). */
export interface PanelSize {
  /** @default 12 */
  readonly width?: number;
  /** @default 8 */
  readonly height?: number;
}

export interface TimeseriesPanelOptions extends PanelSize {
  readonly title: string;
  readonly description: string;
  /** Grafana unit, e.g. `reqps`, `s`, `percentunit`, `bytes`. */
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  /** Threshold lines: [value, colour], the first applies from minus infinity. @default - none */
  readonly thresholds?: ReadonlyArray<readonly [number, string]>;
  /** @default - automatic */
  readonly min?: number;
  /** Repeat the panel for each value of this variable, side by side. @default - no repeat */
  readonly repeat?: string;
}

/** The `datasource` variable: any Prometheus data source, chosen by the viewer. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/** A time series panel. */
export function timeseriesPanel(options: TimeseriesPanelOptions): TimeseriesPanelBuilder {
  const panel = describedPanel(new timeseries.PanelBuilder(), options, 12, 8)
    .unit(options.unit)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .targets(options.queries.map((q, i) => promQuery(q, i)));
  if (options.min !== undefined) panel.min(options.min);
  if (options.thresholds) {
    panel
      .thresholds(thresholds(options.thresholds))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  }
  if (options.repeat) panel.repeat(options.repeat).repeatDirection('h').maxPerRow(2);
  return panel;
}

export interface StatPanelOptions extends PanelSize {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly query: PanelQuery;
  /** @default - automatic */
  readonly decimals?: number;
  /** Colour steps: [value, colour], the first applies from minus infinity. @default - green */
  readonly thresholds?: ReadonlyArray<readonly [number, string]>;
}

/** A single-value panel showing the last value. */
export function statPanel(options: StatPanelOptions): StatPanelBuilder {
  const panel = describedPanel(new stat.PanelBuilder(), options, 6, 5)
    .unit(options.unit)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .thresholds(thresholds(options.thresholds ?? [[0, 'green']]))
    .withTarget(promQuery(options.query, 0));
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  return panel;
}

export interface TablePanelOptions extends PanelSize {
  readonly title: string;
  readonly description: string;
  readonly query: PanelQuery;
}

/** A table of an instant query's series (one row per series, labels as columns). */
export function tablePanel(options: TablePanelOptions): TablePanelBuilder {
  return describedPanel(new table.PanelBuilder(), options, 12, 8)
    .withTarget(new prometheus.DataqueryBuilder().expr(options.query.expr).instant().format(prometheus.PromQueryFormat.Table).refId('A'))
    .withTransformation({ id: 'labelsToFields', options: {} });
}

/** The builder methods every panel kind has. */
interface DescribablePanel<B> {
  title(title: string): B;
  description(description: string): B;
  datasource(datasource: typeof DATASOURCE): B;
  span(width: number): B;
  height(height: number): B;
}

/** Title, description, the `datasource` variable and the size, the same for every kind of panel. */
function describedPanel<B extends DescribablePanel<B>>(
  panel: B,
  options: PanelSize & { readonly title: string; readonly description: string },
  width: number,
  height: number,
): B {
  return panel
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .span(options.width ?? width)
    .height(options.height ?? height);
}

/** A row that groups the panels after it. */
export function row(title: string): RowBuilder {
  return new dashboard.RowBuilder(title);
}

/** Adds a row titled `title` and, inside it, `panels` to `builder`. */
export function withRowOfPanels(builder: DashboardBuilder, title: string, panels: readonly PanelSource[]): DashboardBuilder {
  builder.withRow(row(title));
  for (const panel of panels) builder.withPanel(panel);
  return builder;
}

function promQuery(query: PanelQuery, index: number) {
  const builder = new prometheus.DataqueryBuilder().expr(query.expr).refId(String.fromCharCode(65 + index));
  return query.legend ? builder.legendFormat(query.legend) : builder;
}

function thresholds(steps: ReadonlyArray<readonly [number, string]>) {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color], i) => ({ value: i === 0 ? null : value, color })));
}

/** How a family of dashboards is named in Grafana (a team's or product's prefix and tag). */
export interface DashboardNaming {
  /** Prefix of every uid, e.g. `shop-` (uid `shop-service-cart`). @default - none */
  readonly uidPrefix?: string;
  /** Prefix of every title, e.g. `Shop / ` (title `Shop / Service / cart`). @default - none */
  readonly titlePrefix?: string;
  /** Tags every dashboard carries before its own, e.g. `['shop']`. @default - none */
  readonly tags?: readonly string[];
}

/**
 * The dashboard builder with the common settings: `uid`, `title` and `tags` are prefixed as
 * `naming` says.
 */
export function platformDashboard(uid: string, title: string, tags: readonly string[], naming: DashboardNaming = {}): DashboardBuilder {
  return new dashboard.DashboardBuilder(`${naming.titlePrefix ?? ''}${title}`)
    .uid(`${naming.uidPrefix ?? ''}${uid}`)
    .tags([...(naming.tags ?? []), ...tags])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable());
}
