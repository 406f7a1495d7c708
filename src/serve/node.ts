/**
 * The Node http adapter: a `(req, res)` listener over answer(), reading the raw request target
 * (so `..` and `%2e` are seen, not resolved away) and streaming bodies with backpressure: a chunk
 * is pulled from the store only once the socket took the last one (a slow client holds its own
 * stream, never the others).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { directPullOf } from './chunked-stream.js';
import { STREAM_CHUNK, type CoreResponse } from './handle.js';
import { splitTarget } from './request-path.js';
import { answer, type ServeOptions } from './serve.js';
import type { ReadOnlyStore, StoreFile } from './store.js';

/**
 * Chunk buffers of direct pulls, recycled: a buffer goes back here once the socket has taken the
 * bytes written from it (the write's callback), so a large body costs no allocation per chunk
 * (fresh 256 KiB buffers are each mapped and faulted in by the kernel). At most POOL_MAX kept.
 */
const pool: Uint8Array[] = [];
const POOL_MAX = 32;
const recycle = (buffer: Uint8Array) => (): void => {
  if (pool.length < POOL_MAX) pool.push(buffer);
};

/** Wait until the socket took what it was given, or the client went away. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const go = (): void => {
      res.off('drain', go);
      res.off('close', go);
      resolve();
    };
    res.on('drain', go);
    res.on('close', go);
  });
}

/** Write a response; resolves when it is sent or the client went away. */
export async function writeNodeResponse(res: ServerResponse, result: CoreResponse): Promise<void> {
  // One writeHead with the whole set (headers set on res before, by a middleware, still count).
  res.writeHead(result.status, result.headers);
  const body = result.body;
  if (body === null || body instanceof Uint8Array) {
    res.end(body ?? undefined);
    return;
  }
  let gone = false;
  const onClose = (): void => {
    gone = true;
  };
  res.once('close', onClose);
  // A stream of ours (chunked-stream.ts) is pulled directly, one synchronous read per chunk;
  // any other goes through its reader. The same backpressure either way.
  const direct = directPullOf(body);
  const reader = direct ? undefined : body.getReader();
  try {
    while (!gone) {
      let chunk: Uint8Array | null;
      let taken: Uint8Array | undefined;
      if (direct) {
        taken = pool.pop() ?? new Uint8Array(STREAM_CHUNK);
        chunk = direct.next(taken);
      } else {
        const { done, value } = await reader!.read();
        chunk = done ? null : value;
      }
      if (chunk === null || gone) {
        if (taken) recycle(taken)();
        break;
      }
      const written = taken ? res.write(chunk, recycle(taken)) : res.write(chunk);
      if (!written) await drained(res);
    }
    if (gone) {
      if (direct) direct.cancel();
      else await reader!.cancel();
    } else res.end();
  } catch {
    res.destroy();
    if (direct) direct.cancel();
    else await reader!.cancel().catch(() => undefined);
  } finally {
    res.off('close', onClose);
  }
}

/** A node:http request listener serving `store`. */
export function nodeHandler<F extends StoreFile>(store: ReadOnlyStore<F>, options: ServeOptions<F> = {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const target = splitTarget(req.url ?? '/');
    const header = (name: string): string | null => {
      const v = req.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    };
    // A target that is neither origin- nor absolute-form names no file: the 404 path answers it.
    const core = { method: req.method ?? 'GET', path: target?.path ?? '', search: target?.search ?? '', header };
    void answer(store, core, options).then((result) => writeNodeResponse(res, result));
  };
}
