/**
 * What a failed Storage request's HTTP status means to the adapters, named once: the Table and Blob SDKs both
 * throw RestError (from @azure/core-rest-pipeline) with the response's `statusCode`.
 */
import { RestError as TablesRestError } from '@azure/data-tables';
import { RestError as BlobRestError } from '@azure/storage-blob';

/** A Storage SDK's RestError (an HTTP status, or a request that could not be sent), not a programming error. */
export function isStorageError(error: unknown): error is TablesRestError | BlobRestError {
  return error instanceof TablesRestError || error instanceof BlobRestError;
}

function statusOf(error: unknown): number | undefined {
  return isStorageError(error) ? error.statusCode : undefined;
}

/** 404: the entity, blob or container is not there. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** 409: a create found the entity already there (or another conflict with the resource's state). */
export function isAlreadyExists(error: unknown): boolean {
  return statusOf(error) === 409;
}

/** 412 on a conditional replace, or 409 on a create: someone else wrote the document since it was read. */
export function isChangedMeanwhile(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}

/** 412 or 404: the entity was changed or deleted since it was read (another drain took the claim, or finished it). */
export function isTakenMeanwhile(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 404;
}
