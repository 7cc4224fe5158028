export * from './domain';
export * from './application/activity-feed';
export {
  activityReadModel,
  ActivityProjection,
  ACTIVITY_RETAINED,
} from './infrastructure/activity.projection';
export { ActivityController, ACTIVITY_ITEM_SCHEMA } from './interface/activity.controller';
export { ActivityModule } from './activity.module';
