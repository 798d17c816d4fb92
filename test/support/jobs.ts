/** Polls a generation job over HTTP until it ends. */
import { readJson, type AnyJson } from './http.js';

export async function waitForJob(baseUrl: string, statusUrl: string, timeoutMs = 90_000): Promise<Record<string, AnyJson>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await readJson(await fetch(`${baseUrl}${statusUrl}`));
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job did not finish in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
