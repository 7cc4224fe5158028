import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DiscoveryService } from './application/discovery.service';
import { ProposalsController } from './interface/proposals.controller';

/** Proposals and decisions. Expects EVENT_STORE, PROPOSAL_DIRECTORY and RouteTable from the composition root. */
@Module({
  imports: [CqrsModule],
  controllers: [ProposalsController],
  providers: [DiscoveryService],
  exports: [DiscoveryService],
})
export class DiscoveryModule {}
