import { randomUUID } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import { GossipService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_grpc_pb';
import {
  ClusterInfo,
  EndPoint,
  MemberInfo,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_pb';
import { ServerFeaturesService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb';
import {
  SupportedMethod,
  SupportedMethods,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb';
import {
  Empty,
  StreamIdentifier,
  UUID,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb';
import { StreamsService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  ReadReq,
  ReadResp,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb';

/**
 * A STAND-IN for a KurrentDB server — not KurrentDB. No KurrentDB server can run on these
 * machines, so this in-memory gRPC server on 127.0.0.1 speaks the subset of KurrentDB's v1
 * protocol that our adapter's client (`@kurrent/kurrentdb-client`, whose reads go through its
 * Rust bridge and whose appends and subscriptions go through grpc-js) calls: ServerFeatures,
 * Gossip, Streams.Append and Streams.Read (streams, `$all`, filtered subscriptions with
 * checkpoints). It uses the client's own generated service definitions and messages.
 *
 * Semantics kept honest where our code depends on them:
 * - optimistic concurrency: a wrong expected state answers `wrong_expected_version` with the
 *   stream's current revision (or no stream) and the expected state as sent, as the server does;
 * - idempotent appends: re-sending the event ids the stream already holds right after the
 *   expected revision (or, with `any`/`stream_exists`, anywhere as a run) acknowledges without
 *   writing; a partial overlap is refused as a wrong expected version;
 * - `$all` positions are commit positions: strictly increasing, never consecutive (each record
 *   advances the position by its size in bytes, like an offset in a transaction file), and
 *   the log starts with KurrentDB-style system events (`$`-prefixed streams and types).
 * Not implemented (the adapter never calls them): deletes, tombstones, stream metadata, batch
 * append, persistent subscriptions, projections, links, authentication, TLS.
 */

interface StoredRecord {
  stream: string;
  revision: bigint;
  /** Lower-case UUID text. */
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** .NET ticks (100 ns since the Unix epoch), as the server sends `created`. */
  created: bigint;
  position: bigint;
}

type Waiter = () => void;

/** The methods this stand-in answers; ServerFeatures lists exactly these. */
const SUPPORTED = [
  ['event_store.client.streams.streams', 'read'],
  ['event_store.client.streams.streams', 'append'],
  ['event_store.client.server_features.serverfeatures', 'getsupportedmethods'],
  ['event_store.client.gossip.gossip', 'read'],
] as const;

/** How many records a filtered read or subscription scans between two checkpoints per interval unit (KurrentDB's default max search window). */
const SEARCH_WINDOW = 32;

export interface KurrentDbStandInOptions {
  /** The time stamped as `created` on each record (default the wall clock). */
  clock?: () => number;
}

export class KurrentDbStandIn {
  private readonly server = new Server();
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly calls = new Set<ServerWritableStream<ReadReq, ReadResp>>();
  /** The next record's position: the log's end, as a byte offset. */
  private nextPosition = 0n;
  private port = 0;
  /** Appends and reads served, for tests that check the stand-in was really used. */
  readonly served = { appends: 0, reads: 0, subscriptions: 0, gossip: 0 };

  private constructor(private readonly options: KurrentDbStandInOptions) {}

  /** Starts the stand-in on 127.0.0.1 on a free port. */
  static async start(options: KurrentDbStandInOptions = {}): Promise<KurrentDbStandIn> {
    const standIn = new KurrentDbStandIn(options);
    await standIn.listen();
    return standIn;
  }

  /** The connection string our adapter takes (storage.kurrentdb.connection_string). */
  get connectionString(): string {
    return `kurrentdb://127.0.0.1:${this.port}?tls=false`;
  }

  /** Every non-system record, in `$all` order (for assertions). */
  userRecords(): readonly Readonly<StoredRecord>[] {
    return this.log.filter((r) => !r.stream.startsWith('$'));
  }

  /**
   * Rewrites a stored event's data behind the protocol's back, as someone with access to the
   * cluster's files could: what `audit verify` must then catch.
   */
  tamperWithData(stream: string, revision: bigint, data: unknown): void {
    const record = this.streams.get(stream)?.[Number(revision)];
    if (!record) throw new Error(`no event ${stream}@${revision} on the stand-in`);
    record.data = Buffer.from(JSON.stringify(data), 'utf8');
  }

  async stop(): Promise<void> {
    for (const call of this.calls) call.end();
    this.calls.clear();
    for (const wake of [...this.waiters]) wake();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private async listen(): Promise<void> {
    this.server.addService(StreamsService, {
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => void this.read(call),
      append: (
        call: ServerReadableStream<AppendReq, AppendResp>,
        done: sendUnaryData<AppendResp>,
      ) => this.append(call, done),
      delete: unimplemented('Streams.Delete'),
      tombstone: unimplemented('Streams.Tombstone'),
      batchAppend: unimplementedStream('Streams.BatchAppend'),
    });
    this.server.addService(ServerFeaturesService, {
      getSupportedMethods: (
        _call: ServerUnaryCall<Empty, SupportedMethods>,
        done: sendUnaryData<SupportedMethods>,
      ) => {
        const reply = new SupportedMethods();
        reply.setEventStoreServerVersion('25.1.0-standin');
        reply.setMethodsList(
          SUPPORTED.map(([service, method]) => {
            const m = new SupportedMethod();
            m.setServiceName(service);
            m.setMethodName(method);
            return m;
          }),
        );
        done(null, reply);
      },
    });
    this.server.addService(GossipService, {
      read: (_call: ServerUnaryCall<Empty, ClusterInfo>, done: sendUnaryData<ClusterInfo>) => {
        // One node, the leader: what a discover:// connection string finds.
        this.served.gossip += 1;
        const member = new MemberInfo();
        const id = new UUID();
        id.setString(STANDIN_NODE_ID);
        member.setInstanceId(id);
        member.setTimeStamp(String(BigInt(Date.now()) * 10_000n));
        member.setState(MemberInfo.VNodeState.LEADER);
        member.setIsAlive(true);
        const endpoint = new EndPoint();
        endpoint.setAddress('127.0.0.1');
        endpoint.setPort(this.port);
        member.setHttpEndPoint(endpoint);
        const info = new ClusterInfo();
        info.setMembersList([member]);
        done(null, info);
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    // What a fresh KurrentDB log holds before any user event: system streams and types.
    this.write('$settings', [systemRecord('$settings', { $userStreamAcl: {} })]);
    this.write('$users', [systemRecord('$UserCreated', { loginName: 'admin' })]);
  }

  // ---- Append ---------------------------------------------------------------------------

  private append(
    call: ServerReadableStream<AppendReq, AppendResp>,
    done: sendUnaryData<AppendResp>,
  ): void {
    let options: AppendReq.Options | undefined;
    const proposed: AppendReq.ProposedMessage[] = [];
    let failed = false;
    call.on('data', (req: AppendReq) => {
      if (req.hasOptions()) options = req.getOptions();
      else if (req.hasProposedMessage()) proposed.push(req.getProposedMessage()!);
    });
    call.on('error', () => (failed = true));
    call.on('end', () => {
      if (failed) return;
      if (!options || !options.hasStreamIdentifier()) {
        done({
          code: status.INVALID_ARGUMENT,
          details: 'the first message must carry the options',
        });
        return;
      }
      try {
        done(null, this.decideAppend(options, proposed));
      } catch (error) {
        done({ code: status.INVALID_ARGUMENT, details: String(error) });
      }
    });
  }

  private decideAppend(
    options: AppendReq.Options,
    proposed: AppendReq.ProposedMessage[],
  ): AppendResp {
    this.served.appends += 1;
    const stream = Buffer.from(options.getStreamIdentifier()!.getStreamName_asU8()).toString(
      'utf8',
    );
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length === 0 ? undefined : BigInt(existing.length - 1);
    const ids = proposed.map((m) => uuidText(m.getId()));
    const Case = AppendReq.Options.ExpectedStreamRevisionCase;
    const expectedCase = options.getExpectedStreamRevisionCase();
    const expected = expectedCase === Case.REVISION ? BigInt(options.getRevision()) : undefined;

    // Idempotency first, as the server checks the ids against the stream before the state.
    const runAt = (start: number) =>
      ids.length > 0 &&
      start >= 0 &&
      start + ids.length <= existing.length &&
      ids.every((id, i) => existing[start + i]!.id === id);
    const partialAt = (start: number) =>
      start >= 0 && start < existing.length && existing[start]!.id === ids[0];
    if (expectedCase === Case.REVISION || expectedCase === Case.NO_STREAM) {
      const start = expectedCase === Case.NO_STREAM ? 0 : Number(expected! + 1n);
      if (runAt(start)) return success(existing[start + ids.length - 1]!);
      if (partialAt(start)) return wrongExpected(options, current);
    } else {
      const start = existing.findIndex((r) => r.id === ids[0]);
      if (start >= 0) {
        if (runAt(start)) return success(existing[start + ids.length - 1]!);
        return wrongExpected(options, current);
      }
    }

    switch (expectedCase) {
      case Case.NO_STREAM:
        if (current !== undefined) return wrongExpected(options, current);
        break;
      case Case.STREAM_EXISTS:
        if (current === undefined) return wrongExpected(options, current);
        break;
      case Case.REVISION:
        if (current !== expected) return wrongExpected(options, current);
        break;
      case Case.ANY:
        break;
      default:
        throw new Error('no expected stream state');
    }
    if (proposed.length === 0) {
      // KurrentDB acknowledges an empty append with the stream's state.
      const reply = new AppendResp();
      const ok = new AppendResp.Success();
      if (current === undefined) ok.setNoStream(new Empty());
      else ok.setCurrentRevision(String(current));
      ok.setNoPosition(new Empty());
      reply.setSuccess(ok);
      return reply;
    }
    const written = this.write(
      stream,
      proposed.map((m) => {
        const metadata = m.getMetadataMap();
        return {
          id: uuidText(m.getId()),
          type: metadata.get('type') ?? '',
          contentType: metadata.get('content-type') ?? 'application/octet-stream',
          data: m.getData_asU8(),
          customMetadata: m.getCustomMetadata_asU8(),
        };
      }),
    );
    return success(written[written.length - 1]!);
  }

  private write(
    stream: string,
    events: Pick<StoredRecord, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>[],
  ): StoredRecord[] {
    const list = this.streams.get(stream) ?? [];
    this.streams.set(stream, list);
    const created = BigInt((this.options.clock ?? Date.now)()) * 10_000n;
    const written = events.map((event) => {
      // Like an offset in a transaction file: the record's size moves the next position.
      const position = this.nextPosition;
      this.nextPosition += BigInt(
        96 + stream.length + event.type.length + event.data.length + event.customMetadata.length,
      );
      const record: StoredRecord = {
        ...event,
        stream,
        revision: BigInt(list.length),
        created,
        position,
      };
      list.push(record);
      this.log.push(record);
      return record;
    });
    for (const wake of [...this.waiters]) wake();
    return written;
  }

  // ---- Read and subscribe ------------------------------------------------------------------

  private async read(call: ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const options = call.request.getOptions();
    if (!options) {
      call.destroy(Object.assign(new Error('no options'), { code: status.INVALID_ARGUMENT }));
      return;
    }
    const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
    const send = (resp: ReadResp) => call.write(resp);
    const event = (record: StoredRecord, onAll: boolean) => {
      const resp = new ReadResp();
      const read = new ReadResp.ReadEvent();
      read.setEvent(recordedEvent(record, structuredIds));
      if (onAll) read.setCommitPosition(String(record.position));
      else read.setNoPosition(new Empty());
      resp.setEvent(read);
      return resp;
    };
    const matches = filterOf(options);
    const checkpointEvery = options.hasFilter()
      ? SEARCH_WINDOW * Math.max(1, options.getFilter()!.getCheckpointintervalmultiplier())
      : 0;

    if (options.hasSubscription()) {
      if (!options.hasAll()) {
        call.destroy(
          Object.assign(new Error('stream subscriptions are not served by this stand-in'), {
            code: status.UNIMPLEMENTED,
          }),
        );
        return;
      }
      this.served.subscriptions += 1;
      this.calls.add(call);
      const confirmation = new ReadResp();
      const confirm = new ReadResp.SubscriptionConfirmation();
      confirm.setSubscriptionId(randomUUID());
      confirmation.setConfirmation(confirm);
      send(confirmation);
      const all = options.getAll()!;
      // Exclusive: the events after the given position; `end`, only what comes next.
      let index = all.hasStart()
        ? 0
        : all.hasEnd()
          ? this.log.length
          : this.log.findIndex((r) => r.position > BigInt(all.getPosition()!.getCommitPosition()));
      if (index < 0) index = this.log.length;
      let caughtUp = false;
      let scanned = 0;
      let ended = false;
      const end = () => (ended = true);
      call.on('cancelled', end);
      call.on('close', end);
      while (!ended) {
        while (index < this.log.length && !ended) {
          const record = this.log[index++]!;
          scanned += 1;
          if (matches(record)) {
            if (!send(event(record, true))) await drained(call);
          } else if (checkpointEvery > 0 && scanned % checkpointEvery === 0) {
            send(checkpoint(record.position));
          }
        }
        if (ended) break;
        if (!caughtUp) {
          caughtUp = true;
          const resp = new ReadResp();
          resp.setCaughtUp(new ReadResp.CaughtUp());
          send(resp);
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            this.waiters.delete(wake);
            call.off('cancelled', wake);
            call.off('close', wake);
            resolve();
          };
          this.waiters.add(wake);
          call.once('cancelled', wake);
          call.once('close', wake);
          if (ended) wake();
        });
      }
      this.calls.delete(call);
      return;
    }

    this.served.reads += 1;
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    let remaining = options.hasCount()
      ? BigInt(options.getCount())
      : BigInt(Number.MAX_SAFE_INTEGER);
    let records: StoredRecord[];
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const name = Buffer.from(streamOptions.getStreamIdentifier()!.getStreamName_asU8()).toString(
        'utf8',
      );
      const list = this.streams.get(name);
      if (!list) {
        const resp = new ReadResp();
        const notFound = new ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamIdentifier(name));
        resp.setStreamNotFound(notFound);
        send(resp);
        call.end();
        return;
      }
      const from = streamOptions.hasStart()
        ? backwards
          ? -1
          : 0
        : streamOptions.hasEnd()
          ? backwards
            ? list.length - 1
            : list.length
          : Number(streamOptions.getRevision());
      records = backwards
        ? list.slice(0, Math.min(from, list.length - 1) + 1).reverse()
        : list.slice(Math.max(from, 0));
    } else {
      const all = options.getAll()!;
      const at = all.hasPosition() ? BigInt(all.getPosition()!.getCommitPosition()) : undefined;
      if (backwards) {
        const upTo = all.hasStart()
          ? []
          : at === undefined
            ? this.log
            : this.log.filter((r) => r.position < at);
        records = [...upTo].reverse();
      } else {
        records = all.hasEnd()
          ? []
          : at === undefined
            ? this.log
            : this.log.filter((r) => r.position >= at);
      }
    }
    let scanned = 0;
    for (const record of records) {
      if (remaining <= 0n) break;
      scanned += 1;
      if (!matches(record)) {
        if (checkpointEvery > 0 && scanned % checkpointEvery === 0)
          send(checkpoint(record.position));
        continue;
      }
      remaining -= 1n;
      if (!send(event(record, options.hasAll()))) await drained(call);
    }
    call.end();
  }
}

const STANDIN_NODE_ID = '5a1d0000-0000-4000-8000-000000000001';

function systemRecord(type: string, data: unknown) {
  return {
    id: randomUUID(),
    type,
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(data)),
    customMetadata: new Uint8Array(),
  };
}

function uuidText(uuid: UUID | undefined): string {
  if (!uuid) throw new Error('an event without an id');
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const s = uuid.getStructured()!;
  const hex = (v: string) => (BigInt(v) & ((1n << 64n) - 1n)).toString(16).padStart(16, '0');
  const ms = hex(s.getMostSignificantBits());
  const ls = hex(s.getLeastSignificantBits());
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-${ms.slice(12)}-${ls.slice(0, 4)}-${ls.slice(4)}`;
}

function uuidMessage(id: string, structured: boolean): UUID {
  const uuid = new UUID();
  if (!structured) {
    uuid.setString(id);
    return uuid;
  }
  const hex = id.replace(/-/g, '');
  const signed = (h: string) => BigInt.asIntN(64, BigInt(`0x${h}`)).toString();
  const s = new UUID.Structured();
  s.setMostSignificantBits(signed(hex.slice(0, 16)));
  s.setLeastSignificantBits(signed(hex.slice(16)));
  uuid.setStructured(s);
  return uuid;
}

function streamIdentifier(name: string): StreamIdentifier {
  const id = new StreamIdentifier();
  id.setStreamName(Buffer.from(name, 'utf8'));
  return id;
}

function recordedEvent(record: StoredRecord, structuredIds: boolean) {
  const event = new ReadResp.ReadEvent.RecordedEvent();
  event.setId(uuidMessage(record.id, structuredIds));
  event.setStreamIdentifier(streamIdentifier(record.stream));
  event.setStreamRevision(String(record.revision));
  event.setCommitPosition(String(record.position));
  event.setPreparePosition(String(record.position));
  const metadata = event.getMetadataMap();
  metadata.set('type', record.type);
  metadata.set('content-type', record.contentType);
  metadata.set('created', String(record.created));
  event.setCustomMetadata(record.customMetadata);
  event.setData(record.data);
  return event;
}

function checkpoint(position: bigint): ReadResp {
  const resp = new ReadResp();
  const c = new ReadResp.Checkpoint();
  c.setCommitPosition(String(position));
  c.setPreparePosition(String(position));
  resp.setCheckpoint(c);
  return resp;
}

function success(last: StoredRecord): AppendResp {
  const reply = new AppendResp();
  const ok = new AppendResp.Success();
  ok.setCurrentRevision(String(last.revision));
  const position = new AppendResp.Position();
  position.setCommitPosition(String(last.position));
  position.setPreparePosition(String(last.position));
  ok.setPosition(position);
  reply.setSuccess(ok);
  return reply;
}

/** The server's answer to a failed expectation: the stream's actual state and the expectation as sent. */
function wrongExpected(options: AppendReq.Options, current: bigint | undefined): AppendResp {
  const reply = new AppendResp();
  const wrong = new AppendResp.WrongExpectedVersion();
  if (current === undefined) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(String(current));
  const Case = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.REVISION:
      wrong.setExpectedRevision(options.getRevision());
      break;
    case Case.NO_STREAM:
      wrong.setExpectedNoStream(new Empty());
      break;
    case Case.STREAM_EXISTS:
      wrong.setExpectedStreamExists(new Empty());
      break;
    default:
      wrong.setExpectedAny(new Empty());
  }
  reply.setWrongExpectedVersion(wrong);
  return reply;
}

/** The server-side filter of a read or subscription: on stream name or event type, by prefixes or a regex. */
function filterOf(options: ReadReq.Options): (record: StoredRecord) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  return (record) => {
    const subject = onStream ? record.stream : record.type;
    if (prefixes.length > 0 && !prefixes.some((p) => subject.startsWith(p))) return false;
    if (regex && !regex.test(subject)) return false;
    return true;
  };
}

function drained(call: ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
  });
}

function unimplemented(name: string) {
  return (_call: unknown, done: sendUnaryData<unknown>) =>
    done({
      code: status.UNIMPLEMENTED,
      details: `${name} is not served by the KurrentDB stand-in`,
    });
}

function unimplementedStream(name: string) {
  return (call: { destroy(error: Error): void }) =>
    call.destroy(
      Object.assign(new Error(`${name} is not served by the KurrentDB stand-in`), {
        code: status.UNIMPLEMENTED,
      }),
    );
}
