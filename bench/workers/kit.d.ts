/** Types of kit.js, for the TypeScript worker and the orchestrator. */
import type { DataFiles } from '../config';

export interface WorkerMessage {
  id: number;
  op: string;
  [key: string]: unknown;
}
export interface WorkerReady {
  info: Record<string, unknown>;
  handlers: Record<string, (message: WorkerMessage) => unknown>;
}

export function readF64(file: string, length: number): Float64Array;
export function loadData(data: DataFiles): { x: Float64Array; y: Float64Array };
export function median(values: readonly number[]): number;
export function now(): number;
export function timeCalls(
  fn: () => unknown,
  batches: number,
  batchSeconds: number,
): { microseconds: number; calls: number };
export function serve(setup: () => WorkerReady | Promise<WorkerReady>): void;
