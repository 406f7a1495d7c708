/** Errors of a generated module: plain Errors with a Node-style `code` (ENOENT, EISDIR, ...). */
export interface CrunchError extends Error {
  code: string;
  path?: string;
}

export function crunchError(code: string, message: string, path?: string): CrunchError {
  const err = new Error(message) as CrunchError;
  err.code = code;
  if (path !== undefined) err.path = path;
  return err;
}
