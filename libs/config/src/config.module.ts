import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ConfigApplier } from './application/config-applier';

/** Applies config-declared routes and apps through the routing commands. */
@Module({ imports: [CqrsModule], providers: [ConfigApplier], exports: [ConfigApplier] })
export class ConfigModule {}
