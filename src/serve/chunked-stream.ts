/** A ReadableStream of bytes [start, end) of something read at a position, pulled a chunk at a time. */
import { STREAM_CHUNK } from './handle.js';

/**
 * The same chunks without Web Streams: node.ts pulls a chunked stream through this (one call per
 * chunk, no promise, no controller), which is most of the cost of a large body besides the copy.
 * `next()` gives the next chunk, or null at the end; `cancel()` ends it. Either way of reading
 * moves the same position, so a stream is read one way or the other, never both.
 */
export interface DirectPull {
  /** `into` (when given and large enough) is read into instead of a new buffer: a consumer that recycles buffers. */
  next(into?: Uint8Array): Uint8Array | null;
  cancel(): void;
}

const DIRECT = Symbol('fatkit.serve.directPull');

/** The direct pull of a stream chunkedStream made and nobody has started reading, if it is one. */
export function directPullOf(body: ReadableStream<Uint8Array>): DirectPull | undefined {
  const direct = (body as { [DIRECT]?: DirectPull })[DIRECT];
  return direct !== undefined && !body.locked ? direct : undefined;
}

/**
 * `readAt(into, position)` fills `into` from `position` and returns the count (0 at the end).
 * Nothing is read before the consumer asks (highWaterMark 0): a slow client holds one chunk.
 * `close` runs once, at the end, on an error or when the consumer cancels. `allocate` makes each
 * chunk's buffer (Node: Buffer.allocUnsafe, which skips zeroing bytes the read overwrites; only
 * the bytes read are ever handed on).
 */
export function chunkedStream(
  readAt: (into: Uint8Array, position: number) => number,
  start: number,
  end: number,
  close: () => void,
  allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
): ReadableStream<Uint8Array> {
  let pos = start;
  let open = true;
  const done = (): void => {
    if (!open) return;
    open = false;
    close();
  };
  const direct: DirectPull = {
    next(into) {
      if (!open) return null;
      try {
        const want = Math.min(STREAM_CHUNK, end - pos);
        if (want <= 0) {
          done();
          return null;
        }
        const out = into !== undefined && into.length >= want ? into.subarray(0, want) : allocate(want);
        const n = readAt(out, pos);
        pos += n;
        if (n === 0) {
          done();
          return null;
        }
        if (pos >= end) done();
        return n === out.length ? out : out.subarray(0, n);
      } catch (e) {
        done();
        throw e;
      }
    },
    cancel: done,
  };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        const chunk = direct.next();
        if (chunk !== null) controller.enqueue(chunk);
        if (!open) controller.close();
      } catch (e) {
        controller.error(e);
      }
    },
    cancel: done,
  }, { highWaterMark: 0 });
  Object.defineProperty(stream, DIRECT, { value: direct });
  return stream;
}
