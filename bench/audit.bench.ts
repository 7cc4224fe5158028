import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { linkHash, type RawRow } from '#libs/audit';
import { GENESIS_HASH, SqliteEventStore } from '#libs/event-store';
import { findEventSchemasDir, loadSchemas } from '../apps/gateway/src/composition';
import type { AuditResult, AuditTask } from './audit.child';
import { runChild } from './support/child';
import { progress, runStandalone, type BenchOptions } from './support/cli';
import { formatNumber, ratio, type BenchReport } from './support/report';
import { benchRoute, targetOf } from './support/routing-fixtures';
import { withTempDir } from './support/temp-dir';

/**
 * `nekzus audit` over a large log: replay to NDJSON, chain verification and the state at the
 * middle of the history, each in a child process of its own, next to a bare paged read that
 * JSON.parses every event in the same run.
 */

const TARGET = { replayPerSecond: 250_000, verifyPerSecond: 250_000, atSeconds: 3, rssMB: 200 };
const ROUTES = 1_000;
const APPS = 100;

interface Log {
  events: number;
  middle: string;
  bytes: number;
  setupSeconds: number;
}

/**
 * A mixed history written straight into a fresh events file with a correct chain (setup, not
 * measured; the store's append path is measured by the events benchmark): apps and routes
 * registered, then routes changing target, and every 50th event a device or an administrator
 * (paired, renamed, signed in) so names and several contexts appear. Every event is stored at
 * its type's current schema version, as this gateway writes it (an older log's events are
 * upcast on read, which adds a parse and a re-serialisation per such event).
 */
