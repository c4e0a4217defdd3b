import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * Where a chart's objects go in the GitOps tree: `dist/manifests/<region>/<component>/`.
 * Each (region, component) folder is synced by one Argo CD Application.
 */
export interface Placement {
  /** Region (one cluster per region in the default topology), e.g. `primary`. */
  readonly region: string;
  /** Component folder, e.g. `platform`, `blue`, `green`. */
  readonly component: string;
}

export interface PlacedChartProps extends ChartProps, Placement {
  /**
   * The cluster the chart's objects run in: policy checks that span objects (disruption budgets,
   * completeness) look within one cluster.
   * @default - the region (one cluster per region)
   */
  readonly cluster?: string;
  /**
   * Output folder below the output directory.
   * @default - `manifests/<region>/<component>`
   */
  readonly directory?: string;
}

const PLACED_CHART = Symbol.for('alp-deploy.PlacedChart');

/**
 * A chart that knows its place in the output tree. Object names never carry hashes:
 * GitOps tools must see the same name for the same object on every synth.
 */
export class PlacedChart extends Chart implements Placement {
  public static isPlacedChart(x: unknown): x is PlacedChart {
    return typeof x === 'object' && x !== null && PLACED_CHART in x;
  }

  public readonly region: string;
  public readonly component: string;
  /** The cluster the chart's objects run in. */
  public readonly cluster: string;
  /** Output folder below the output directory. */
  public readonly directory: string;

  constructor(scope: Construct, id: string, props: PlacedChartProps) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    this.region = props.region;
    this.component = props.component;
    this.cluster = props.cluster ?? props.region;
    this.directory = props.directory ?? `manifests/${props.region}/${props.component}`;
    Object.defineProperty(this, PLACED_CHART, { value: true });
  }
}
