import { afterEach, beforeEach, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Progress, type ProgressStream } from '../../src/cli/progress.js';

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTty(): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as ProgressStream & { text: () => string; columns: number; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean };
  s.isTTY = true;
  s.columns = 120;
  s.text = () => chunks.join('');
  return s;
}

let ci: string | undefined;
beforeEach(() => {
  ci = process.env.CI;
  delete process.env.CI;
});
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
});

const step = { bytes: 50 << 20, totalBytes: 100 << 20, files: 3, totalFiles: 7 };

it('draws files, bytes, percentage on a terminal, from inside a synchronous job', async () => {
  const tty = fakeTty();
  const p = await Progress.open(false, { stream: tty, delayMs: 0 });
  p.update(step); // no await between open and update: the bar must not need the event loop
  p.stop();
  const text = tty.text();
  expect(text).toContain('50%');
  expect(text).toContain('3/7 files');
  expect(text).toContain('50.0 MiB of 100.0 MiB');
  expect(text).not.toMatch(/\{\w+\}/); // every placeholder filled, from the first frame on
});

it('draws nothing before the delay, with --quiet, on a pipe, or under CI', async () => {
  const cases: [boolean, Partial<ProgressStream>, number, string | undefined][] = [
    [false, {}, 60_000, undefined], // a short job
    [true, {}, 0, undefined], // --quiet
    [false, { isTTY: false }, 0, undefined], // a pipe
    [false, {}, 0, 'true'], // CI
  ];
  for (const [quiet, patch, delayMs, ciValue] of cases) {
    const tty = Object.assign(fakeTty(), patch);
    if (ciValue) process.env.CI = ciValue;
    else delete process.env.CI;
    const p = await Progress.open(quiet, { stream: tty, delayMs });
    p.update(step);
    p.stop();
    expect(tty.text(), JSON.stringify({ quiet, patch, delayMs, ciValue })).toBe('');
  }
});
