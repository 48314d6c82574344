/**
 * SCALE-Sim v2's OFMAP write buffer (`scalesim/memory/write_buffer.py`), in both interface modes.
 * Facts ported, none of its code.
 *
 * Write buffer (OFMAP), both modes: half of it is the drain buffer. Output words are appended to
 * lines of `bw` words (bw = array columns in CALC mode, the user bandwidth in USER mode). When, at a
 * cycle at or after the end of the previous drain, more than half the buffer is occupied, the partly
 * filled line is closed and ceil(half / bw) lines are drained, one per cycle; the words counted are
 * those lines times bw less the empty slots of the last line only (a partly filled line inside a
 * drain counts full, in the DRAM writes and in the freed space). While a drain is in progress and
 * the buffer is full, the array stalls until the drain ends. What is left is drained at the end.
 *
 * Here nothing is materialised: the buffer advances a whole fold at once when no drain can start
 * inside it.
 */

export class WriteBuffer {
  private readonly active: number;
  private readonly drainLines: number;
  private free: number;
  /** Words in the line being filled. */
  private lineFill = 0;
  /** Lines written and not yet drained, run-length coded: [count, fill] pairs from pair `head`. */
  private runs: number[] = [];
  private head = 0;
  private pendingLines = 0;
  drainEnd = 0;
  dramWrites = 0;

  constructor(
    total: number,
    private readonly bw: number,
  ) {
    this.active = Math.ceil(total * 0.5);
    this.drainLines = Math.ceil((total - this.active) / bw);
    this.free = total;
  }

  /** Whether `n` more words certainly start no drain and cause no stall. */
  quiet(n: number): boolean {
    return this.free - n >= this.active;
  }

  private pushLines(count: number, fill: number): void {
    if (count <= 0) return;
    const runs = this.runs;
    const last = runs.length - 2;
    if (last >= this.head * 2 && runs[last + 1] === fill) runs[last] = runs[last]! + count;
    else runs.push(count, fill);
    this.pendingLines += count;
  }

  /** Stores n words, with no drain or stall among them. */
  store(n: number): void {
    this.free -= n;
    const fill = this.lineFill + n;
    const full = Math.floor(fill / this.bw);
    this.lineFill = fill - full * this.bw;
    this.pushLines(full, this.bw);
  }

  private closeLine(): void {
    if (this.lineFill !== 0) {
      this.pushLines(1, this.lineFill);
      this.lineFill = 0;
    }
  }

  /** Drains up to ceil(half / bw) lines from `cycle`; returns the cycle of the last one. */
  private drain(cycle: number): number {
    const lines = Math.min(this.drainLines, this.pendingLines);
    let want = lines;
    let lastFill = this.bw;
    const runs = this.runs;
    while (want > 0) {
      const i = this.head * 2;
      const count = runs[i]!;
      lastFill = runs[i + 1]!;
      if (count <= want) {
        want -= count;
        this.head++;
      } else {
        runs[i] = count - want;
        want = 0;
      }
    }
    if (this.head > 1024 && this.head * 4 > runs.length) {
      this.runs = runs.slice(this.head * 2);
      this.head = 0;
    }
    this.pendingLines -= lines;
    const words = (lines - 1) * this.bw + lastFill;
    this.free += words;
    this.dramWrites += words;
    return cycle + lines - 1;
  }

  /** Writes one demand line of n words arriving at `cycle`; returns the stall it causes. */
  writeLine(n: number, cycle: number): number {
    let cur = cycle;
    let left = n;
    while (left > 0) {
      if (cur < this.drainEnd) {
        // A drain is in progress: stall until it ends when the buffer is full.
        const j = this.free > 1 ? this.free : 1;
        if (j > left) {
          this.store(left);
          break;
        }
        this.store(j);
        left -= j;
        cur = this.drainEnd;
      } else {
        // Start a drain as soon as more than half is occupied.
        const j = this.free - this.active + 1 > 1 ? this.free - this.active + 1 : 1;
        if (j > left) {
          this.store(left);
          break;
        }
        this.store(j);
        left -= j;
        this.closeLine();
        this.drainEnd = this.drain(cur);
      }
    }
    return cur - cycle;
  }

  /** Drains everything left at the end of the layer. */
  flush(cycle: number): void {
    this.closeLine();
    let c = cycle;
    while (this.pendingLines > 0) {
      this.drainEnd = this.drain(c);
      c = this.drainEnd + 1;
    }
  }
}