export function writeLog(path: string, total: number): Log {
  const started = performance.now();
  // Each event at its type's current schema version: what this gateway writes today.
  const schemas = loadSchemas();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const revisions = new Map<string, number>();
  const routes = Array.from({ length: ROUTES }, (_, i) => benchRoute(i));
  const base = Date.parse('2025-01-01T00:00:00Z');
  let prev = GENESIS_HASH;
  let middle = '';
  const metadata = JSON.stringify({
    correlationId: randomUUID(),
    actor: { kind: 'admin', id: 'bench' },
    sourceIp: '192.168.1.10',
  });
  const eventAt = (n: number): [string, string, unknown, string] => {
    if (n < APPS) {
      const id = `app-${n}`;
      return [
        `app-${id}`,
        'AppRegistered',
        { app: { id, name: `App ${n}`, icon: '', tags: [], endpoints: {} } },
        metadata,
      ];
    }
    if (n < APPS + ROUTES) {
      const route = routes[n - APPS]!;
      return [`route-${route.routeId}`, 'RouteAdded', { route }, metadata];
    }
    if (n % 50 === 0) {
      const device = `phone-${(n / 50) % 200}`;
      const kind = (n / 50) % 3;
      if (kind === 0)
        return [
          `device-${device}`,
          'DevicePaired',
          {
            deviceId: device,
            name: `Phone ${n}`,
            model: 'Pixel 9',
            platform: 'android',
            scopes: ['read:catalog'],
            via: 'bootstrap-token',
            tokenId: randomUUID(),
            rePaired: false,
          },
          metadata,
        ];
      if (kind === 1)
        return [
          `device-${device}`,
          'DeviceRenamed',
          { deviceId: device, name: `Renamed ${n}` },
          metadata,
        ];
      return [
        'admin-sessions',
        'AdminSignedIn',
        {
          username: 'bench',
          sessionId: randomUUID(),
          expiresAt: new Date(base + n).toISOString(),
          address: '192.168.1.10',
        },
        metadata,
      ];
    }
    const i = n % ROUTES;
    const route = { ...routes[i]!, to: targetOf(i, n) };
    routes[i] = route;
    return [
      `route-${route.routeId}`,
      'RouteChanged',
      { routeId: route.routeId, route, changedFields: ['to'] },
      JSON.stringify({
        correlationId: randomUUID(),
        actor: { kind: 'admin', id: 'bench' },
        sourceIp: '192.168.1.10',
      }),
    ];
  };
  const batch = db.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) {
      const [stream, type, data, meta] = eventAt(n);
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      const recordedAt = new Date(base + n * 10).toISOString();
      if (n === Math.floor(total / 2)) middle = recordedAt;
      const row: RawRow = [
        n + 1,
        randomUUID(),
        stream,
        revision,
        type,
        schemas.latestVersion(type) ?? 1,
        JSON.stringify(data),
        meta,
        recordedAt,
        prev,
        '',
      ];
      row[10] = linkHash(prev, row);
      prev = row[10];
      insert.run(...row);
    }
  });
  for (let from = 0; from < total; from += 10_000) batch(from, Math.min(total, from + 10_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {
    events: total,
    middle,
    bytes: statSync(path).size,
    setupSeconds: (performance.now() - started) / 1000,
  };
}

const rate = (r: AuditResult) => r.events / Math.max(r.seconds, 1e-9);
const perSecond = (n: number) => `${formatNumber(n)}/s`;

export async function runAuditBench(options: BenchOptions): Promise<BenchReport> {
  const total = options.quick ? 50_000 : 1_000_000;
  const schemasDir = findEventSchemasDir();
  return withTempDir('audit', async (dir) => {
    const eventsPath = join(dir, 'events.db');
    await SqliteEventStore.open({ path: eventsPath, schemas: loadSchemas() }).close();
    progress(`writing ${formatNumber(total)} events with their chain (setup, not measured)`);
    const log = writeLog(eventsPath, total);
    const child = (task: Omit<AuditTask, 'eventsPath' | 'schemasDir'>) =>
      runChild<AuditResult>('audit.child', { ...task, eventsPath, schemasDir } satisfies AuditTask);
    progress('bare paged read with JSON.parse');
    const bare = await child({ mode: 'bare' });
    progress('audit replay to NDJSON');
    const replay = await child({ mode: 'replay', out: join(dir, 'replay.ndjson') });
    progress('audit verify');
    const verify = await child({ mode: 'verify' });
    progress('audit at the middle of the history');
    const at = await child({ mode: 'at', at: log.middle });
    const bareRate = rate(bare);
    const rss = Math.max(replay.peakRssMB, verify.peakRssMB, at.peakRssMB);
    const findings: string[] = [];
    for (const [name, r, target] of [
      ['replay', replay, TARGET.replayPerSecond],
      ['verify', verify, TARGET.verifyPerSecond],
    ] as const)
      if (rate(r) < target)
        findings.push(
          `${name}: ${perSecond(rate(r))} is under the ${perSecond(target)} target; the bare read with JSON.parse runs at ${perSecond(bareRate)} in this run (${formatNumber(1e6 / rate(r), 2)} µs vs ${formatNumber(1e6 / bareRate, 2)} µs per event).`,
        );
    if (at.seconds >= TARGET.atSeconds)
      findings.push(
        `audit at took ${formatNumber(at.seconds, 2)} s, over the ${TARGET.atSeconds} s target.`,
      );
    if (rss >= TARGET.rssMB)
      findings.push(`peak RSS ${formatNumber(rss)} MB is over ${TARGET.rssMB} MB.`);
    return {
      name: 'audit',
      title: `Audit tooling over ${formatNumber(total)} events`,
      quick: options.quick,
      method: [
        `one events file of ${formatNumber(total)} events (${formatNumber(log.bytes / 2 ** 20)} MB): ${APPS} apps and ${formatNumber(ROUTES)} routes registered, then RouteChanged events (~700-byte route specs), every 50th event a device paired or renamed or an administrator signed in; written directly with a valid hash chain (setup, ${formatNumber(log.setupSeconds, 1)} s, not measured)`,
        'each measurement runs in its own child process (peak RSS = its process.resourceUsage().maxRSS), one after the other',
        "bare = the same paged SELECT as the store, JSON.parse of every event's data and metadata, nothing else",
        `replay = replayBlocks (what \`nekzus audit replay --format ndjson\` runs): from 100,000 events, stretches of 2,000 positions written by one worker thread per core (${availableParallelism()} here), SQLite formatting the lines of the events described by their columns and the worker the others, then written to a file in the temp dir in log order; details are the stored JSON text (secrets masked where a type has them)`,
        `verify = verifyLog (what \`nekzus audit verify\` runs): every link recomputed with SHA-256; from 100,000 events, one stretch per core (${availableParallelism()} here) checked by a worker thread, the stretches joined in order`,
        "the children load the audit tools and the schemas from their modules, not through the libraries' barrels (which bring the NestJS modules); peak RSS includes the worker threads",
        `at = stateAt at ${log.middle}, the time of the middle event (what \`nekzus audit at\` runs)`,
      ],
      sections: [
        {
          title: 'Audit',
          figures: [
            {
              key: 'audit.bare',
              label: 'bare paged read + JSON.parse (baseline)',
              value: bareRate,
              unit: 'events/s',
              detail: `${formatNumber(bare.seconds, 2)} s, peak RSS ${formatNumber(bare.peakRssMB)} MB`,
            },
            {
              key: 'audit.replay',
              label: 'audit replay to NDJSON',
              value: rate(replay),
              unit: 'events/s',
              ratio: { value: ratio(rate(replay), bareRate), to: 'bare read' },
              target: {
                text: `≥ ${perSecond(TARGET.replayPerSecond)}`,
                pass: rate(replay) >= TARGET.replayPerSecond,
              },
              detail: `${formatNumber(replay.seconds, 2)} s, ${formatNumber(replay.bytes / 2 ** 20)} MB written, peak RSS ${formatNumber(replay.peakRssMB)} MB`,
            },
            {
              key: 'audit.verify',
              label: 'audit verify',
              value: rate(verify),
              unit: 'events/s',
              ratio: { value: ratio(rate(verify), bareRate), to: 'bare read' },
              target: {
                text: `≥ ${perSecond(TARGET.verifyPerSecond)}`,
                pass: rate(verify) >= TARGET.verifyPerSecond,
              },
              detail: `${formatNumber(verify.seconds, 2)} s, peak RSS ${formatNumber(verify.peakRssMB)} MB`,
            },
            {
              key: 'audit.at',
              label: 'audit at (middle of the history)',
              value: at.seconds,
              decimals: 2,
              unit: 's',
              target: { text: `< ${TARGET.atSeconds} s`, pass: at.seconds < TARGET.atSeconds },
              detail: `${at.detail}; peak RSS ${formatNumber(at.peakRssMB)} MB`,
            },
            {
              key: 'audit.peakRss',
              label: 'peak RSS (largest of the three)',
              value: rss,
              unit: 'MB',
              ratio: { value: ratio(rss, bare.peakRssMB), to: 'bare read' },
              target: { text: `< ${TARGET.rssMB} MB`, pass: rss < TARGET.rssMB },
            },
          ],
        },
      ],
      findings,
    };
  });
}

if (require.main === module) runStandalone(runAuditBench);
