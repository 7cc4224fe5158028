import { Module } from '@nestjs/common';
import { DevicesService } from './application/devices.service';
import { PairingService } from './application/pairing.service';
import { PairingWriter } from './application/pairing-writer';
import { DevicesController } from './interface/devices.controller';
import { PairPageController } from './interface/pair-page.controller';
import { PairingController } from './interface/pairing.controller';

/**
 * Pairing codes, devices and device tokens. Expects from the composition root (global
 * providers): EVENT_STORE, DEVICE_DIRECTORY, PAIRING_CODES, PAIRING_SETTINGS, JWT_TOKENS,
 * ACCESS_CLOCK, Authenticator and LiveConfig.
 */
@Module({
  controllers: [PairingController, DevicesController, PairPageController],
  providers: [PairingWriter, PairingService, DevicesService],
})
export class PairingModule {}
