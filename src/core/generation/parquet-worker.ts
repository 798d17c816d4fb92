/** The entry of a Parquet encoding thread (./parquet-threads.ts): one typed table per message, its file's bytes back. */
import { parentPort } from 'node:worker_threads';
import { encodeTypedParquet } from '../dataset-parquet.js';
import type { TypedTable } from '../parquet/index.js';
import type { EncodeReply } from './parquet-threads.js';

parentPort?.on('message', (table: TypedTable) => {
  let reply: EncodeReply;
  try {
    reply = { ok: true, bytes: encodeTypedParquet(table) };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  // The bytes go back without a copy; the columns that came in are garbage once this returns.
  parentPort!.postMessage(reply, reply.ok ? [reply.bytes.buffer as ArrayBuffer] : []);
});
