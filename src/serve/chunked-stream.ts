/** A ReadableStream of bytes [start, end) of something read at a position, pulled a chunk at a time. */
import { STREAM_CHUNK } from './handle.js';

/**
 * `readAt(into, position)` fills `into` from `position` and returns the count (0 at the end).
 * Nothing is read before the consumer asks (highWaterMark 0): a slow client holds one chunk.
 * `close` runs once, at the end, on an error or when the consumer cancels.
 */
export function chunkedStream(readAt: (into: Uint8Array, position: number) => number, start: number, end: number, close: () => void): ReadableStream<Uint8Array> {
  let pos = start;
  let open = true;
  const done = (): void => {
    if (!open) return;
    open = false;
    close();
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        const out = new Uint8Array(Math.min(STREAM_CHUNK, end - pos));
        const n = out.length === 0 ? 0 : readAt(out, pos);
        pos += n;
        if (n > 0) controller.enqueue(n === out.length ? out : out.subarray(0, n));
        if (n === 0 || pos >= end) {
          done();
          controller.close();
        }
      } catch (e) {
        done();
        controller.error(e);
      }
    },
    cancel: done,
  }, { highWaterMark: 0 });
}
