#!/usr/bin/env node
// js-fatfs (ChaN's FatFs in wasm) building an image from a host tree through its API, whole process:
// format a fresh sparse image file of SIZE bytes with f_mkfs (FAT type and cluster size given, to match
// fatkit's choice), then walk DIR sorted, f_mkdir every directory, f_open/f_write every file in
// 1 MiB pieces. This build of js-fatfs has no f_utime (FF_USE_CHMOD 0), so entries get the
// current time: it skips the per-file stat that fatkit and `mcopy -m` do (a small advantage).
// Usage: node bench/build/jsfatfs-build.js IMG DIR SIZE_BYTES FAT_TYPE CLUSTER_BYTES
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as FatFs from 'js-fatfs';

const [image, from, sizeArg, fatArg, clusterArg] = process.argv.slice(2);
if (!clusterArg) {
  console.error('usage: jsfatfs-build.js IMG DIR SIZE_BYTES FAT_TYPE CLUSTER_BYTES');
  process.exit(2);
}
const size = Number(sizeArg);
const fatType = Number(fatArg);
const clusterBytes = Number(clusterArg);
const SS = 512;

fs.rmSync(image, { force: true });
const fd = fs.openSync(image, 'w+');
fs.ftruncateSync(fd, size);

const check = (r, what) => {
  if (r !== FatFs.FR_OK) throw new Error(`FatFs ${what}: error ${r}`);
};

/** DiskIO over the image file: positional reads and writes straight from/to the wasm heap. */
const diskio = {
  initialize: () => 0,
  status: () => 0,
  read(ff, pdrv, buff, sector, count) {
    const n = count * SS;
    fs.readSync(fd, ff.HEAPU8, buff, n, sector * SS);
    return FatFs.RES_OK;
  },
  write(ff, pdrv, buff, sector, count) {
    const n = count * SS;
    let done = 0;
    while (done < n) done += fs.writeSync(fd, ff.HEAPU8, buff + done, n - done, sector * SS + done);
    return FatFs.RES_OK;
  },
  ioctl(ff, pdrv, cmd, buff) {
    switch (cmd) {
      case FatFs.CTRL_SYNC: return FatFs.RES_OK;
      case FatFs.GET_SECTOR_COUNT: ff.setValue(buff, Math.floor(size / SS), 'i32'); return FatFs.RES_OK;
      case FatFs.GET_SECTOR_SIZE: ff.setValue(buff, SS, 'i16'); return FatFs.RES_OK;
      case FatFs.GET_BLOCK_SIZE: ff.setValue(buff, 1, 'i32'); return FatFs.RES_OK;
      case FatFs.CTRL_TRIM: return FatFs.RES_OK;
      default: return FatFs.RES_ERROR;
    }
  },
};

const ff = await FatFs.create({ diskio });
const WORK = 64 * 1024;
const work = ff.malloc(WORK);
check(ff.f_mkfs('', { fmt: (fatType === 32 ? FatFs.FM_FAT32 : FatFs.FM_FAT) | FatFs.FM_SFD, n_fat: 2, align: 0, n_root: 512, au_size: clusterBytes }, work, WORK), 'f_mkfs');
ff.free(work);
const fatfs = ff.malloc(FatFs.sizeof_FATFS);
check(ff.f_mount(fatfs, '', 1), 'f_mount');

const CHUNK = 1 << 20;
const buf = ff.malloc(CHUNK);
const fil = ff.malloc(FatFs.sizeof_FIL);
const bw = ff.malloc(4);
let files = 0;
let bytes = 0;
const walk = (hostDir, fatDir) => {
  const ents = fs.readdirSync(hostDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const subdirs = [];
  for (const e of ents) {
    const hp = path.join(hostDir, e.name);
    const fp = `${fatDir}/${e.name}`;
    if (e.isDirectory()) {
      check(ff.f_mkdir(fp), `f_mkdir ${fp}`);
      subdirs.push([hp, fp]);
      continue;
    }
    check(ff.f_open(fil, fp, FatFs.FA_WRITE | FatFs.FA_CREATE_ALWAYS), `f_open ${fp}`);
    const hfd = fs.openSync(hp, 'r');
    for (;;) {
      const n = fs.readSync(hfd, ff.HEAPU8, buf, CHUNK, null);
      if (n === 0) break;
      check(ff.f_write(fil, buf, n, bw), `f_write ${fp}`);
      if (ff.getValue(bw, 'i32') !== n) throw new Error(`f_write ${fp}: disk full`);
      bytes += n;
    }
    fs.closeSync(hfd);
    check(ff.f_close(fil), `f_close ${fp}`);
    files++;
  }
  for (const [hp, fp] of subdirs) walk(hp, fp);
};
walk(from, '');
check(ff.f_unmount(''), 'f_unmount');
fs.closeSync(fd);
if (process.env.JSFATFS_VERBOSE) console.log(`${files} files, ${bytes} bytes`);
