/** Saves text or a data URL as a file through a temporary link (no server round trip). */
export function download(filename: string, content: string | Blob, type = 'text/plain'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  saveUrl(filename, url);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function saveUrl(filename: string, url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
}

/** File names from view state: safe characters only. */
export const fileStem = (...parts: string[]) =>
  parts
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 120);
