/** Web streams over a file's chunks and over a file handle (Node 18+, browsers, workers). */
import type { FileHandle } from './file-handle.js';

/** A ReadableStream pulling from `chunks`; cancelling it ends the generator. */
export function readableOf(chunks: Generator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        const r = chunks.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        controller.error(e);
      }
    },
    cancel() {
      chunks.return(undefined);
    },
  });
}

/** A WritableStream writing to `handle`, which it closes when the stream closes or aborts. */
export function writableOf(handle: FileHandle): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write(chunk) {
      handle.write(chunk);
    },
    close() {
      handle.close();
    },
    abort() {
      handle.close();
    },
  });
}
