import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { Prober, ProbeResponse } from '../application/health-checker';

/**
 * Real HTTP GETs to the upstream: redirects followed (up to 5), certificates verified as the
 * proxy does, the body discarded, no connection kept for long.
 */
export class HttpProber implements Prober {
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;

  constructor(private readonly userAgent: string) {
    this.agent = new Agent({ keepAliveTimeout: 1_000, connect: { rejectUnauthorized: true } });
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  async probe(url: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResponse> {
    const started = performance.now();
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.dispatcher,
        signal: deadline,
        headers: { 'user-agent': this.userAgent, accept: '*/*' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await res.body.dump();
      return { kind: 'response', status: res.statusCode, latencyMs: performance.now() - started };
    } catch (error) {
      const latencyMs = performance.now() - started;
      const timedOut = deadline.aborted && !signal.aborted;
      return {
        kind: 'error',
        message: timedOut ? `no answer within ${timeoutMs} ms` : describe(error),
        latencyMs,
      };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code =
    (error as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : error.message;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
