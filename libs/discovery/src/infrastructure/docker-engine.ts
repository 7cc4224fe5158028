import { createRequire } from 'node:module';
import type Docker from 'dockerode';

const load = createRequire(__filename);
let dockerode: typeof Docker | undefined;

/**
 * A client for the Docker engine at `socketPath` (`unix:///…`, a bare socket path, or
 * `tcp://host:port`). dockerode and its dependencies (~6 MB of heap, ~0.25 s to load here)
 * are loaded on the first call, so a gateway that never talks to Docker never loads them.
 */
export function dockerEngine(socketPath: string): Docker {
  dockerode ??= load('dockerode') as typeof Docker;
  return new dockerode(dockerOptions(socketPath));
}

function dockerOptions(socketPath: string): Docker.DockerOptions {
  if (socketPath.startsWith('unix://')) return { socketPath: socketPath.slice('unix://'.length) };
  if (socketPath.startsWith('/')) return { socketPath };
  const url = new URL(socketPath.replace(/^tcp:/, 'http:'));
  return {
    host: url.hostname,
    port: Number(url.port || 2375),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  };
}
