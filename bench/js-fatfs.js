// js-fatfs (ChaN's FatFs in wasm) as the benches drive it: one instance per process over an
// in-memory image, and writing a tree through f_mkdir / f_open / f_write / f_close.
import * as FatFs from 'js-fatfs';

const SS = 512;
/** The image the instance's disk reads and writes; jsFatfsOn points it at each run's own copy. */
const disk = { bytes: new Uint8Array(0) };
let instance;

export const checkFr = (r, what) => {
  if (r !== FatFs.FR_OK) throw new Error(`js-fatfs ${what}: error ${r}`);
};

/**
 * The process's js-fatfs instance, its disk now `image` (512-byte sectors). One instance, as a
 * program keeps one: a fresh wasm instance per run would time FatFs's code before the engine has
 * optimised it (its first runs are ~2x slower). Instantiating it is not timed by the benches.
 */
export async function jsFatfsOn(image) {
  disk.bytes = image;
  instance ??= await FatFs.create({
    diskio: {
      initialize: () => 0,
      status: () => 0,
      read(ff, pdrv, buff, sector, count) {
        ff.HEAPU8.set(disk.bytes.subarray(sector * SS, (sector + count) * SS), buff);
        return FatFs.RES_OK;
      },
      write(ff, pdrv, buff, sector, count) {
        disk.bytes.set(ff.HEAPU8.subarray(buff, buff + count * SS), sector * SS);
        return FatFs.RES_OK;
      },
      ioctl(ff, pdrv, cmd, buff) {
        switch (cmd) {
          case FatFs.CTRL_SYNC: return FatFs.RES_OK;
          case FatFs.GET_SECTOR_COUNT: ff.setValue(buff, disk.bytes.length / SS, 'i32'); return FatFs.RES_OK;
          case FatFs.GET_SECTOR_SIZE: ff.setValue(buff, SS, 'i16'); return FatFs.RES_OK;
          case FatFs.GET_BLOCK_SIZE: ff.setValue(buff, 1, 'i32'); return FatFs.RES_OK;
          default: return FatFs.RES_ERROR;
        }
      },
    },
  });
  return instance;
}

/** Mount, make every directory of `dirs` (parents first), write every `{ path, data }` of `files`, unmount. */
export function jsFatfsWriteTree(ff, dirs, files) {
  const fatfs = ff.malloc(FatFs.sizeof_FATFS);
  const fil = ff.malloc(FatFs.sizeof_FIL);
  const bw = ff.malloc(4);
  const buf = ff.malloc(Math.max(1, ...files.map((f) => f.data.length)));
  checkFr(ff.f_mount(fatfs, '', 1), 'f_mount');
  for (const d of dirs) checkFr(ff.f_mkdir(d), `f_mkdir ${d}`);
  for (const f of files) {
    checkFr(ff.f_open(fil, f.path, FatFs.FA_WRITE | FatFs.FA_CREATE_ALWAYS), `f_open ${f.path}`);
    ff.HEAPU8.set(f.data, buf);
    checkFr(ff.f_write(fil, buf, f.data.length, bw), `f_write ${f.path}`);
    if (ff.getValue(bw, 'i32') !== f.data.length) throw new Error(`js-fatfs f_write ${f.path}: disk full`);
    checkFr(ff.f_close(fil), `f_close ${f.path}`);
  }
  checkFr(ff.f_unmount(''), 'f_unmount');
  for (const p of [buf, bw, fil, fatfs]) ff.free(p);
}
