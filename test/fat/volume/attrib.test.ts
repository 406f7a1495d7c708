/** Showing and changing attributes as mattrib does (issue 18: fat attrib). */
import { describe, expect, it } from 'vitest';
import { ATTR, FatError, Volume, attrib, type MemoryDevice } from '../../../src/index.js';
import { freshVolume } from './fragment-helpers.js';

const { READ_ONLY: R, HIDDEN: H, SYSTEM: S, ARCHIVE: A, DIRECTORY: D } = ATTR;

function tree(): { vol: Volume; dev: MemoryDevice } {
  const { dev, vol } = freshVolume(16);
  vol.setLabel('DATA');
  vol.mkdir('/d/e', { recursive: true });
  vol.writeFile('/d/e/f', 'f');
  vol.writeFile('/d/g', 'g');
  vol.writeFile('/top', 't');
  return { dev, vol };
}

const shown = (vol: Volume, paths: string[], recursive = false) => attrib(vol, paths, { recursive }).map((e) => [e.path, e.attributes]);

describe('attrib', () => {
  it('shows each path itself; recursive adds what is below, each directory before its contents', () => {
    const { vol } = tree();
    expect(shown(vol, ['/D', '/top'])).toEqual([['/d', D], ['/top', A]]);
    expect(shown(vol, ['/d'], true)).toEqual([['/d', D], ['/d/e', D], ['/d/e/f', A], ['/d/g', A]]);
    expect(shown(vol, ['/'])).toEqual([['/', D]]);
    expect(shown(vol, ['/'], true).map(([p]) => p)).toEqual(['/', '/d', '/d/e', '/d/e/f', '/d/g', '/top']);
    expect(attrib(vol, ['/d/g'])[0]).toEqual({ path: '/d/g', attributes: A, isDirectory: false });
    vol.close();
  });

  it('sets and clears bits, keeps the directory bit, leaves the root and the label alone', () => {
    const { vol } = tree();
    const after = attrib(vol, ['/'], { recursive: true, change: { hidden: true, system: true, archive: false } });
    expect(after.map((e) => [e.path, e.attributes])).toEqual([
      ['/', D], ['/d', D | H | S], ['/d/e', D | H | S], ['/d/e/f', H | S], ['/d/g', H | S], ['/top', H | S],
    ]);
    attrib(vol, ['/top'], { change: { readOnly: true, hidden: false } });
    expect(vol.stat('/top').attributes).toBe(R | S);
    expect(vol.info().label).toBe('DATA');
    expect(vol.readdir('/')).toEqual(['d', 'top']);
    vol.close();
  });

  it('changes survive a remount', () => {
    const { dev, vol } = tree();
    attrib(vol, ['/d/g'], { change: { readOnly: true } });
    vol.close();
    const v = Volume.open(dev, { readOnly: true });
    expect(v.stat('/d/g').attributes).toBe(A | R);
    v.close();
  });

  it('checks every path before changing anything', () => {
    const { vol } = tree();
    expect(() => attrib(vol, ['/top', '/missing'], { change: { hidden: true } })).toThrow(FatError);
    expect(vol.stat('/top').attributes).toBe(A);
    vol.close();
  });

  it('an empty change writes nothing (a read-only volume is fine); a change there is EROFS', () => {
    const { dev, vol } = tree();
    vol.close();
    const v = Volume.open(dev, { readOnly: true });
    expect(attrib(v, ['/top'], { change: {} })).toEqual([{ path: '/top', attributes: A, isDirectory: false }]);
    expect(() => attrib(v, ['/top'], { change: { hidden: true } })).toThrow(expect.objectContaining({ code: 'EROFS' }));
    v.close();
  });
});
