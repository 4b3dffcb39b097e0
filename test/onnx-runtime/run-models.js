#!/usr/bin/env node
/**
 * Runs ONNX models in onnxruntime-node in a plain Node process, as a server would. The jest suite beside
 * this file cannot call onnxruntime in its own sandbox: onnxruntime checks the arrays its addon returns
 * with instanceof, which fails across jest's realm. Usage: node run-models.js jobs.json > results.json,
 * where jobs.json is [{ model: "file.onnx", dtype: "float64" | "float32", input: "input", output: "output",
 * shape: [rows, cols], data: [numbers...] } or { model, output, feeds: { name: { type, shape, data } } }, ...];
 * each result is { dims, type, data } or { error }.
 * JSON carries float64 numbers exactly (shortest round-trip form).
 */
'use strict';
const fs = require('node:fs');
const ort = require('onnxruntime-node');

async function runJob(job) {
  try {
    const session = await ort.InferenceSession.create(job.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const Type = job.dtype === 'float32' ? Float32Array : Float64Array;
    // `feeds` (several named inputs of any type: { name: { type, shape, data } }) or one float `input`.
    const feeds = {};
    if (job.feeds !== undefined) {
      for (const [name, feed] of Object.entries(job.feeds)) {
        // JSON has no NaN: null stands for it (a missing numeric cell).
        const number = (v) => (v === null ? NaN : v);
        const data =
          feed.type === 'string'
            ? feed.data
            : feed.type === 'float32'
              ? Float32Array.from(feed.data, number)
              : Float64Array.from(feed.data, number);
        feeds[name] = new ort.Tensor(feed.type, data, feed.shape);
      }
    } else {
      feeds[job.input] = new ort.Tensor(job.dtype, Type.from(job.data), job.shape);
    }
    const outputs = await session.run(feeds);
    const output = outputs[job.output];
    if (output === undefined)
      return { error: `no output ${JSON.stringify(job.output)} among ${Object.keys(outputs).join(', ')}` };
    const data = output.type === 'string' ? Array.from(output.data) : Array.from(output.data, Number);
    return { dims: output.dims.map(Number), type: output.type, data };
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const results = [];
  for (const job of jobs) results.push(await runJob(job));
  process.stdout.write(JSON.stringify({ onnxruntime: ort.env.versions.common, results }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
