/**
 * Issue 12 item 15: one JSON shape per field across commands (the volume id is `ABCD-1234` in
 * info and make; absent fields are null), and errors under --json are JSON on stdout,
 * `{ "error": { "code", "message" } }`, with the same exit status and the usual line on stderr.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatCli, scratchDir } from './cli-helpers.js';

describe('--json', () => {
  let dir: string;
  const at = (name: string): string => nodePath.join(dir, name);
  beforeAll(() => {
    dir = scratchDir();
    fs.writeFileSync(at('junk.img'), Buffer.alloc(64 * 1024, 0x5a));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const json = (args: string[]): { status: number | null; out: Record<string, unknown>; stderr: string } => {
    const r = fatCli(args);
    return { status: r.status, out: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
  };

  it('gives the volume id one shape, ABCD-1234, in make and info, and --volume-id takes it back', () => {
    const made = json(['make', at('a.img'), '--size', '1M', '--volume-id', 'deadbeef', '--json']);
    expect(made.status).toBe(0);
    const info = json(['info', at('a.img'), '--json']);
    expect(info.status).toBe(0);
    expect(made.out.volumeId).toBe('DEAD-BEEF');
    expect(info.out.volumeId).toBe('DEAD-BEEF');
    expect(info.out).not.toHaveProperty('volumeIdHex');
    // Every field both print has the same value and type in both.
    for (const k of Object.keys(made.out).filter((key) => key in info.out)) expect([k, info.out[k]]).toEqual([k, made.out[k]]);
    expect(made.out.label).toBeNull();
    expect(info.out.label).toBeNull();
    expect(info.out.fsInfo).toBeNull();
    const again = json(['make', at('b.img'), '--size', '1M', '--volume-id', String(info.out.volumeId), '--json']);
    expect(again.out.volumeId).toBe('DEAD-BEEF');
    const labelled = json(['make', at('c.img'), '--size', '600M', '--fat', '32', '--label', 'DATA', '--json']);
    const labelledInfo = json(['info', at('c.img'), '--json']);
    expect([labelled.out.label, labelledInfo.out.label]).toEqual(['DATA', 'DATA']);
    expect(labelledInfo.out.fsInfo).toMatchObject({ freeCount: expect.any(Number), nextFree: expect.any(Number) });
    expect(labelledInfo.out.volumeId).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
  });

  it('prints errors as { error: { code, message } } on stdout, with the exit status and stderr line of the plain run', () => {
    const cases: Array<[string[], number, string]> = [
      [['check', at('missing.img'), '--json'], 1, 'ENOENT'],
      [['info', at('missing.img'), '--json'], 1, 'ENOENT'],
      [['list', at('junk.img'), '--json'], 1, 'FAT_NOT_FAT'],
      [['list', at('a.img'), '/nothere', '--json'], 1, 'ENOENT'],
      [['list', at('a.img'), '--json', '--depth', '0'], 2, 'USAGE'],
      [['--json', 'info', at('a.img'), '--frob'], 2, 'USAGE'],
      [['make', at('a.img'), '--size', '1M', '--json'], 1, 'FAILED'],
      [['make', at('n.img'), '--size', '1M', '--cluster-size', '3000', '--json'], 2, 'USAGE'],
      [['make', at('n.img'), '--from', at('no-such-dir'), '--json'], 1, 'ENOENT'],
    ];
    for (const [args, status, code] of cases) {
      const plain = fatCli(args.filter((a) => a !== '--json'));
      const r = fatCli(args);
      const what = args.join(' ');
      expect({ what, status: r.status }).toEqual({ what, status });
      expect({ what, status: plain.status }).toEqual({ what, status });
      const message = r.stderr.replace(/^fat: /, '').replace(/ \(see --help\)\n$|\n$/, '');
      expect({ what, out: JSON.parse(r.stdout) }).toEqual({ what, out: { error: { code, message } } });
      expect(r.stderr, what).toMatch(/^fat: [^\n]+\n$/);
      if (status === 1) expect(r.stderr, what).toBe(plain.stderr);
    }
    expect(fs.existsSync(at('n.img'))).toBe(false);
  });

  it('keeps check --json a report for an image that is not FAT (a BOOT_SECTOR problem, exit 1)', () => {
    const r = json(['check', at('junk.img'), '--json']);
    expect(r.status).toBe(1);
    expect(r.out).toMatchObject({ clean: false, problems: [{ code: 'BOOT_SECTOR' }] });
  });
});
