// The session kept in this browser's IndexedDB (one record): the controls, the uploaded
// files, the model (trained weights or the imported file) and every written variant, so
// that a reload restores the work. Nothing leaves the browser. A few lines over the raw
// IndexedDB API: one store, one key.
const DB = "litequant";
const STORE = "session";
const KEY = "current";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error ?? req.error);
    });
  } finally {
    db.close();
  }
}

/** The kept session, or undefined. */
export const loadSession = () => run("readonly", (s) => s.get(KEY));
/** Keeps `session` (structured-cloneable: typed arrays and ArrayBuffers stay binary). */
export const saveSession = (session) => run("readwrite", (s) => s.put(session, KEY));
/** Forgets the kept session. */
export const clearSession = () => run("readwrite", (s) => s.delete(KEY));
