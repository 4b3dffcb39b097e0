/**
 * The orchestrator's side of the worker protocol (bench/workers/kit.js): Node workers over the IPC
 * channel of child_process.fork, Python workers over JSON lines on stdin/stdout. Either way a worker
 * lives for one thread count, so every implementation stays warm between the interleaved runs.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export type WorkerStart =
  | { kind: 'node'; file: string; args: string[]; execArgv?: string[] }
  | { kind: 'python'; python: string; file: string; args: string[] };

/** The last few KB of what a worker printed, for the message when it fails. */
class Tail {
  private text = '';
  add(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-4000);
  }
  lastLines(count = 6): string {
    return this.text.trim().split('\n').slice(-count).join('\n');
  }
}

export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly output = new Tail();
  private exited: string | undefined;
  private readonly send: (message: object) => void;
  readonly ready: Promise<Record<string, unknown>>;

  constructor(
    readonly name: string,
    start: WorkerStart,
    env: NodeJS.ProcessEnv,
  ) {
    let child: ChildProcess;
    const onReply = (reply: Reply) => this.settle(reply);
    if (start.kind === 'node') {
      child = fork(start.file, start.args, {
        env,
        execArgv: start.execArgv ?? process.execArgv,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      child.on('message', (message) => onReply(message as Reply));
      this.send = (message) => child.send(message);
    } else {
      child = spawn(start.python, [start.file, ...start.args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          onReply(JSON.parse(line) as Reply);
        } catch {
          this.output.add(`${line}\n`);
        }
      });
      child.stdin!.on('error', () => {}); // a worker that died is reported by its exit, not by the pipe
      this.send = (message) => child.stdin!.write(`${JSON.stringify(message)}\n`);
    }
    if (start.kind === 'node') child.stdout!.on('data', (chunk: Buffer) => this.output.add(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.output.add(chunk));
    this.child = child;
    this.ready = new Promise((resolve, reject) =>
      this.pending.set(0, { resolve: resolve as (value: unknown) => void, reject }),
    );
    child.on('error', (error) => this.fail(`could not start: ${error.message}`));
    child.on('exit', (code, signal) =>
      this.fail(`exited (${signal ?? `code ${code}`})${this.output.lastLines() ? `: ${this.output.lastLines()}` : ''}`),
    );
  }

  private readonly child: ChildProcess;

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new Error(reply.error ?? 'failed'));
  }

  private fail(reason: string): void {
    if (this.exited) return;
    this.exited = reason;
    for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
    this.pending.clear();
  }

  /** Sends one request and waits for its answer (at most timeoutSeconds). */
  request<T>(op: string, payload: object, timeoutSeconds = 900): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${op} within ${timeoutSeconds} s`));
        this.close();
      }, timeoutSeconds * 1000);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send({ id, op, ...payload });
    });
  }

  close(): void {
    if (!this.exited) this.fail('closed');
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }
}
