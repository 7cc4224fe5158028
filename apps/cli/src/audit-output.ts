// Straight from the modules: the library's barrel brings its NestJS module.
import type { AuditEntry } from '../../../libs/audit/src/domain/audit-entry';
import type { TraceLine } from '../../../libs/audit/src/domain/trace';
import type { HistoryDiff, StateAt } from '../../../libs/audit/src/application/history';
import { entryLine, type ReplayedEntry } from '../../../libs/audit/src/infrastructure/audit-replay';
import type { ReplayBlock } from '../../../libs/audit/src/infrastructure/replay-blocks';
import { table } from './output';

/**
 * Buffered stdout: lines are gathered into blocks of ~64 KiB (a million small writes cost
 * more than producing the lines), and a reader that goes away (`| head`) ends the output
 * quietly instead of with an EPIPE error.
 */
export class Output {
  private buffer = '';
  private closed = false;
  /** Chunks handed to the stream, and of those the ones it has said are written out (in order). */
  private sent = 0;
  private confirmed = 0;
  private readonly afterWrites: { at: number; run: () => void }[] = [];

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
      else throw error;
    });
  }

  get gone(): boolean {
    return this.closed;
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= 1 << 16) await this.flush();
  }

  /** Bytes that are ready as they are: whatever text is buffered goes first. */
  async writeBytes(data: Uint8Array): Promise<void> {
    await this.flush();
    if (this.closed || data.length === 0) return;
    await this.send(data);
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0 || this.closed) {
      this.buffer = '';
      return;
    }
    const chunk = this.buffer;
    this.buffer = '';
    await this.send(chunk);
  }

  /**
   * Runs `then` once every chunk handed to the stream so far has been written out (or has
   * failed), when their bytes are no longer needed. Not awaited: a stream that never says
   * (a stand-in for stdout) only keeps them longer.
   */
  whenWritten(then: () => void): void {
    if (this.confirmed >= this.sent) then();
    else this.afterWrites.push({ at: this.sent, run: then });
  }

  private wrote(seq: number): void {
    this.confirmed = Math.max(this.confirmed, seq);
    while (this.afterWrites.length > 0 && this.afterWrites[0]!.at <= this.confirmed)
      this.afterWrites.shift()!.run();
  }

  private async send(chunk: string | Uint8Array): Promise<void> {
    const seq = ++this.sent;
    if (!this.stream.write(chunk, () => this.wrote(seq)))
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
  }
}

export type ReplayFormat = 'table' | 'json' | 'ndjson' | 'csv';

const TABLE_HEADERS = ['POSITION', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'SOURCE'];
/** Wide enough for most values, so rows printed one block at a time line up with the header. */
const TABLE_WIDTHS = [8, 24, 22, 22, 28, 7];

function who(entry: AuditEntry): string {
  const { kind, id, name } = entry.actor;
  return name ? `${kind}:${id} (${name})` : `${kind}:${id}`;
}

function what(entry: AuditEntry): string {
  const { type, id, name } = entry.target;
  return name ? `${type}:${id} (${name})` : `${type}:${id}`;
}

function tableRow(entry: AuditEntry): string[] {
  return [
    String(entry.position),
    entry.time,
    who(entry),
    entry.action,
    what(entry),
    entry.outcome === 'success' ? 'ok' : `FAILED: ${entry.error ?? ''}`,
    entry.sourceIp ?? '',
  ];
}

const CSV_HEADERS = [
  'position',
  'time',
  'actor_kind',
  'actor_id',
  'actor_name',
  'action',
  'target_type',
  'target_id',
  'target_name',
  'outcome',
  'error',
  'source_ip',
  'correlation_id',
  'causation_id',
  'event_id',
  'stream',
  'event_type',
];

/** RFC 4180 quoting; a leading = + - @ is escaped so a spreadsheet never runs a cell as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(e: AuditEntry): string {
  return [
    String(e.position),
    e.time,
    e.actor.kind,
    e.actor.id,
    e.actor.name ?? '',
    e.action,
    e.target.type,
    e.target.id,
    e.target.name ?? '',
    e.outcome,
    e.error ?? '',
    e.sourceIp ?? '',
    e.correlationId,
    e.causationId ?? '',
    e.eventId,
    e.stream,
    e.eventType,
  ]
    .map(csvCell)
    .join(',');
}

/** Writes replayed entries in one format, header first; `end` closes what needs closing (a JSON array). */
export class ReplayWriter {
  private count = 0;

  constructor(
    private readonly out: Output,
    private readonly format: ReplayFormat,
  ) {}

