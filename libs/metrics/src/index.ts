export * from './gateway-metrics';
export { SnapshotHistogram, type HistogramSeries } from './snapshot-histogram';
export { MetricsModule } from './metrics.module';
