import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TlsConfigError } from './tls-config-error';

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** A directory only this user can enter; an existing one is narrowed to that. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (((await stat(dir)).mode & 0o777) !== PRIVATE_DIR_MODE) await chmod(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    throw new TlsConfigError(
      `cannot create ${dir} for the generated TLS certificate: ${describeFsError(error)}`,
    );
  }
}

/** The file's text, or `undefined` when it does not exist; a file others can read is narrowed. */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, PRIVATE_FILE_MODE);
    return text;
  } catch (error) {
    if (fsCode(error) === 'ENOENT') return undefined;
    throw new TlsConfigError(`cannot read ${path}: ${describeFsError(error)}`);
  }
}

/**
 * Writes a file readable by this user only, all at once: a reader (or a restart after a crash)
 * sees the old content or the new, never half of it.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await syncDir(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    throw new TlsConfigError(`cannot write ${path}: ${describeFsError(error)}`);
  }
}

/** Makes a rename durable; a platform that cannot open a directory simply skips it. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // fsync of a directory is refused on some file systems; the rename itself still happened
  } finally {
    await handle.close();
  }
}

export function fsCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** "does not exist", "permission denied", ...: the words a person needs, not an errno. */
export function describeFsError(error: unknown): string {
  switch (fsCode(error)) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
