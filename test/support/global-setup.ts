/**
 * Vitest global setup: one in-memory Azurite on free ports for the whole run, stopped afterwards.
 * Tests read its connection string with `inject('storageConnectionString')`.
 */
import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuriteHandle } from '../../src/local/azurite.js';

let azurite: AzuriteHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide('storageConnectionString', azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    storageConnectionString: string;
  }
}
