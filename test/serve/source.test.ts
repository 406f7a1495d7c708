/** openSource: what SOURCE is, and an image reopened when it changes, each response from one version. */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/host/open-image.js';
import { openSource } from '../../src/serve/source.js';
import type { StoreFile } from '../../src/serve/store.js';
import { crunch } from '../../src/crunch/index.js';
import { tempDir } from '../crunch/helpers.js';
import { big, makeImage, writeSite } from './helpers.js';

let work: ReturnType<typeof tempDir>;
let site: string;

beforeAll(async () => {
  work = tempDir('fatkit-serve-source-');
  site = path.join(work.dir, 'site');
  writeSite(site);
  makeImage(site, path.join(work.dir, 'site.img'));
  await crunch(site, path.join(work.dir, 'mod'), { compress: false });
}, 60_000);
afterAll(() => work.remove());

async function drain(stream: ReadableStream<Uint8Array>, afterFirst?: () => void): Promise<Buffer> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    if (parts.length === 1) afterFirst?.();
  }
  return Buffer.concat(parts);
}

describe('openSource', () => {
  it('tells an image, a directory and a crunch output apart', async () => {
    for (const [source, kind] of [['site.img', 'image'], ['site', 'directory'], ['mod', 'crunch'], ['mod/index.js', 'crunch']]) {
      const s = await openSource(path.join(work.dir, source!));
      expect(s.kind, source).toBe(kind);
      expect((await s.store.stat('sub/index.html'))?.type).toBe('file');
      s.close();
    }
  });

  it('reopens a changed image; a stream begun before finishes whole on the old volume', async () => {
    const img = path.join(work.dir, 'live.img');
    fs.copyFileSync(path.join(work.dir, 'site.img'), img);
    const reopened: unknown[] = [];
    const s = await openSource(img, { onReopen: (e) => reopened.push(e) });
    expect(await s.store.stat('added.txt')).toBeUndefined();
    const bigFile = (await s.store.stat('big.bin')) as StoreFile;
    const body = drain(s.store.stream!(bigFile, 0, bigFile.size), () => {
      const v = openImage(img, { readOnly: false });
      v.writeFile('/added.txt', 'new');
      v.close();
      s.refresh();
    });
    expect((await body).equals(big)).toBe(true);
    expect(reopened).toEqual([undefined]);
    const added = (await s.store.stat('added.txt')) as StoreFile;
    expect(Buffer.from(await s.store.read(added, 0, added.size)).toString()).toBe('new');
    s.refresh(); // unchanged: nothing happens
    expect(reopened).toEqual([undefined]);
    s.close();
  });

  it('keeps the old view when the new file is not an image (and says why), then recovers', async () => {
    const img = path.join(work.dir, 'broken.img');
    fs.copyFileSync(path.join(work.dir, 'site.img'), img);
    const reopened: unknown[] = [];
    const s = await openSource(img, { onReopen: (e) => reopened.push(e) });
    const good = fs.readFileSync(img);
    // Replaced by rename, as fat make replaces an image: the old view keeps its own file.
    fs.writeFileSync(`${img}.tmp`, Buffer.alloc(4096));
    fs.renameSync(`${img}.tmp`, img);
    s.refresh();
    expect(reopened).toHaveLength(1);
    expect(reopened[0]).toBeInstanceOf(Error);
    expect((await s.store.stat('index.html'))?.type).toBe('file');
    fs.writeFileSync(`${img}.tmp`, good);
    fs.renameSync(`${img}.tmp`, img);
    s.refresh();
    expect(reopened).toEqual([reopened[0], undefined]);
    expect((await s.store.stat('index.html'))?.type).toBe('file');
    s.close();
  });
});
