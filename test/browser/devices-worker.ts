/**
 * Runs inside a dedicated worker in Chromium: the block-device conformance cases
 * (test/fat/device/conformance-cases.ts) against BlobDevice over real Blobs and FileReaderSync, and
 * OpfsDevice over real OPFS sync access handles, plus a volume across both. Posts one result per case.
 */
import { BlobDevice } from '../../src/fat/device/blob.js';
import type { BlockDevice } from '../../src/fat/device/block-device.js';
import { OpfsDevice, type SyncAccessHandle } from '../../src/fat/device/opfs.js';
import { mkfs } from '../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../src/fat/volume/volume.js';
import { casesFor, SECTOR_SIZES, SECTORS, type Check, type Factory, type Made } from '../fat/device/conformance-cases.js';

export interface CaseResult {
  key: string;
  ok: boolean;
  error?: string;
}

interface OpfsDir {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<{ name: string; getFile(): Promise<File>; createSyncAccessHandle(): Promise<SyncAccessHandle> }>;
  removeEntry(name: string): Promise<void>;
}

const show = (v: unknown): string => (v instanceof Uint8Array ? `<${v.length} bytes>` : JSON.stringify(v));

const check: Check = {
  equal(actual, expected, what) {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  },
  bytes(actual, expected, what = 'bytes') {
    if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
    for (let i = 0; i < actual.length; i++) {
      if (actual[i] !== expected[i]) throw new Error(`${what} differ first at offset ${i}: got 0x${actual[i].toString(16)}, expected 0x${expected[i].toString(16)}`);
    }
  },
  fail(message) {
    throw new Error(message);
  },
};

const blob: Factory = (ss, n, { init }) => {
  const bytes = init ? init.slice() : new Uint8Array(ss * n);
  const file = new File([bytes], 'dev.img');
  return { dev: new BlobDevice(file, { sectorSize: ss }), stored: () => bytes, storedAll: () => bytes, reopen: () => new BlobDevice(file, { sectorSize: ss }) };
};

let fileNo = 0;
const opfs = (root: OpfsDir): Factory => async (ss, n, { readOnly, init }) => {
  const fh = await root.getFileHandle(`dev-${fileNo++}.img`, { create: true });
  const h = await fh.createSyncAccessHandle();
  h.truncate(0);
  h.write(init ?? new Uint8Array(ss * n), { at: 0 });
  h.flush();
  const dev = OpfsDevice.open(h, { sectorSize: ss, readOnly, name: fh.name });
  // From outside the device: the handle itself while the device is open, the file once closed.
  const stored = async (): Promise<Uint8Array> => {
    if (!dev.closed) {
      const b = new Uint8Array(h.getSize());
      h.read(b, { at: 0 });
      return b;
    }
    return new Uint8Array(await (await fh.getFile()).arrayBuffer());
  };
  return { dev, stored, storedAll: stored, reopen: async () => OpfsDevice.open(await fh.createSyncAccessHandle(), { sectorSize: ss }) };
};

async function suite(name: string, make: Factory, readOnlyBackend: boolean, out: CaseResult[]): Promise<void> {
  for (const ss of SECTOR_SIZES) {
    for (const c of casesFor(readOnlyBackend)) {
      const opened: BlockDevice[] = [];
      const mk = async (options: { readOnly?: boolean; init?: Uint8Array } = {}): Promise<Made> => {
        const m = await make(ss, SECTORS, options);
        opened.push(m.dev);
        return m;
      };
      const key = `${name} (${ss}-byte sectors) ${c.name}`;
      try {
        await c.run({ ss, mk, check });
        out.push({ key, ok: true });
      } catch (e) {
        out.push({ key, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      } finally {
        for (const d of opened) d.close();
      }
    }
  }
}

/** mkfs and a file written through OpfsDevice, read back through BlobDevice over the OPFS file. */
async function volumeAcross(root: OpfsDir, out: CaseResult[]): Promise<void> {
  const key = 'a volume written on OPFS reads back through a Blob of the same file';
  try {
    const fh = await root.getFileHandle('volume.img', { create: true });
    const dev = OpfsDevice.create(await fh.createSyncAccessHandle(), 16 << 20, { name: fh.name });
    mkfs(dev, { label: 'BROWSER', volumeId: 0x12345678 });
    const w = Volume.open(dev);
    w.mkdir('/docs');
    w.writeFile('/docs/Read me.txt', 'written in a worker');
    w.close();
    dev.close();
    const r = Volume.open(new BlobDevice(await fh.getFile()));
    check.equal(r.readFile('/docs/Read me.txt', 'utf8'), 'written in a worker', 'file text');
    check.equal(r.info().label, 'BROWSER', 'label');
    r.close();
    out.push({ key, ok: true });
  } catch (e) {
    out.push({ key, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
}

async function main(): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const root = (await (navigator.storage as unknown as { getDirectory(): Promise<OpfsDir> }).getDirectory());
  await suite('BlobDevice', blob, true, out);
  await suite('OpfsDevice', opfs(root), false, out);
  await volumeAcross(root, out);
  return out;
}

main().then(
  (results) => postMessage({ results }),
  (e) => postMessage({ fatal: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
);
