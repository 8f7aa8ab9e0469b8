// A promise-based client for www/worker.js: call(cmd, args, onProgress) → result.
export function startWorker(url = new URL("./worker.js", import.meta.url)) {
  const worker = new Worker(url, { type: "module" });
  const pending = new Map();
  let next = 1;
  let readyResolve, readyReject;
  const ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
  worker.onmessage = (e) => {
    const m = e.data;
    if ("ready" in m) return m.ready ? readyResolve(m) : readyReject(new Error(m.error));
    const p = pending.get(m.id);
    if (!p) return;
    if (m.progress !== undefined) return p.onProgress?.(m.progress);
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  };
  worker.onerror = (e) => readyReject(new Error(`the worker failed to start: ${e.message ?? "unknown error"}`));
  function call(cmd, args, onProgress, transfer = []) {
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, cmd, args }, transfer);
    });
  }
  return { call, ready, terminate: () => worker.terminate() };
}
