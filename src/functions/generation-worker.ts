/**
 * The generation queue's worker: every instance takes messages, so master data and (later) each day of
 * history are generated wherever there is capacity. A message that keeps failing fails its job with the
 * error on its last try (then moves to the poison queue, as the runtime does).
 */
import { app, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { encodedDimensionTables } from '../core/dimensions/index.js';
import { configService, generationDeps, generationJobs, generationQueueName } from '../app/services.js';
import { redactSecrets } from '../core/config/secrets.js';
import { runMasterJob } from '../core/generation/master-job.js';

/** Tries before the runtime poisons a message (host.json extensions.queues.maxDequeueCount). */
const MAX_DEQUEUE_COUNT = 5;

const generationMessageSchema = z.object({
  operation_id: z.string().min(1),
  kind: z.literal('master'),
});

export async function handleGenerationMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = generationMessageSchema.safeParse(message);
  if (!parsed.success) {
    // A malformed message can never succeed: log it and let it go rather than retrying it five times.
    context.error(`Ignoring a malformed generation message: ${parsed.error.message}`);
    return;
  }
  const work = parsed.data;
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  try {
    const job = await runMasterJob(generationDeps(), work.operation_id, await configService().get(), encodedDimensionTables);
    context.log(`Master job ${work.operation_id}: ${job.status}`);
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

app.storageQueue('generationWorker', {
  queueName: generationQueueName(),
  connection: 'AzureWebJobsStorage',
  handler: handleGenerationMessage,
});
