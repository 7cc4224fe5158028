import { ValidationFailed } from '#libs/kernel';
import type { ChainStatus, ChainVerifier } from '../application/audit.ports';
import { verifyStreamChains, type StreamChainSource } from './stream-chains';

/**
 * `audit verify` on a backend whose events carry per-stream chains (KurrentDB): every stream's
 * chain is walked; the head is the log's last commit position and the digest of every stream's
 * head (`streamHeadsDigest`), which the gateway also logs. An expected head hash belongs to the
 * SQLite file's global chain and is refused here.
 */
export function streamChainVerifier(
  source: StreamChainSource & { headPosition(): Promise<bigint> },
): ChainVerifier {
  return {
    async verify(expectHead?: string): Promise<ChainStatus> {
      if (expectHead !== undefined)
        throw new ValidationFailed([
          {
            field: 'expectHead',
            message:
              'needs the global hash chain of a SQLite log; this gateway runs on KurrentDB, whose events carry per-stream chains (compare the logged stream heads digest with headHash instead)',
          },
        ]);
      const head = await source.headPosition();
      const report = await verifyStreamChains(source);
      const first = report.broken[0];
      return {
        chain: 'per-stream',
        intact: report.intact,
        events: report.events,
        headPosition: Number(head),
        headHash: report.headsDigest,
        streams: report.streams,
        broken: report.broken,
        limits: report.limits,
        ...(first
          ? {
              failure: 'chain' as const,
              reason: `stream ${first.stream} at revision ${first.revision}: ${first.reason}`,
            }
          : {}),
      };
    },
  };
}
