/** Dataset files in one Blob container (`datagen`, prefixed by RETAIL_STORAGE_PREFIX). */
import type { ContainerClient } from '@azure/storage-blob';
import type { DatasetFiles, RandomAccessFile, StoredFile } from '../core/storage/files.js';
import { isNotFound } from './rest-status.js';

export const DATA_CONTAINER = 'datagen';

export class BlobDatasetFiles implements DatasetFiles {
  constructor(private readonly container: () => Promise<ContainerClient>) {}

  async write(path: string, bytes: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    const container = await this.container();
    await container.getBlockBlobClient(path).uploadData(bytes, {
      blobHTTPHeaders: { blobContentType: contentType },
      // Parallel blocks for large files; small files go up in a single request.
      concurrency: 4,
    });
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const container = await this.container();
    try {
      // One GET returns one version of the blob (the SDK resumes a broken body with If-Match on its ETag).
      // downloadToBuffer asks for the size first and then fetches ranges, so a file rewritten in between (the
      // recent-events file, rewritten by every drain tick) came back mixed or failed with "Stream drains…".
      const response = await container.getBlobClient(path).download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody!) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      return new Uint8Array(Buffer.concat(chunks));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async open(path: string): Promise<RandomAccessFile | undefined> {
    const blob = (await this.container()).getBlobClient(path);
    let byteLength: number;
    try {
      byteLength = (await blob.getProperties()).contentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return {
      byteLength,
      read: async (start, end) => {
        const buffer = await blob.downloadToBuffer(start, end - start);
        return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
      },
    };
  }

  async list(prefix: string): Promise<StoredFile[]> {
    const container = await this.container();
    const files: StoredFile[] = [];
    for await (const blob of container.listBlobsFlat({ prefix })) {
      files.push({ path: blob.name, bytes: blob.properties.contentLength ?? 0 });
    }
    return files;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const container = await this.container();
    let deleted = 0;
    const pending: Promise<unknown>[] = [];
    for await (const blob of container.listBlobsFlat({ prefix })) {
      // If exists: a blob another writer removed meanwhile (a unit of a deleted stream cleaning up) is not an error.
      pending.push(
        container
          .getBlobClient(blob.name)
          .deleteIfExists({ deleteSnapshots: 'include' })
          .then((result) => void (result.succeeded && deleted++)),
      );
      if (pending.length >= 32) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    return deleted;
  }
}
