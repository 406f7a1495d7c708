/** Error codes: Node-style for file-system operations, FAT_* for image problems. */
export type FatErrorCode =
  | 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'ENAMETOOLONG'
  | 'EINVAL' | 'EROFS' | 'EIO' | 'EFBIG' | 'EBADF' | 'EBUSY'
  | 'FAT_NOT_FAT' | 'FAT_CORRUPT' | 'FAT_UNSAFE_PATH' | 'FAT_UNSUPPORTED';

export interface FatErrorDetails {
  /** The path the operation was about, when there is one. */
  path?: string;
  /** The on-disk structure involved in a FAT_CORRUPT error ("boot sector", "FAT", "directory", ...). */
  structure?: string;
  sector?: number;
  cluster?: number;
  cause?: unknown;
}

/** Every error the library throws on purpose. Messages are one line, lower case. */
export class FatError extends Error {
  readonly code: FatErrorCode;
  readonly path?: string;
  readonly structure?: string;
  readonly sector?: number;
  readonly cluster?: number;

  constructor(code: FatErrorCode, message: string, details: FatErrorDetails = {}) {
    // One line, whatever a hostile image put in its names: control characters are shown escaped.
    super(oneLine(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FatError';
    this.code = code;
    if (details.path !== undefined) this.path = details.path;
    if (details.structure !== undefined) this.structure = details.structure;
    if (details.sector !== undefined) this.sector = details.sector;
    if (details.cluster !== undefined) this.cluster = details.cluster;
  }
}

/** Control characters (newlines from damaged names, escapes) shown as \xNN. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function isFatError(e: unknown, code?: FatErrorCode): e is FatError {
  return e instanceof FatError && (code === undefined || e.code === code);
}

/** A FAT_CORRUPT error naming the structure (and cluster or sector) that is wrong. */
export function corrupt(structure: string, message: string, where: { sector?: number; cluster?: number } = {}): FatError {
  return new FatError('FAT_CORRUPT', `corrupt ${structure}: ${message}`, { structure, ...where });
}
