/**
 * Queue triggers: polls a Storage queue like the Functions runtime's queue listener. Messages are
 * base64-decoded (the runtime's default encoding) and JSON-parsed when they are JSON; the handler gets the
 * trigger metadata (id, dequeueCount, insertionTime...). A failed message becomes visible again after
 * `visibilityTimeout`; after `maxDequeueCount` tries it moves to `<queue>-poison`. Empty polls back off
 * exponentially up to `maxPollingInterval`.
 */
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { createStorageAccount } from '../adapters/storage.js';
import type { QueueHostSettings } from './host-config.js';

export interface QueueListener {
  stop(): Promise<void>;
}

export interface StartQueueListenerOptions {
  queueName: string;
  connectionSetting: string;
  environment: Record<string, string | undefined>;
  settings: QueueHostSettings;
  invoke: (input: unknown, triggerMetadata: Record<string, unknown>) => Promise<unknown>;
  log: (line: string) => void;
  /** Shortest wait between empty polls (ms). */
  minPollingIntervalMs?: number;
}

/** How long a message being processed stays invisible to other listeners (the runtime uses 10 minutes). */
const PROCESSING_VISIBILITY_SECONDS = 600;

export function decodeQueueMessage(messageText: string): { text: string; input: unknown } {
  // The runtime's default messageEncoding is base64; text that is not base64 is taken as it is.
  const decoded = Buffer.from(messageText, 'base64');
  const isBase64 = decoded.length > 0 && decoded.toString('base64').replace(/=+$/, '') === messageText.trim().replace(/=+$/, '');
  const text = isBase64 ? decoded.toString('utf8') : messageText;
  try {
    return { text, input: JSON.parse(text) as unknown };
  } catch {
    return { text, input: text };
  }
}

export function startQueueListener(options: StartQueueListenerOptions): QueueListener {
  const account = createStorageAccount(options.environment, options.connectionSetting);
  const queue: QueueClient = account.queueService.getQueueClient(options.queueName);
  const poison: QueueClient = account.queueService.getQueueClient(`${options.queueName}-poison`);
  const minInterval = options.minPollingIntervalMs ?? 100;
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const processMessage = async (message: DequeuedMessageItem): Promise<void> => {
    const { text, input } = decodeQueueMessage(message.messageText);
    const metadata: Record<string, unknown> = {
      id: message.messageId,
      queueTrigger: text,
      dequeueCount: message.dequeueCount,
      insertionTime: message.insertedOn.toISOString(),
      expirationTime: message.expiresOn.toISOString(),
      nextVisibleTime: message.nextVisibleOn.toISOString(),
      popReceipt: message.popReceipt,
    };
    try {
      await options.invoke(input, metadata);
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (message.dequeueCount >= options.settings.maxDequeueCount) {
        await poison.createIfNotExists();
        await poison.sendMessage(message.messageText);
        await queue.deleteMessage(message.messageId, message.popReceipt);
        options.log(`message ${message.messageId} failed ${message.dequeueCount} times (${reason}); moved to ${options.queueName}-poison`);
      } else {
        await queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.round(options.settings.visibilityTimeoutMs / 1000));
        options.log(`message ${message.messageId} failed (try ${message.dequeueCount} of ${options.settings.maxDequeueCount}): ${reason}`);
      }
    }
  };

  const loop = (async () => {
    let interval = minInterval;
    let created = false;
    while (!stopped) {
      try {
        if (!created) {
          await queue.createIfNotExists();
          created = true;
        }
        const { receivedMessageItems } = await queue.receiveMessages({
          numberOfMessages: Math.min(32, Math.max(1, options.settings.batchSize)),
          visibilityTimeout: PROCESSING_VISIBILITY_SECONDS,
        });
        if (receivedMessageItems.length === 0) {
          await sleep(interval);
          interval = Math.min(interval * 2, options.settings.maxPollingIntervalMs);
          continue;
        }
        interval = minInterval;
        await Promise.all(receivedMessageItems.map((message) => processMessage(message)));
      } catch (error) {
        if (stopped) break;
        options.log(`polling ${options.queueName} failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(options.settings.maxPollingIntervalMs);
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
