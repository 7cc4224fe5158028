import type { Metric } from 'prom-client';

interface SeriesValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One labelled series of a histogram kept elsewhere: counts per bucket (not cumulative), the last for +Inf. */
export interface HistogramSeries {
  labels: Record<string, string>;
  buckets: readonly number[];
  sum: number;
  count: number;
}

/**
 * A histogram whose observations are counted elsewhere (the data plane bumps plain arrays on
 * its hot path) and only read at scrape time. prom-client's registry takes any object with
 * `name` and `get()`; its types list only the four built-in classes, hence `asMetric`.
 */
export class SnapshotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds of the buckets, in the exposed unit; +Inf is implied. */
    private readonly bounds: readonly number[],
    private readonly read: () => HistogramSeries[],
  ) {}

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: SeriesValue[];
  }> {
    const values: SeriesValue[] = [];
    for (const series of this.read()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.buckets[i] ?? 0;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...series.labels, le },
          value: cumulative,
        });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...series.labels, le: '+Inf' },
        value: series.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** Nothing to reset: the figures belong to their owner. */
  reset(): void {}

  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
