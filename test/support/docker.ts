import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const HTTPD_IMAGE = 'lan-httpd-test:1';
/** The toolbox fixtures' image (test/fixtures/toolbox/image around busybox-static). */
export const TOOLBOX_IMAGE = 'lan-toolbox-test:1';
/** Compose templates the toolbox tests deploy. */
export const TOOLBOX_CATALOG = resolve(__dirname, '../fixtures/toolbox/catalog');

const docker = (args: string[]) =>
  execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  }).trim();

/**
 * Whether a Docker engine answers. In CI one must (`.ci/run` starts it): its absence fails the
 * tests there; on a workstation without one they are skipped, saying why.
 */
export function dockerAvailable(): boolean {
  try {
    docker(['info', '--format', '{{.ServerVersion}}']);
    return true;
  } catch {
    if (process.env['CI'])
      throw new Error('CI must provide a Docker engine (.ci/run starts dockerd)');
    return false;
  }
}

/** A web server image built locally (its name must not contain "nekzus": discovery skips those) (no registry is reachable): `FROM scratch` around busybox-static's httpd. */
export function buildHttpdImage(): void {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox)
    throw new Error(
      'busybox-static is needed to build the test image (apt-get install busybox-static)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'nekzus-img-'));
  try {
    copyFileSync(busybox, join(dir, 'busybox'));
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www', 'index.html'), '<h1>hello from a container</h1>\n');
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'COPY www /www',
        'EXPOSE 8080',
        'ENTRYPOINT ["/bin/busybox"]',
        'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      ].join('\n'),
    );
    docker(['build', '-q', '-t', HTTPD_IMAGE, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runContainer(
  name: string,
  labels: Record<string, string>,
  extra: string[] = [],
): string {
  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  return docker(['run', '-d', '--name', name, ...labelArgs, ...extra, HTTPD_IMAGE]);
}

export function removeContainer(name: string): void {
  try {
    docker(['rm', '-f', name]);
  } catch {
    // already gone
  }
}

export function stopContainer(name: string): void {
  docker(['stop', '-t', '1', name]);
}

export function startContainer(name: string): void {
  docker(['start', name]);
}

/** The fixture image: busybox's httpd with CGI scripts, built locally (no registry is reachable). */
export function buildToolboxImage(): void {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox-static is needed (apt-get install busybox-static)');
  const dir = mkdtempSync(join(tmpdir(), 'toolbox-img-'));
  try {
    cpSync(resolve(__dirname, '../fixtures/toolbox/image'), dir, { recursive: true });
    cpSync(busybox, join(dir, 'busybox'));
    docker(['build', '-q', '-t', TOOLBOX_IMAGE, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
