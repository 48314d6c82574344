/**
 * Progress bars on stderr (cli-progress) for `campaign run`, `search` and `train`: redrawn in place
 * in a terminal; when stderr is not a terminal (tests, CI, a log file) one line every 2 s and the
 * final state, so stdout stays the command's result alone.
 */
import { SingleBar } from 'cli-progress';

export type ProgressPayload = Record<string, string | number>;

export interface ProgressBar {
  /** Moves the bar; the first call starts it. */
  update(value: number, total: number, payload: ProgressPayload): void;
  /** A line of its own (above the bar in a terminal). */
  log(text: string): void;
  /** Draws the final state and ends the line; the bar's timer stops. */
  stop(): void;
}

/**
 * `format` uses cli-progress' tokens ({bar}, {percentage}, {value}, {total}) and the payload's
 * names, e.g. `[{bar}] {value}/{total} evaluations · front {front}`.
 */
export function progressBar(format: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = Boolean(stream.isTTY);
  const bar = new SingleBar({
    format,
    stream,
    barsize: 30,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    emptyOnZero: true,
    hideCursor: true,
    gracefulExit: true,
    // Redraw even when the text is unchanged: a log line may have overwritten the bar.
    forceRedraw: true,
    // Not a terminal: a line per tick (notTTYSchedule) and at the end, without a blank line after it.
    noTTYOutput: true,
    notTTYSchedule: 2000,
    clearOnComplete: !tty,
  });
  let started = false;
  return {
    update(value, total, payload) {
      if (!started) {
        bar.start(total, value, payload);
        started = true;
        return;
      }
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(value, payload);
    },
    log(text) {
      stream.write(tty && started ? `\r\x1b[K${text}\n` : `${text}\n`);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
