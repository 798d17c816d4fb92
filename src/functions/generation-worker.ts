/**
 * The generation queue's worker: every instance takes messages, so master data, each day of history and each
 * unit of a streamed day (src/core/streaming/day-units.ts) are generated wherever there is capacity. A message that keeps failing fails its job with the
 * error on its last try (then moves to the poison queue, as the runtime does).
 */
import { app, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { encodedDimensionTables } from '../core/dimensions/index.js';
import { configService, generationDeps, generationJobs, generationQueueName, streamingDeps } from '../app/services.js';
import { redactSecrets } from '../core/config/secrets.js';
import { runHistoricalUnit } from '../core/generation/historical-job.js';
import { runMasterJob } from '../core/generation/master-job.js';
import {
  failStreamUnit,
  runStreamUnit,
  StreamUnitCannotProceed,
  streamUnitMessageSchema,
  unitName,
  type StreamUnitMessage,
} from '../core/streaming/day-units.js';

/** Tries before the runtime poisons a message (host.json extensions.queues.maxDequeueCount). */
const MAX_DEQUEUE_COUNT = 5;

const generationMessageSchema = z.discriminatedUnion('kind', [
  z.object({ operation_id: z.string().min(1), kind: z.literal('master') }),
  z.object({
    operation_id: z.string().min(1),
    kind: z.literal('historical'),
    region: z.number().int().min(0),
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  }),
  streamUnitMessageSchema,
]);

export async function handleGenerationMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = generationMessageSchema.safeParse(message);
  if (!parsed.success) {
    // A malformed message can never succeed: log it and let it go rather than retrying it five times.
    context.error(`Ignoring a malformed generation message: ${parsed.error.message}`);
    return;
  }
  const work = parsed.data;
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  if (work.kind === 'stream-day') return handleStreamUnit(work, dequeueCount, context);
  try {
    const config = await configService().get();
    if (work.kind === 'master') {
      const job = await runMasterJob(generationDeps(), work.operation_id, config, encodedDimensionTables);
      context.log(`Master job ${work.operation_id}: ${job.status}`);
    } else {
      const job = await runHistoricalUnit(generationDeps(), config, work);
      context.log(`Historical job ${work.operation_id}: region ${work.region} ${work.day} done (${job.units_done}/${job.units_total}, ${job.status})`);
    }
  } catch (error) {
    const reason = redactSecrets(error instanceof Error ? error.message : String(error));
    if (dequeueCount >= MAX_DEQUEUE_COUNT) {
      await generationJobs().finish(work.operation_id, 'failed', `${reason} (after ${dequeueCount} tries)`);
    } else {
      await generationJobs()
        .update(work.operation_id, (job) => {
          job.message = `Retrying after an error (try ${dequeueCount} of ${MAX_DEQUEUE_COUNT}): ${reason}`;
        })
        .catch(() => undefined);
    }
    throw error;
  }
}

/** One unit of a streamed day; a unit that fails for good puts the stream in status error with the reason. */
async function handleStreamUnit(work: StreamUnitMessage, dequeueCount: number, context: InvocationContext): Promise<void> {
  try {
    const outcome = await runStreamUnit(streamingDeps(), await configService().get(), work);
    context.log(`Stream day ${work.day} ${unitName(work.unit)} (generation ${work.generation.slice(0, 8)}): ${outcome}`);
  } catch (error) {
    const reason = redactSecrets(error instanceof Error ? error.message : String(error));
    // Missing inventory positions will still be missing on the next try: fail the stream now, do not retry.
    if (error instanceof StreamUnitCannotProceed) {
      await failStreamUnit(streamingDeps(), work, reason);
      context.error(`Stream day ${work.day} ${unitName(work.unit)}: ${reason}`);
      return;
    }
    if (dequeueCount >= MAX_DEQUEUE_COUNT) await failStreamUnit(streamingDeps(), work, `${reason} (after ${dequeueCount} tries)`);
    throw error;
  }
}

app.storageQueue('generationWorker', {
  queueName: generationQueueName(),
  connection: 'AzureWebJobsStorage',
  handler: handleGenerationMessage,
});
