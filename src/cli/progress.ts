import type cliProgress from 'cli-progress';

export interface ProgressUpdate {
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

/**
 * A progress bar on stderr for long jobs: only on a TTY, only when not --quiet, and only once the
 * job has run for about a second (short jobs print nothing). cli-progress draws it.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  /** cli-progress, loaded in the background when a bar may be drawn (most runs draw none). */
  private lib: typeof cliProgress | undefined;

  constructor(quiet: boolean, private readonly delayMs = 1000) {
    this.enabled = !quiet && process.stderr.isTTY === true && process.env.CI !== 'true';
    if (this.enabled) {
      import('cli-progress').then((m) => {
        this.lib = m.default;
      }, () => undefined);
    }
  }

  update(p: ProgressUpdate): void {
    if (!this.enabled) return;
    if (!this.bar) {
      if (Date.now() - this.started < this.delayMs || !this.lib) return;
      const cliProgress = this.lib;
      this.bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: ' {bar} {percentage}% | {files}/{totalFiles} files | {done} of {total} | {rate}/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 10,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(Math.max(1, p.totalBytes), 0);
    }
    const elapsed = (Date.now() - this.started) / 1000;
    this.bar.update(p.bytes, {
      files: p.files,
      totalFiles: p.totalFiles,
      done: mib(p.bytes),
      total: mib(p.totalBytes),
      rate: mib(elapsed > 0 ? p.bytes / elapsed : 0),
    });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
