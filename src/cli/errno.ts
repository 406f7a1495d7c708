/** A host error (ENOENT opening IMG, EACCES writing OUT, ENOSPC on stdout, ...) in a few words. */
export function systemMessage(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'not a directory';
    case 'EEXIST': return 'already exists';
    case 'ENOSPC': return 'no space left on the host device';
    case 'EIO': return 'input/output error';
    default: return `${e.code?.toLowerCase()}: ${e.message.replace(/^[A-Z]+: /, '').split(',')[0]}`;
  }
}
