import { statSync, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'

/**
 * Why a path is not a regular file, asked before it is opened: reading
 * /dev/zero never ends, and opening a FIFO blocks until someone writes to it
 * (a `$ref` to either once hung start-up). Undefined for a regular file, or
 * for a path that cannot be stat'ed (the read that follows says why).
 */
export async function notRegularFile(file: string): Promise<string | undefined> {
  try {
    return describe(await stat(file))
  } catch {
    return undefined
  }
}

export function notRegularFileSync(file: string): string | undefined {
  try {
    return describe(statSync(file))
  } catch {
    return undefined
  }
}

function describe(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined
  const kind = stats.isDirectory()
    ? 'a directory'
    : stats.isFIFO()
      ? 'a named pipe (FIFO)'
      : stats.isCharacterDevice()
        ? 'a character device'
        : stats.isBlockDevice()
          ? 'a block device'
          : stats.isSocket()
            ? 'a socket'
            : 'not a regular file'
  return `is ${kind}, not a regular file: doorman reads only regular files`
}
