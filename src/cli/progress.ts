import type cliProgress from 'cli-progress';

export interface ProgressUpdate {
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

/** Where the bar is drawn: stderr, or (in tests) anything with its TTY shape. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface ProgressOptions {
  stream?: ProgressStream;
  /** No bar before the job has run this long (default 1000 ms): short jobs print nothing. */
  delayMs?: number;
}

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

/**
 * A progress bar on stderr for long jobs: only on a TTY, only when not --quiet, and only once the
 * job has run for about a second (short jobs print nothing). cli-progress draws it.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();

  /**
   * A bar for a job about to start. cli-progress is loaded here, and only when a bar may be drawn,
   * so that most runs (pipes, --quiet, CI) never load it, and the job that follows can be entirely
   * synchronous: the bar draws from inside it.
   */
  static async open(quiet: boolean, options: ProgressOptions = {}): Promise<Progress> {
    const stream = options.stream ?? process.stderr;
    const enabled = !quiet && stream.isTTY === true && process.env.CI !== 'true';
    const lib = enabled ? (await import('cli-progress')).default : undefined;
    return new Progress(lib, stream, options.delayMs ?? 1000);
  }

  private constructor(
    private readonly lib: typeof cliProgress | undefined,
    private readonly stream: ProgressStream,
    private readonly delayMs: number,
  ) {}

  update(p: ProgressUpdate): void {
    const cliProgress = this.lib;
    if (!cliProgress) return;
    if (!this.bar) {
      if (Date.now() - this.started < this.delayMs) return;
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        // {total} and {value} are cli-progress's own (raw numbers): the payload's names differ.
        format: ' {bar} {percentage}% | {files}/{totalFiles} files | {done} of {size} | {rate}/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 10,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(Math.max(1, p.totalBytes), p.bytes, this.payload(p));
    }
    this.bar.update(p.bytes, this.payload(p));
  }

  private payload(p: ProgressUpdate): Record<string, string | number> {
    const elapsed = (Date.now() - this.started) / 1000;
    return {
      files: p.files,
      totalFiles: p.totalFiles,
      done: mib(p.bytes),
      size: mib(p.totalBytes),
      rate: mib(elapsed > 0 ? p.bytes / elapsed : 0),
    };
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
