export * from './gateway-metrics';
export { SnapshotHistogram, type HistogramSeries } from './snapshot-histogram';
export { MetricsModule } from './metrics.module';
export { dashboardOf, quantileMs, type Dashboard, type DashboardContext } from './dashboard';
