/**
 * gzip detection and decompression with the platform's `DecompressionStream` (global in Node ≥ 18
 * and in browsers), so the loaders need no file system and no native module.
 */
import { DatasetError } from './errors.js';

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the bytes unchanged, or decompressed when they are gzip. A corrupt or truncated gzip
 * stream is a {@link DatasetError} naming `file`.
 */
export async function gunzipIfNeeded(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream !== 'function') {
    throw new DatasetError(file, 'is gzip-compressed but this platform has no DecompressionStream; decompress it first');
  }
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DatasetError(file, `corrupt or truncated gzip data (${why})`);
  }
}
