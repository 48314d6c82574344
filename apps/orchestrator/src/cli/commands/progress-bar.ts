/** A progress line on stderr: a bar in a terminal, a line every few seconds otherwise. */
import type { CampaignProgress } from '../../workflows/campaign.js';

export function progressReporter(stream: NodeJS.WriteStream = process.stderr, enabled = true) {
  const tty = Boolean(stream.isTTY);
  let lastPrint = 0;
  let lastLine = '';
  let lastPrinted = '';
  const line = (p: CampaignProgress) => {
    const done = p.completed + p.failed + p.reused + p.cancelled;
    const width = 30;
    const filled = p.total > 0 ? Math.round((done / p.total) * width) : 0;
    const percent = p.total > 0 ? Math.floor((done / p.total) * 100) : 0;
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${done}/${p.total} jobs · ${p.completed} completed · ${p.reused} reused · ${p.failed} failed · ${p.running} running · ${p.status}`;
  };
  return {
    update(progress: CampaignProgress) {
      if (!enabled) return;
      const text = line(progress);
      if (tty) {
        stream.write(`\r${text}\x1b[K`);
      } else if (Date.now() - lastPrint > 2000 && text !== lastLine) {
        stream.write(`${text}\n`);
        lastPrint = Date.now();
        lastPrinted = text;
      }
      lastLine = text;
    },
    finish(progress: CampaignProgress) {
      if (!enabled) return;
      const text = line(progress);
      stream.write(tty ? `\r${text}\x1b[K\n` : text !== lastPrinted ? `${text}\n` : '');
    },
  };
}