  async begin(): Promise<void> {
    if (this.format === 'table')
      await this.out.write(`${table(TABLE_HEADERS, [], TABLE_WIDTHS).split('\n')[0]}\n`);
    else if (this.format === 'csv') await this.out.write(`${CSV_HEADERS.join(',')}\n`);
    else if (this.format === 'json') await this.out.write('[');
  }

  async entry(replayed: ReplayedEntry): Promise<void> {
    this.count += 1;
    switch (this.format) {
      case 'ndjson':
        return this.out.write(`${entryLine(replayed)}\n`);
      case 'json':
        return this.out.write(`${this.count === 1 ? '\n' : ',\n'}${entryLine(replayed)}`);
      case 'csv':
        return this.out.write(`${csvRow(replayed.entry)}\n`);
      case 'table': {
        const lines = table(TABLE_HEADERS, [tableRow(replayed.entry)], TABLE_WIDTHS).split('\n');
        return this.out.write(`${lines[2]}\n`);
      }
    }
  }

  /** True when entries go out as whole blocks of text (`block`) rather than one by one. */
  get writesBlocks(): boolean {
    return this.format === 'ndjson' || this.format === 'json';
  }

  /** A block from `replayBlocks` (style `ndjson`, or `json` for the json format). */
  async block(block: ReplayBlock): Promise<void> {
    if (block.entries === 0) return;
    // The array's first item follows '[' with a newline, the others with ',\n'.
    const first = this.count === 0;
    this.count += block.entries;
    for (const [i, chunk] of block.chunks.entries())
      await this.out.writeBytes(
        this.format === 'json' && first && i === 0 ? chunk.subarray(1) : chunk,
      );
    // The worker that wrote the text gets its buffers back once the stream is done with them.
    this.out.whenWritten(() => block.release());
  }

  async end(): Promise<void> {
    if (this.format === 'json') await this.out.write(this.count > 0 ? '\n]\n' : ']\n');
    await this.out.flush();
  }

  get written(): number {
    return this.count;
  }
}

function section(title: string, headers: string[], rows: string[][]): string {
  return rows.length === 0
    ? `${title}: none\n`
    : `${title} (${rows.length})\n${table(headers, rows)}\n`;
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);

export function stateTable(state: StateAt): string {
  return [
    `state at ${state.at} (log position ${state.position})\n`,
    section(
      'APPS',
      ['ID', 'NAME', 'SINCE'],
      state.apps.map((a) => [a.id, text(a.spec['name']), a.createdAt]),
    ),
    section(
      'ROUTES',
      ['ID', 'APP', 'PATH', 'TO', 'SINCE'],
      state.routes.map((r) => [
        r.id,
        text(r.spec['appId']),
        text(r.spec['pathBase']),
        text(r.spec['to']),
        r.createdAt,
      ]),
    ),
    section(
      'DEVICES',
      ['ID', 'NAME', 'PLATFORM', 'STATUS', 'PAIRED'],
      state.devices.map((d) => [
        d.id,
        d.name,
        d.platform,
        d.active ? 'active' : `revoked ${d.revokedAt ?? ''}`,
        d.pairedAt,
      ]),
    ),
    section(
      'ADMINISTRATORS',
      ['USERNAME', 'CREATED'],
      state.admins.map((a) => [a.username, a.createdAt]),
    ),
    section(
      'API KEYS',
      ['ID', 'NAME', 'PREFIX', 'SCOPES', 'STATUS'],
      state.apiKeys.map((k) => [
        k.keyId,
        k.name,
        k.prefix,
        k.scopes.join(' '),
        k.revokedAt ? `revoked ${k.revokedAt}` : 'active',
      ]),
    ),
  ].join('\n');
}

export function diffTable(diff: HistoryDiff): string {
  const head = `from ${diff.from.at} (position ${diff.from.position}) to ${diff.to.at} (position ${diff.to.position})\n`;
  if (diff.changes.length === 0) return `${head}no changes\n`;
  return `${head}${table(
    ['CHANGE', 'WHAT', 'ID', 'FIELDS'],
    diff.changes.map((c) => [c.kind, c.entity, c.id, (c.fields ?? []).join(', ')]),
  )}\n`;
}

export function traceTable(lines: TraceLine<AuditEntry & { id: string }>[]): string {
  return `${table(
    ['POSITION', 'TIME', 'ACTION', 'TARGET', 'ACTOR', 'CORRELATION'],
    lines.map(({ event, depth }) => [
      String(event.position),
      event.time,
      `${depth > 0 ? `${'  '.repeat(depth - 1)}└─ ` : ''}${event.action}${event.outcome === 'failure' ? ' (FAILED)' : ''}`,
      what(event),
      who(event),
      event.correlationId,
    ]),
  )}\n`;
}
