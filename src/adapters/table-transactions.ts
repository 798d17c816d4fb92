/**
 * Batch transactions within both of the Table service's limits: at most 100 operations and at most 4 MiB of
 * request body. The count limit is easy to see; the byte limit is not, because binary properties travel as
 * base64 (a third larger than their bytes) inside a multipart body, so a batch of 100 well-compressed chunks can
 * be well under it while the same batch of a bigger business is over it and is refused (RequestBodyTooLarge).
 * Azurite enforces neither the same way as Azure, so every writer splits its batches here.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';

export const MAX_TRANSACTION_OPERATIONS = 100;
/** The service refuses bodies over 4 MiB. */
export const MAX_TRANSACTION_BODY_BYTES = 4 * 1024 * 1024;
/**
 * What we put in one transaction: well under the service's limit, because Azurite (the local default) copes
 * badly with large transactions on a big partition. On a default-volume day in its on-disk mode, 1 MiB
 * transactions made it drop the connection (EPIPE) after a few batches, while 512 KiB ones wrote the whole day
 * (6,569 chunks) in about 37 s. In Azure the smaller transactions only mean more requests (about 300 a day).
 */
export const TRANSACTION_BODY_BUDGET_BYTES = 512 * 1024;
const BODY_BUDGET_BYTES = TRANSACTION_BODY_BUDGET_BYTES;
/** Multipart boundary, changeset headers, the operation's request line and its own headers. */
const PER_OPERATION_OVERHEAD_BYTES = 1024;

/**
 * Bytes one operation adds to a batch body, from above: the entity as JSON with every binary property as base64
 * plus its `@odata.type` annotation, and the operation's multipart framing.
 */
export function operationBytes(action: TransactionAction): number {
  const entity = action[1] as Record<string, unknown>;
  let bytes = PER_OPERATION_OVERHEAD_BYTES;
  for (const [key, value] of Object.entries(entity)) {
    bytes += Buffer.byteLength(key) * 2 + 64; // name, its annotation, quotes and separators
    if (value instanceof Uint8Array) bytes += Math.ceil(value.byteLength / 3) * 4;
    else if (typeof value === 'string') bytes += Buffer.byteLength(JSON.stringify(value));
    else bytes += Buffer.byteLength(JSON.stringify(value) ?? 'null');
  }
  return bytes;
}

/**
 * Splits actions (all of one partition) into transactions within the count and byte limits, in order. An action
 * too large for a transaction of its own is refused here rather than by the service.
 */
export function transactionBatches(actions: readonly TransactionAction[], budgetBytes = BODY_BUDGET_BYTES): TransactionAction[][] {
  const batches: TransactionAction[][] = [];
  let current: TransactionAction[] = [];
  let currentBytes = 0;
  for (const action of actions) {
    const bytes = operationBytes(action);
    if (bytes > BODY_BUDGET_BYTES) throw new Error(`One Table operation needs about ${bytes} bytes of request body; a transaction holds ${BODY_BUDGET_BYTES}`);
    // A smaller budget asked for still lets one action up to the full budget go alone.
    if (current.length >= MAX_TRANSACTION_OPERATIONS || (current.length > 0 && currentBytes + bytes > Math.min(budgetBytes, BODY_BUDGET_BYTES))) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(action);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Submits actions of one partition as as few transactions as the limits allow, one after the other. */
export async function submitInTransactions(client: TableClient, actions: readonly TransactionAction[]): Promise<void> {
  for (const batch of transactionBatches(actions)) await client.submitTransaction(batch);
}
