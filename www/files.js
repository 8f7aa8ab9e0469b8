// Files the user picks: type checks by name, reading, and sizes for display.

/** Throws a clear message when `file`'s name does not end in one of `exts`. */
export function checkExtension(file, exts, what) {
  const name = file.name.toLowerCase();
  if (!exts.some((e) => name.endsWith(e))) {
    throw new Error(`${file.name} is not ${what} (expected ${exts.join(" or ")})`);
  }
  if (file.size === 0) throw new Error(`${file.name} is empty`);
}

/** The file's bytes (an ArrayBuffer). */
export function readFile(file) {
  return file.arrayBuffer();
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
