import { Controller, Get, Req, Res } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize, Authenticator } from '#libs/access';
import { commandContextOf, Public, RateLimit, setPrincipal } from '#libs/http';
import { DomainError } from '#libs/kernel';
import { PairingService } from '../application/pairing.service';
import { PAIRING_SETTINGS, type PairingSettings } from '../application/pairing-settings';
import { qrPng, qrText } from '../infrastructure/qr-image';
import { ownerOf } from './pairing.controller';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `/pair`: a page with one pairing code as a QR image, for whoever may pair devices. */
@Controller()
export class PairPageController {
  constructor(
    private readonly pairing: PairingService,
    private readonly authenticator: Authenticator,
    @Inject(PAIRING_SETTINGS) private readonly settings: PairingSettings,
  ) {}

  @Get('pair')
  @Public()
  @RateLimit('qr')
  @ApiTags('pairing')
  @ApiOperation({
    summary: 'Pairing page',
    description:
      'An HTML page with a new pairing code as a QR image, for whoever may pair devices (an administrator, or a token or key with `write:devices`); the page itself checks the credentials.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({
    description: 'The page with the code.',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiUnauthorizedResponse({
    description: 'An HTML page asking to sign in first.',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  async page(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    try {
      const principal = await this.authenticator.authenticate(req);
      authorize(principal, 'write:devices');
      setPrincipal(req, principal);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return send(
        res,
        401,
        page(
          'Sign in first',
          `<p>Only an administrator can show a pairing code. Sign in to the portal, or open this page on the gateway machine.</p><p class="muted">${escape(error.message)}</p>`,
          this.settings,
        ),
      );
    }
    const payload = await this.pairing.issueCode(ownerOf(req), commandContextOf(req));
    const png = (await qrPng(qrText(payload.qr))).toString('base64');
    const body = `
<img src="data:image/png;base64,${png}" width="256" height="256" alt="QR code to pair a device">
<p>Scan with the Nekzus app, or enter the code <strong id="code">${escape(payload.code)}</strong> and the address <code>${escape(payload.qr.u)}</code>.</p>
<p class="muted" id="state">Expires in 5 minutes.</p>
<script>
const code = ${JSON.stringify(payload.code)};
const state = document.getElementById('state');
const timer = setInterval(async () => {
  const r = await fetch('/api/v1/auth/qr/status?code=' + encodeURIComponent(code));
  if (!r.ok) return;
  const s = await r.json();
  if (s.status === 'used') { state.textContent = 'Paired' + (s.deviceId ? ': ' + s.deviceId : '') + '.'; clearInterval(timer); }
  else if (s.status === 'expired') { state.textContent = 'This code has expired; reload the page for a new one.'; clearInterval(timer); }
  else state.textContent = 'Expires in ' + s.ttl + ' s' + (s.redeemed ? ' (scanned, waiting for the device)' : '') + '.';
}, 2000);
</script>`;
    send(res, 200, page('Pair a device', body, this.settings));
  }
}

function page(title: string, body: string, settings: PairingSettings): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · Nekzus</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}.muted{color:#666}img{image-rendering:pixelated;border:1px solid #ddd}</style>
</head><body>
<h1>${escape(title)}</h1>
${body}
<p class="muted">${escape(settings.name)} · ${escape(settings.nekzusId)} · Nekzus v${escape(settings.version)}</p>
</body></html>`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  res.end(html);
}
