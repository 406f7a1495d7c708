/**
 * The tree the in-place resize crash tests write, and the check that it survived: shared by
 * resize-crash.test.ts and resize-crash-fat2.test.ts.
 */
import { MemoryDevice, Volume, type BlockDevice } from '../../../src/index.js';

/** `n` bytes of a pattern of its own for each `k`. */
export const bytes = (n: number, k: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + k * 13 + (i >> 8)) & 0xff);

/**
 * A deep directory tree and files in the first clusters, with a hole where a file was removed;
 * with `padClusterBytes`, data near the volume's end too (so that a shrink must move it). Returns
 * each file's path and bytes.
 */
export function writeCrashTree(vol: Volume, padClusterBytes?: number): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const put = (p: string, data: Uint8Array): void => {
    vol.mkdir(p.slice(0, p.lastIndexOf('/')) || '/', { recursive: true });
    vol.writeFile(p, data);
    files.set(p, data);
  };
  put('/a/b/c/deep.txt', bytes(700, 1));
  put('/a/first.bin', bytes(3000, 2));
  for (let i = 0; i < 12; i++) put(`/a/b/f${i}.dat`, bytes(900 + i * 300, 3 + i));
  put('/gone1.bin', bytes(5000, 30));
  put('/a/b/c/more.txt', bytes(1500, 31));
  put('/x/y/Long Name In Y.txt', bytes(2500, 32));
  vol.rm('/gone1.bin');
  files.delete('/gone1.bin');
  if (padClusterBytes !== undefined) {
    const free = vol.info().freeClusters;
    vol.writeFile('/pad.bin', new Uint8Array((free - 40) * padClusterBytes));
    put('/x/late.bin', bytes(6000, 40));
    put('/late dir/z.txt', bytes(800, 41));
    vol.rm('/pad.bin');
  }
  return files;
}

/** Every file read back from the volume on `dev` (or an image's bytes): one line per file that fails or differs. */
export function verifyFiles(dev: BlockDevice | Uint8Array, files: Map<string, Uint8Array>): string[] {
  const out: string[] = [];
  const vol = Volume.open(dev instanceof Uint8Array ? new MemoryDevice(dev, { readOnly: true }) : dev, { readOnly: true });
  try {
    for (const [p, data] of files) {
      let got: Uint8Array | undefined;
      try {
        got = vol.readFile(p) as Uint8Array;
      } catch (e) {
        out.push(`${p}: ${(e as Error).message}`);
        continue;
      }
      if (Buffer.compare(got, data) !== 0) out.push(`${p}: content differs`);
    }
  } finally {
    vol.close();
  }
  return out;
}
