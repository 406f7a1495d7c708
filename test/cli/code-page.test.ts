/**
 * Issue 12 item 12: the global --code-page reaches `fat make --from` (its short names were always
 * CP437: `SØN.TXT` got `S_N~1.TXT` under cp850 where `fat add` gives `SØN~1.TXT`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatCli, haveOracles, oracleEnv, scratchDir, writeHostTree } from './cli-helpers.js';

interface Listed { path: string; shortName: string }

describe('fat make --from --code-page', () => {
  let dir: string;
  const at = (name: string): string => nodePath.join(dir, name);
  beforeAll(() => {
    dir = scratchDir();
    writeHostTree(at('tree'), { 'SØN.TXT': 'son', 'Ærø ferry.txt': 'ferry' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const shortNames = (img: string, page: string): Record<string, string> => {
    const r = fatCli(['--code-page', page, 'list', img, '--json']);
    expect(r.status, r.stderr).toBe(0);
    return Object.fromEntries((JSON.parse(r.stdout) as Listed[]).map((e) => [e.path, e.shortName]));
  };

  it('stores the short names fat add stores, in the chosen code page, wherever the option is written', () => {
    expect(fatCli(['--code-page', 'cp850', 'make', at('before.img'), '--from', at('tree')]).status).toBe(0);
    expect(fatCli(['make', at('after.img'), '--from', at('tree'), '--code-page', 'cp850']).status).toBe(0);
    expect(fatCli(['make', at('added.img'), '--size', '1M']).status).toBe(0);
    const add = fatCli(['--code-page', 'cp850', 'add', at('added.img'), at('tree/SØN.TXT'), at('tree/Ærø ferry.txt')]);
    expect(add.status, add.stderr).toBe(0);

    const want = { '/SØN.TXT': 'SØN~1.TXT', '/Ærø ferry.txt': 'ÆRØFER~1.TXT' };
    expect(shortNames(at('added.img'), 'cp850')).toEqual(want);
    expect(shortNames(at('before.img'), 'cp850')).toEqual(want);
    expect(shortNames(at('after.img'), 'cp850')).toEqual(want);
    // The stored bytes: Ø is 0x9D and Æ 0x92 in CP850 (in CP437 they are ¥ and Æ).
    const bytes = fs.readFileSync(at('before.img'));
    expect(bytes.includes(Buffer.from([0x53, 0x9d, 0x4e, ...Buffer.from('~1   TXT')]))).toBe(true);
    expect(bytes.includes(Buffer.from('S_N~1   TXT'))).toBe(false);
    // CP437 stays the default: Ø has no CP437 code, so the name is lossy there.
    expect(fatCli(['make', at('437.img'), '--from', at('tree')]).status).toBe(0);
    expect(shortNames(at('437.img'), 'cp437')['/SØN.TXT']).toBe('S_N~1.TXT');
  });

  it.runIf(haveOracles)('mtools (CP850 by default) reads the names back', () => {
    const r = spawnSync('mdir', ['-i', at('before.img'), '::/'], { encoding: 'utf8', env: oracleEnv });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SØN~1 +TXT .* SØN\.TXT$/m);
    expect(r.stdout).toMatch(/^ÆRØFER~1 TXT .* Ærø ferry\.txt$/m);
  });
});
