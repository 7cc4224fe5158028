import { Writable } from 'node:stream';
import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** JSON lines when the output is not a terminal; short readable lines when it is. */
export function createLogger(level: string, stream: NodeJS.WriteStream = process.stdout): Logger {
  const destination = stream.isTTY ? prettyStream(stream) : stream;
  return pino(
    { level, base: { service: 'nekzus' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

function prettyStream(out: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const {
            time,
            level,
            msg,
            service: _s,
            pid: _p,
            hostname: _h,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          const clock = typeof time === 'string' ? time.slice(11, 19) : '';
          out.write(
            `${clock} ${(LEVEL_NAMES[Number(level)] ?? 'LOG').padEnd(5)} ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${fields ? `  ${fields}` : ''}\n`,
          );
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/** Nest's logger interface on top of pino, so framework messages land in the same stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  /** Nest's start-up chatter (modules loaded, routes mapped) is debug detail, not news. */
  log(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.write('error', message, context, trace);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace',
    message: unknown,
    context?: string,
    trace?: string,
  ): void {
    const fields: Record<string, unknown> = context ? { context } : {};
    if (trace) fields['stack'] = trace;
    if (message !== null && typeof message === 'object')
      this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
