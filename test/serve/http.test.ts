import { describe, expect, it } from 'vitest';
import { chooseEncoding, httpDate, parseEtagList, parseHttpDate, parseRange, strongMatch, weakMatch } from '../../src/serve/http.js';
import { safeSegments } from '../../src/serve/request-path.js';

describe('parseRange', () => {
  it('reads one byte range and clamps its end', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes = 2 - 4', 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange('BYTES=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
  });
  it('knows unsatisfiable ranges from ones to ignore', () => {
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=10-12', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-1', 0)).toBe('unsatisfiable');
    for (const ignored of ['bytes=5-2', 'bytes=-', 'bytes=0-1,3-4', 'items=0-1', 'bytes=a-b', '']) expect(parseRange(ignored, 10), ignored).toBeUndefined();
  });
});

describe('chooseEncoding', () => {
  const stored = ['br', 'gzip'] as const;
  it('takes the highest q, ties to the smaller stored variant, identity when nothing fits', () => {
    expect(chooseEncoding(null, stored)).toBe('identity');
    expect(chooseEncoding('', stored)).toBe('identity');
    expect(chooseEncoding('gzip, deflate, br', stored)).toBe('br');
    expect(chooseEncoding('br;q=0.2, gzip;q=0.8', stored)).toBe('gzip');
    expect(chooseEncoding('x-gzip', ['gzip'])).toBe('gzip');
    expect(chooseEncoding('*', stored)).toBe('br');
    expect(chooseEncoding('*;q=0.5, br;q=0', stored)).toBe('gzip');
    expect(chooseEncoding('deflate', stored)).toBe('identity');
    expect(chooseEncoding('br;q=0.5, identity', stored)).toBe('identity');
    expect(chooseEncoding('br;q=0, gzip;q=0, identity;q=0', stored)).toBe('identity');
    expect(chooseEncoding('gzip', [])).toBe('identity');
  });
});

describe('entity tags and dates', () => {
  it('compares tags weakly or strongly', () => {
    expect(parseEtagList('"a", W/"b" ,"c,d"')).toEqual(['"a"', 'W/"b"', '"c,d"']);
    expect(weakMatch('W/"x"', '"x"')).toBe(true);
    expect(weakMatch('"y", "x"', '"x"')).toBe(true);
    expect(weakMatch('*', '"x"')).toBe(true);
    expect(weakMatch('"y"', '"x"')).toBe(false);
    expect(strongMatch('W/"x"', '"x"')).toBe(false);
    expect(strongMatch('"x"', '"x"')).toBe(true);
  });
  it('writes and reads HTTP dates in whole seconds', () => {
    expect(httpDate(784111777)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(784111777);
    expect(parseHttpDate('not a date')).toBeUndefined();
  });
});

describe('safeSegments', () => {
  it('decodes safe paths and refuses everything that could step outside', () => {
    expect(safeSegments('/')).toEqual(['']);
    expect(safeSegments('/a/b%20c/')).toEqual(['a', 'b c', '']);
    expect(safeSegments('/%E6%97%A5.txt')).toEqual(['日.txt']);
    for (const bad of ['', 'a', '/..', '/a/../b', '/%2e%2E/x', '/./x', '/a//b', '/a%2fb', '/a%5Cb', '/a\\b', '/a%00', '/%zz', '/%C0%AE']) {
      expect(safeSegments(bad), bad).toBeUndefined();
    }
  });
});
