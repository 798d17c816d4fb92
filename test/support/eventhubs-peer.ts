/**
 * A small AMQP 1.0 peer that the real `@azure/event-hubs` client talks to in tests (there is no Event Hubs
 * emulator here). With `UseDevelopmentEmulator=true` the SDK speaks plain AMQP over TCP; the peer answers
 * CBS put-token and `$management` READ requests, accepts sender links to `hub` and `hub/Partitions/N`,
 * decodes batched messages (format 0x80013700: an envelope whose data sections are encoded messages) and
 * records every event it accepts. Faults on command: reject batches (server busy), reject authentication,
 * go down and come back. Test-only: never part of the shipped app.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import rhea, { type Connection, type Delivery, type EventContext, type Message } from 'rhea';

export interface ReceivedEvent {
  body: unknown;
  partitionKey?: string;
  partitionId?: string;
  contentType?: string;
  messageId?: string;
  receivedAt: number;
}

export interface EventHubsPeer {
  port: number;
  connectionString: string;
  events: ReceivedEvent[];
  batchesAccepted: number;
  faults: {
    rejectNextBatches(count: number, condition?: string): void;
    /** Rejects every n-th batch (ratio 0.2 → one batch in five) as server busy, until set to 0. */
    rejectRatio(ratio: number): void;
    rejectAuth(reject: boolean): void;
    down(): Promise<void>;
    up(): Promise<void>;
  };
  waitForEvents(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  stop(): Promise<void>;
}

const BATCH_FORMAT = 0x80013700;

export async function startEventHubsPeer(options: { hubName?: string; partitionCount?: number; port?: number } = {}): Promise<EventHubsPeer> {
  const hub = options.hubName ?? 'hub';
  const partitionIds = Array.from({ length: options.partitionCount ?? 4 }, (_, i) => String(i));
  const events: ReceivedEvent[] = [];
  let rejectBatches = 0;
  let rejectCondition = 'com.microsoft:server-busy';
  let rejectAuth = false;
  let rejectEvery = 0;
  let batchCounter = 0;
  let batchesAccepted = 0;
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();

  // Settle deliveries ourselves, one per event-loop turn: rhea merges consecutive dispositions into one range
  // without comparing the first two outcomes, so an accept right after a reject would hide the reject.
  const container = rhea.create_container({ id: 'eventhubs-peer', autoaccept: false } as Parameters<typeof rhea.create_container>[0]);
  const settlements: (() => void)[] = [];
  let settling = false;
  const settleNext = () => {
    settlements.shift()?.();
    if (settlements.length > 0) setImmediate(settleNext);
    else settling = false;
  };
  const settle = (action: () => void) => {
    settlements.push(action);
    if (!settling) {
      settling = true;
      setImmediate(settleNext);
    }
  };
  /** Reply senders by link name (the SDK names its reply receiver after the requests' reply_to). */
  const replySenders = new Map<string, rhea.Sender>();

  container.on('connection_open', (context: EventContext) => {
    connections.add(context.connection);
  });
  container.on('connection_close', (context: EventContext) => connections.delete(context.connection));
  container.on('disconnected', (context: EventContext) => connections.delete(context.connection));

  container.on('sender_open', (context: EventContext) => {
    // The client's receiver for replies is named after the reply_to address of its requests.
    replySenders.set(context.sender!.name, context.sender!);
  });

  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver!;
    (receiver as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = 1024 * 1024;
    receiver.set_credit_window?.(500);
  });

  const reply = (request: Message, status: number, body: unknown) => {
    const sender = replySenders.get(String(request.reply_to));
    sender?.send({ correlation_id: request.message_id, application_properties: { 'status-code': status, 'status-description': status === 200 ? 'OK' : 'Unauthorized' }, body });
  };

  container.on('message', (context: EventContext) => {
    const message = context.message!;
    const delivery = context.delivery as Delivery & { format?: number };
    const address = (context.receiver as unknown as { remote: { attach?: { target?: { address?: string } } } }).remote.attach?.target?.address ?? '';
    if (address === '$cbs') {
      settle(() => delivery.accept());
      reply(message, rejectAuth ? 401 : 200, undefined);
      return;
    }
    if (address === '$management') {
      settle(() => delivery.accept());
      const properties = message.application_properties ?? {};
      if (properties.type === 'com.microsoft:eventhub') {
        reply(message, 200, { name: hub, created_at: new Date(0), partition_count: partitionIds.length, partition_ids: partitionIds, type: 'com.microsoft:eventhub' });
      } else {
        reply(message, 200, {
          name: hub, partition: properties.partition, begin_sequence_number: 0, last_enqueued_sequence_number: -1, last_enqueued_offset: '-1',
          last_enqueued_time_utc: new Date(0), is_partition_empty: true, type: 'com.microsoft:partition',
        });
      }
      return;
    }
    batchCounter++;
    if (rejectBatches > 0 || (rejectEvery > 0 && batchCounter % rejectEvery === 0)) {
      if (rejectBatches > 0) rejectBatches--;
      const condition = rejectCondition;
      settle(() => delivery.reject({ condition, description: 'The server is busy. Please retry the operation.' }));
      return;
    }
    const partitionId = /\/Partitions\/(\d+)$/.exec(address)?.[1];
    const inner: Message[] = [];
    if (delivery.format === BATCH_FORMAT) {
      // rhea hands non-zero-format transfers over undecoded: the envelope's data sections are the events.
      const envelope = rhea.message.decode(context.message as unknown as Buffer);
      const content = (envelope.body as { content?: unknown }).content;
      for (const section of Array.isArray(content) ? content : [content]) inner.push(rhea.message.decode(section as Buffer) as unknown as Message);
    } else {
      inner.push(message);
    }
    const now = Date.now();
    for (const event of inner) {
      events.push({
        body: decodeBody(event.body),
        ...(event.message_annotations?.['x-opt-partition-key'] !== undefined ? { partitionKey: String(event.message_annotations['x-opt-partition-key']) } : {}),
        ...(partitionId !== undefined ? { partitionId } : {}),
        ...(event.content_type ? { contentType: String(event.content_type) } : {}),
        ...(event.message_id !== undefined ? { messageId: String(event.message_id) } : {}),
        receivedAt: now,
      });
    }
    batchesAccepted++;
    settle(() => delivery.accept());
  });

  let server: Server | undefined;
  let port = options.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = container.listen({ port, host: '127.0.0.1' }) as unknown as Server;
      server.once('listening', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
      server.once('error', reject);
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      connections.clear();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  await listen();

  return {
    get port() {
      return port;
    },
    get connectionString() {
      return `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;EntityPath=${hub};UseDevelopmentEmulator=true`;
    },
    events,
    get batchesAccepted() {
      return batchesAccepted;
    },
    faults: {
      rejectNextBatches(count, condition = 'com.microsoft:server-busy') {
        rejectBatches = count;
        rejectCondition = condition;
      },
      rejectRatio(ratio) {
        rejectEvery = ratio > 0 ? Math.round(1 / ratio) : 0;
      },
      rejectAuth(reject) {
        rejectAuth = reject;
      },
      down: close,
      up: listen,
    },
    async waitForEvents(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`Only ${events.length} of ${count} events arrived within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return events;
    },
    stop: close,
  } as EventHubsPeer;
}

function decodeBody(body: unknown): unknown {
  const bytes = (body as { typecode?: number; content?: unknown })?.typecode === 0x75 ? (body as { content: Buffer }).content : body;
  if (Buffer.isBuffer(bytes)) {
    const text = bytes.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return bytes;
}
