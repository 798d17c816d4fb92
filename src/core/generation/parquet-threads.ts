/**
 * Parquet encoding of fact tables on worker threads, so that a historical unit's tables encode while the instance's
 * own thread generates the next unit (the host hands a queue batch of several units to one instance at once).
 * Encoding a region-day takes longer than generating it at the default volume; on the one thread the two could only
 * take turns. The typed columns move to the thread without a copy (their ArrayBuffers are transferred; text goes as
 * its dictionary's UTF-8 bytes) and the file's bytes come back the same way. Where the compiled worker is
 * not beside this module (the tests run the sources), the encoding runs inline. The bytes are the same either way:
 * both call `encodeTypedParquet`.
 *
 * Memory: a region-day's columns are held from generation until the last of its tables is encoded, and only
 * `REGION_DAYS_HELD` region-days may be held at once (`holdColumns`), however many units the instance runs.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { encodeTypedParquet } from '../dataset-parquet.js';
import { utf8Dictionary } from '../parquet/encoder.js';
import type { TypedColumn, TypedTable } from '../parquet/index.js';

const WORKER_URL = new URL('./parquet-worker.js', import.meta.url);

export type EncodeReply = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

/** One encoder thread and its tables posted and not yet answered, in the order it answers them. */
interface Thread {
  worker: Worker;
  pending: Pending[];
}

/**
 * The table as it is posted, and the ArrayBuffers to transfer with it (each once: a transfer list may not name a
 * buffer twice). A distinct text column's strings become their UTF-8 bytes here, which the encoder would make
 * anyway, so what crosses to the thread is typed arrays only, however many distinct values (ids are one a row).
 */
function forThread(table: TypedTable): { table: TypedTable; transfer: ArrayBuffer[] } {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: ArrayBufferView | null) => {
    // A SharedArrayBuffer cannot be transferred (it is shared as it is).
    if (array && array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  };
  const columns = table.columns.map((column): TypedColumn => {
    if (column.type !== 'STRING') {
      add(column.values);
      add(column.nulls);
      return column;
    }
    add(column.codes);
    if (!column.distinct) {
      add(column.utf8?.bytes ?? null);
      add(column.utf8?.offsets ?? null);
      return column;
    }
    const utf8 = column.utf8 ?? utf8Dictionary(column.dictionary);
    add(utf8.bytes);
    add(utf8.offsets);
    return { ...column, dictionary: [], utf8 };
  });
  return { table: { rowCount: table.rowCount, columns }, transfer: [...buffers] };
}

/**
 * Tables are posted to a thread as soon as they are handed over, not when the thread is free: the thread then goes
 * from one table to the next on its own, while the instance's thread is generating (a round trip through the
 * instance's event loop per table would leave the encoder idle for as long as a generation takes).
 */
class EncodeThreads {
  private readonly threads: Thread[] = [];

  constructor(readonly size: number) {}

  encode(table: TypedTable): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const thread = this.pick();
      // The columns' buffers move to the thread: the caller's views are detached from here on. A table that cannot
      // be posted throws here and rejects, before it takes a place in the thread's order.
      const { table: posted, transfer } = forThread(table);
      thread.worker.postMessage(posted, transfer);
      thread.pending.push({ resolve, reject });
      // A busy thread keeps the process alive until its files are back.
      thread.worker.ref();
    });
  }

  /** The thread with the fewest tables waiting, or a new one while there are fewer than `size` and none is free. */
  private pick(): Thread {
    let least: Thread | undefined;
    for (const thread of this.threads) if (!least || thread.pending.length < least.pending.length) least = thread;
    if (least && (least.pending.length === 0 || this.threads.length >= this.size)) return least;
    return this.spawn();
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_URL);
    const thread: Thread = { worker, pending: [] };
    this.threads.push(thread);
    // Idle threads never keep the process alive (the local host, the benches and the tests exit when done).
    worker.unref();
    worker.on('message', (reply: EncodeReply) => {
      const pending = thread.pending.shift();
      if (thread.pending.length === 0) worker.unref();
      if (!pending) return;
      if (reply.ok) pending.resolve(reply.bytes);
      else pending.reject(new Error(reply.message));
    });
    // A thread that stops leaves the pool (the next table starts another) and fails the tables it still had.
    const stop = (error: Error) => {
      const at = this.threads.indexOf(thread);
      if (at >= 0) this.threads.splice(at, 1);
      for (const pending of thread.pending.splice(0)) pending.reject(error);
    };
    worker.on('error', stop);
    worker.on('exit', (code: number) => stop(new Error(`The Parquet encoding thread stopped (exit code ${code})`)));
    return thread;
  }
}

let threads: EncodeThreads | null | undefined;
let inline = false;

/** The instance's encoder threads (one fewer than its cores, at least one), or null where encoding runs inline. */
export function encodeThreads(): EncodeThreads | null {
  if (inline) return null;
  if (threads === undefined) {
    const runnable = existsSync(fileURLToPath(WORKER_URL));
    threads = runnable ? new EncodeThreads(Math.max(1, availableParallelism() - 1)) : null;
  }
  return threads;
}

/** Encodes on the instance's own thread from now on (true) or on the threads again (false): for the benches' old path. */
export function setInlineEncoding(enabled: boolean): void {
  inline = enabled;
}

/**
 * The Parquet bytes of `table` (as `encodeTypedParquet` writes them), encoded on a thread where there is one. The
 * table's typed arrays are handed over: on the thread path they are detached on return, so the caller must not
 * read them again (a fact builder's table is encoded once, at the end of its unit).
 */
export function encodeOffThread(table: TypedTable): Promise<Uint8Array> {
  const pool = encodeThreads();
  if (pool) return pool.encode(table);
  try {
    return Promise.resolve(encodeTypedParquet(table));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Region-days whose columns may be held at once: one encoding (its tables spread over the threads), one queued
 * behind it and one being generated keep the threads and the instance's thread busy; more would only hold more
 * memory (at the default volume a region-day's columns are a few MB).
 */
export const REGION_DAYS_HELD = 3;

let held = 0;
const waitingToHold: (() => void)[] = [];

/**
 * Waits for room to hold one more region-day's columns (first come, first served) and returns the function that
 * gives the room back; call it once every table of the region-day is encoded (or has failed).
 */
export async function holdColumns(): Promise<() => void> {
  if (held >= REGION_DAYS_HELD) await new Promise<void>((resolve) => waitingToHold.push(resolve));
  else held++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // The room passes straight to the next waiter, so `held` counts it without a gap another caller could take.
    const next = waitingToHold.shift();
    if (next) next();
    else held--;
  };
}
