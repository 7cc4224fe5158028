export * from './domain';
export * from './application/check-settings';
export * from './application/service-health.projection';
export * from './application/health-checker';
export * from './application/health-recorder';
export * from './application/service-health';
export { HttpProber } from './infrastructure/http-prober';
export { HealthModule } from './health.module';
