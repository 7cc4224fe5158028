/** Who asked for a change, and how it is correlated; becomes the metadata of every event it causes. */
export interface CommandContext {
  correlationId: string;
  causationId?: string;
  actor: {
    kind: 'admin' | 'device' | 'apikey' | 'anonymous' | 'system' | 'discovery' | 'config';
    id: string;
  };
  sourceIp?: string;
}
