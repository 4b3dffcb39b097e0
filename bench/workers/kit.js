'use strict';
/**
 * What every Node worker of the benchmark shares (plain CommonJS, so the peer workers run without tsx):
 * the message loop over Node's IPC channel, raw float64 data files, and the latency timer.
 *
 * Protocol: the worker sends { id: 0, ok, result: info } once it is ready (or { ok: false, error } when
 * its library cannot load); then it answers each { id, op, ... } with { id, ok, result } or
 * { id, ok: false, error }. bench/python/worker.py speaks the same messages as JSON lines.
 */
const fs = require('node:fs');

/** Reads a raw float64 file into a fresh Float64Array without an intermediate copy. */
function readF64(file, length) {
  const out = new Float64Array(length);
  const bytes = new Uint8Array(out.buffer);
  const fd = fs.openSync(file, 'r');
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const read = fs.readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) throw new Error(`${file} holds ${offset} bytes, expected ${bytes.length}`);
      offset += read;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

const cache = new Map();
/** The data set's x and y, read once per worker. */
function loadData(data) {
  const key = `${data.x}|${data.y}`;
  if (!cache.has(key)) {
    cache.set(key, { x: readF64(data.x, data.rows * data.inputs), y: readF64(data.y, data.rows * data.outputs) });
  }
  return cache.get(key);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * Microseconds per call of fn: the call count is doubled until one batch of calls lasts batchSeconds,
 * then `batches` batches are timed and the median batch gives the figure.
 */
function timeCalls(fn, batches, batchSeconds) {
  let calls = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < calls; i++) fn();
    if (now() - start >= batchSeconds || calls >= 1 << 24) break;
    calls *= 2;
  }
  const perCall = [];
  for (let b = 0; b < batches; b++) {
    const start = now();
    for (let i = 0; i < calls; i++) fn();
    perCall.push(((now() - start) / calls) * 1e6);
  }
  return { microseconds: median(perCall), calls };
}

function describeError(error) {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Runs the message loop; setup resolves to { info, handlers: { op(message) => result } }. */
function serve(setup) {
  let handlers;
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    try {
      const handler = handlers[message.op];
      if (!handler) throw new Error(`unknown op ${message.op}`);
      process.send({ id: message.id, ok: true, result: await handler(message) });
    } catch (error) {
      process.send({ id: message.id, ok: false, error: describeError(error) });
    }
  });
  Promise.resolve()
    .then(setup)
    .then(
      (ready) => {
        handlers = ready.handlers;
        process.send({ id: 0, ok: true, result: ready.info });
      },
      (error) => process.send({ id: 0, ok: false, error: describeError(error) }, () => process.exit(1)),
    );
}

module.exports = { readF64, loadData, median, now, timeCalls, serve };
