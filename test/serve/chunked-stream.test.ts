import { describe, expect, it } from 'vitest';
import { chunkedStream } from '../../src/serve/chunked-stream.js';
import { STREAM_CHUNK } from '../../src/serve/handle.js';

describe('chunkedStream', () => {
  it('reads only what the consumer pulls (backpressure), and closes once when cancelled', async () => {
    const reads: number[] = [];
    let closed = 0;
    const size = STREAM_CHUNK * 10;
    const stream = chunkedStream((into, position) => {
      reads.push(position);
      into.fill(position / STREAM_CHUNK);
      return into.length;
    }, 0, size, () => closed++);
    const reader = stream.getReader();
    await new Promise((r) => setTimeout(r, 10));
    expect(reads).toEqual([]);
    const first = await reader.read();
    expect([first.value!.length, first.value![0]]).toEqual([STREAM_CHUNK, 0]);
    await new Promise((r) => setTimeout(r, 10));
    expect(reads).toEqual([0]);
    await reader.cancel();
    await reader.cancel();
    expect(closed).toBe(1);
  });

  it('gives exactly [start, end), stops early at the end of the data, and closes on errors', async () => {
    const data = Uint8Array.from({ length: STREAM_CHUNK * 2 + 7 }, (_, i) => i & 0xff);
    const readAt = (into: Uint8Array, position: number): number => {
      const part = data.subarray(position, position + into.length);
      into.set(part);
      return part.length;
    };
    let closed = 0;
    const got = new Uint8Array(await new Response(chunkedStream(readAt, 5, data.length, () => closed++)).arrayBuffer());
    expect([got.length, got[0], closed]).toEqual([data.length - 5, 5, 1]);
    const short = new Uint8Array(await new Response(chunkedStream(readAt, 0, data.length + 100, () => closed++)).arrayBuffer());
    expect([short.length, closed]).toEqual([data.length, 2]);
    const failing = chunkedStream(() => {
      throw new Error('EIO');
    }, 0, 10, () => closed++);
    await expect(new Response(failing).arrayBuffer()).rejects.toThrow('EIO');
    expect(closed).toBe(3);
  });
});
