/**
 * The study scripts' input files as text, gzip-compressed or not (told by the first bytes): campaign
 * exports are written as `FILE.json.gz` (`fuselab campaign export --out`), and the studies' recorded
 * results in results/ are kept compressed.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export function readText(path: string): string {
  const bytes = readFileSync(path);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}
