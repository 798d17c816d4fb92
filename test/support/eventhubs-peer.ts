/**
 * A small AMQP 1.0 peer on `rhea` that the real `@azure/event-hubs` client talks to in tests (there is no
 * Event Hubs emulator here). With `UseDevelopmentEmulator=true` in the connection string the SDK speaks plain
 * AMQP over TCP to the given port. The peer:
 *  - answers CBS `put-token` requests on `$cbs` (status-code 200, or 401 under the auth fault),
 *  - answers `$management` READ requests for `com.microsoft:eventhub` and `com.microsoft:partition`,
 *  - accepts sender links to `<hub>` and `<hub>/Partitions/<id>` (others are refused with `amqp:not-found`)
 *    and offers a 1 MiB max_message_size on attach (the SDK's createBatch takes its size limit from it),
 *  - decodes batched transfers (message format 0x80013700: an envelope whose data sections are each an encoded
 *    AMQP message) and records every event it accepts, in arrival order (benchmarks can defer each event's
 *    decoding until the events are read, so the peer's one thread is not what limits the rate they measure),
 *  - injects faults on command (reject batches, refuse auth, stall dispositions, detach links, drop
 *    connections, stop listening).
 * Verified against @azure/event-hubs 6.0.4 / @azure/core-amqp 4.4.2 (see the test next to this file).
 * Test-only: never part of the shipped app.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import rhea, { type Connection, type Delivery, type EventContext, type Message, type Receiver, type Sender } from 'rhea';

export interface ReceivedEvent {
  /** JSON bodies are parsed (what the SDK's receiver would give back); other data bodies stay a Buffer. */
  body: unknown;
  /** The AMQP `properties` section (message_id, correlation_id, content_type, …), only the fields present. */
  properties?: Record<string, unknown>;
  /** The AMQP `application_properties` (what `EventData.properties` becomes on the wire). */
  applicationProperties?: Record<string, unknown>;
  /** The event's message annotations (`x-opt-partition-key`, …). */
  annotations?: Record<string, unknown>;
  partitionKey?: string;
  /** Set when the event came over a `<hub>/Partitions/<id>` link; unset for sends through the gateway (`<hub>`). */
  partitionId?: string;
  contentType?: string;
  messageId?: string;
  /** 1-based number of the accepted batch (transfer) the event came in. */
  batch: number;
  receivedAt: number;
}

export interface EventHubsPeerOptions {
  hubName?: string;
  partitionCount?: number;
  /** 0 or unset: an ephemeral port. */
  port?: number;
  /** max_message_size offered on sender links; 1 MiB unless set. */
  maxMessageSize?: number;
  /**
   * When each event of a batch is decoded: 'arrival' (default) as the batch arrives, so a section that does not
   * decode rejects the batch; 'read' when `events` is next read (the batch envelope is still decoded on arrival
   * to count its events). Benchmarks use 'read': decoding every event cost the peer's thread about 27 µs, more
   * than the sender spends on it, so the peer and not the sender set the rate.
   */
  decode?: 'arrival' | 'read';
}

export interface EventHubsPeerFaults {
  /** Rejects the next `count` batches with `condition` (default `com.microsoft:server-busy`, retryable). */
  rejectNextBatches(count: number, condition?: string): void;
  /**
   * Rejects a share of batches as server busy until set to 0. Without a seed: exactly every round(1/ratio)-th
   * batch (deterministic, never two in a row for ratio ≤ 0.5); with a seed: each batch with probability `ratio`
   * from a seeded generator (reproducible).
   */
  rejectRatio(ratio: number, seed?: number): void;
  /** CBS put-token answers 401 while on: new links cannot be authorized (links already open stay open). */
  rejectAuth(reject: boolean): void;
  /**
   * Holds the dispositions of batches arriving in the next `ms` milliseconds until then (0 releases at once); CBS and
   * management requests are still answered. A held batch whose link or connection is gone by then is discarded.
   */
  stall(ms: number): void;
  /** Detaches every open event sender link with `amqp:link:detach-forced` (the SDK re-attaches on its next send). */
  detachSenders(condition?: string): void;
  /** Destroys every client socket at once (no AMQP close); the peer keeps listening. */
  dropConnections(): void;
  /** Stops listening and drops every connection. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Turns every fault off (held dispositions are processed now). */
  clear(): void;
}

export interface EventHubsPeer {
  readonly port: number;
  /** `Endpoint=sb://127.0.0.1:<port>;…;EntityPath=<hub>;UseDevelopmentEmulator=true` */
  readonly connectionString: string;
  /** Every accepted event, in arrival order (with `decode: 'read'`, reading it decodes what has not been yet). */
  readonly events: ReceivedEvent[];
  /** How many events were accepted, without decoding any. */
  readonly eventCount: number;
  /** Forgets every event accepted so far. */
  clearEvents(): void;
  readonly batchesAccepted: number;
  readonly batchesRejected: number;
  /** AMQP connections opened by clients so far (a reconnect shows as a new one). */
  readonly connectionsOpened: number;
  /** The tokens of every CBS put-token request (SAS tokens for a connection string), for leak tests. */
  readonly tokens: string[];
  readonly faults: EventHubsPeerFaults;
  /** Resolves with a snapshot of all events once at least `count` have been accepted in total. */
  waitForEvents(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  stop(): Promise<void>;
}

/** The SDK sends every batch (EventDataBatch or an array of events) with this message format (eventHubSender.js). */
export const BATCH_MESSAGE_FORMAT = 0x80013700;
const SERVER_BUSY = 'com.microsoft:server-busy';
const PROPERTY_FIELDS = [
  'message_id',
  'user_id',
  'to',
  'subject',
  'reply_to',
  'correlation_id',
  'content_type',
  'content_encoding',
  'absolute_expiry_time',
  'creation_time',
  'group_id',
  'group_sequence',
  'reply_to_group_id',
] as const;

type PendingTransfer = { context: EventContext; address: string };

export async function startEventHubsPeer(options: EventHubsPeerOptions = {}): Promise<EventHubsPeer> {
  const hub = options.hubName ?? 'hub';
  const partitionIds = Array.from({ length: options.partitionCount ?? 4 }, (_, i) => String(i));
  const maxMessageSize = options.maxMessageSize ?? 1024 * 1024;
  const createdAt = new Date();

  const events: ReceivedEvent[] = [];
  const deferDecoding = options.decode === 'read';
  /** With `decode: 'read'`: accepted events not decoded yet, in arrival order after `events`. */
  const undecoded: { section: Buffer; partitionId: string | undefined; batch: number; receivedAt: number }[] = [];
  const decodeAccepted = () => {
    for (const { section, partitionId, batch, receivedAt } of undecoded)
      events.push(toReceivedEvent(rhea.message.decode(section) as unknown as Message, partitionId, batch, receivedAt));
    undecoded.length = 0;
  };
  const eventCount = () => events.length + undecoded.length;
  const perPartition = new Map<string, { count: number; lastAt: Date }>();
  let batchesAccepted = 0;
  let batchesRejected = 0;
  let connectionsOpened = 0;

  // Fault state.
  let rejectCount = 0;
  let rejectCondition = SERVER_BUSY;
  let rejectEvery = 0;
  let rejectProbability = 0;
  let random: (() => number) | undefined;
  let batchCounter = 0;
  let authRejected = false;
  let stallUntil = 0;
  let stallTimer: NodeJS.Timeout | undefined;
  const held: PendingTransfer[] = [];

  const sockets = new Set<Socket>();
  const closedConnections = new WeakSet<Connection>();
  const eventLinks = new Set<Receiver>();
  /** The client names its reply receiver after the reply_to of its requests; our sender has the same name. */
  const replySenders = new Map<string, Sender>();
  const waiters = new Set<{ count: number; resolve: (events: ReceivedEvent[]) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  const container = rhea.create_container({ id: `eventhubs-peer-${hub}`, autoaccept: false } as Parameters<typeof rhea.create_container>[0]);

  // Settle deliveries ourselves, one per event-loop turn: rhea merges consecutive dispositions into one range
  // without comparing their outcomes, so an accept right after a reject would hide the reject.
  const settlements: (() => void)[] = [];
  let settling = false;
  const settleNext = () => {
    const action = settlements.shift();
    try {
      action?.();
    } catch {
      // The connection went away meanwhile: nothing to settle.
    }
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

  const partitionOf = (address: string): string | undefined => {
    const match = /^(.+)\/Partitions\/([^/]+)$/i.exec(address);
    return match && match[1] === hub ? match[2] : undefined;
  };
  const isEventAddress = (address: string) => address === hub || (partitionOf(address) !== undefined && partitionIds.includes(partitionOf(address)!));
  const targetOf = (link: Receiver | Sender | undefined) =>
    String((link as unknown as { remote?: { attach?: { target?: { address?: string } } } } | undefined)?.remote?.attach?.target?.address ?? '');

  // Unhandled link/connection errors would otherwise be re-thrown by the container.
  container.on('error', () => undefined);
  for (const event of ['connection_error', 'session_error', 'sender_error', 'receiver_error', 'protocol_error'] as const) container.on(event, () => undefined);

  container.on('connection_open', () => {
    connectionsOpened++;
  });
  container.on('sender_open', (context: EventContext) => {
    replySenders.set(context.sender!.name, context.sender!);
  });
  container.on('sender_close', (context: EventContext) => {
    if (replySenders.get(context.sender!.name) === context.sender) replySenders.delete(context.sender!.name);
  });
  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver!;
    const address = targetOf(receiver);
    if (address === '$cbs' || address === '$management') return;
    if (!isEventAddress(address)) {
      receiver.close({ condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found.` });
      return;
    }
    // The attach frame goes out after this handler: the SDK reads max_message_size from it (createBatch's limit).
    (receiver as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = maxMessageSize;
    receiver.set_credit_window(500);
    eventLinks.add(receiver);
  });
  container.on('receiver_close', (context: EventContext) => {
    eventLinks.delete(context.receiver!);
  });
  container.on('disconnected', (context: EventContext) => {
    closedConnections.add(context.connection);
    for (const link of eventLinks) if (link.connection === context.connection) eventLinks.delete(link);
    for (const [name, sender] of replySenders) if (sender.connection === context.connection) replySenders.delete(name);
  });

  const reply = (request: Message, status: number, body?: unknown, error?: { condition: string; description: string }) => {
    replySenders.get(String(request.reply_to))?.send({
      correlation_id: request.message_id,
      application_properties: {
        'status-code': status,
        'status-description': error?.description ?? 'OK',
        ...(error ? { 'error-condition': error.condition } : {}),
      },
      body,
    } as Message);
  };

  const tokens: string[] = [];
  const answerCbs = (request: Message) => {
    const properties = request.application_properties ?? {};
    if (typeof request.body === 'string') tokens.push(request.body);
    if (properties.operation !== 'put-token') {
      reply(request, 400, undefined, { condition: 'amqp:not-implemented', description: `Unsupported CBS operation '${String(properties.operation)}'.` });
    } else if (authRejected) {
      reply(request, 401, undefined, { condition: 'amqp:unauthorized-access', description: 'InvalidSignature: The token has an invalid signature.' });
    } else {
      reply(request, 200);
    }
  };

  const answerManagement = (request: Message) => {
    const properties = request.application_properties ?? {};
    if (properties.operation !== 'READ') {
      reply(request, 501, undefined, { condition: 'amqp:not-implemented', description: `Unsupported operation '${String(properties.operation)}'.` });
    } else if (properties.name !== hub) {
      reply(request, 404, undefined, {
        condition: 'amqp:not-found',
        description: `The messaging entity '${String(properties.name)}' could not be found. status-code: 404`,
      });
    } else if (properties.type === 'com.microsoft:eventhub') {
      reply(request, 200, {
        name: hub,
        type: 'com.microsoft:eventhub',
        created_at: createdAt,
        partition_count: partitionIds.length,
        partition_ids: partitionIds,
      });
    } else if (properties.type === 'com.microsoft:partition' && partitionIds.includes(String(properties.partition))) {
      const partition = String(properties.partition);
      const stats = perPartition.get(partition);
      reply(request, 200, {
        name: hub,
        type: 'com.microsoft:partition',
        partition,
        begin_sequence_number: 0,
        last_enqueued_sequence_number: stats ? stats.count - 1 : -1,
        last_enqueued_offset: String(stats ? stats.count - 1 : -1),
        last_enqueued_time_utc: stats?.lastAt ?? new Date(0),
        is_partition_empty: !stats,
      });
    } else {
      reply(request, 404, undefined, { condition: 'amqp:not-found', description: `Unknown entity type or partition. status-code: 404` });
    }
  };

  const shouldReject = (): string | undefined => {
    batchCounter++;
    if (rejectCount > 0) {
      rejectCount--;
      return rejectCondition;
    }
    if (random ? random() < rejectProbability : rejectEvery > 0 && batchCounter % rejectEvery === 0) return SERVER_BUSY;
    return undefined;
  };

  const processTransfer = ({ context, address }: PendingTransfer) => {
    const delivery = context.delivery as Delivery;
    const raw = context.message as unknown;
    if (Buffer.isBuffer(raw) && raw.length > maxMessageSize) {
      batchesRejected++;
      settle(() =>
        delivery.reject({
          condition: 'amqp:link:message-size-exceeded',
          description: `The message is ${raw.length} bytes, over the limit of ${maxMessageSize}.`,
        }),
      );
      return;
    }
    const condition = shouldReject();
    if (condition) {
      batchesRejected++;
      const description = condition === SERVER_BUSY ? 'The server is busy. Please retry the operation.' : `Rejected by the test peer (${condition}).`;
      settle(() => delivery.reject({ condition, description }));
      return;
    }
    let inner: Message[] | Buffer[];
    try {
      inner = deferDecoding ? (batchSections(context) ?? [context.message!]) : decodeTransfer(context);
    } catch (error) {
      batchesRejected++;
      settle(() => delivery.reject({ condition: 'amqp:decode-error', description: String(error) }));
      return;
    }
    const partitionId = partitionOf(address);
    const batch = ++batchesAccepted;
    const now = Date.now();
    for (const item of inner) {
      if (Buffer.isBuffer(item)) {
        undecoded.push({ section: item, partitionId, batch, receivedAt: now });
        continue;
      }
      decodeAccepted(); // a single message arrives decoded: what came before it goes first
      events.push(toReceivedEvent(item, partitionId, batch, now));
    }
    if (partitionId !== undefined) {
      const stats = perPartition.get(partitionId) ?? { count: 0, lastAt: new Date(now) };
      stats.count += inner.length;
      stats.lastAt = new Date(now);
      perPartition.set(partitionId, stats);
    }
    settle(() => delivery.accept());
    for (const waiter of waiters) {
      if (eventCount() >= waiter.count) {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
        decodeAccepted();
        waiter.resolve(events.slice());
      }
    }
  };

  const releaseHeld = () => {
    clearTimeout(stallTimer);
    stallTimer = undefined;
    stallUntil = 0;
    for (const pending of held.splice(0)) {
      // A link or connection that went away meanwhile cannot be settled: that batch is simply lost.
      const link = pending.context.receiver;
      if (link?.is_open() && !closedConnections.has(link.connection)) processTransfer(pending);
    }
  };

  container.on('message', (context: EventContext) => {
    const address = targetOf(context.receiver);
    const delivery = context.delivery as Delivery;
    if (address === '$cbs' || address === '$management') {
      settle(() => delivery.accept());
      if (address === '$cbs') answerCbs(context.message!);
      else answerManagement(context.message!);
      return;
    }
    if (Date.now() < stallUntil) held.push({ context, address });
    else processTransfer({ context, address });
  });

  let server: Server | undefined;
  let port = options.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const listening = container.listen({ port, host: '127.0.0.1' }) as unknown as Server;
      listening.once('listening', () => {
        port = (listening.address() as AddressInfo).port;
        server = listening;
        resolve();
      });
      listening.once('error', reject);
      listening.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
    });
  const dropConnections = () => {
    // With an error: rhea only watches 'end' and 'error' on its socket, so a bare destroy() would leave our side of
    // the connection believing it is open (and a stalled transfer on it would still be accepted later).
    for (const socket of sockets) socket.destroy(new Error('connection dropped by the Event Hubs test peer'));
    sockets.clear();
  };
  const down = () =>
    new Promise<void>((resolve) => {
      const closing = server;
      server = undefined;
      dropConnections();
      // A few ms for in-process clients to see their sockets close before the caller's next step.
      const settled = () => setTimeout(resolve, 5);
      if (!closing) return settled();
      closing.close(settled);
    });

  const faults: EventHubsPeerFaults = {
    rejectNextBatches(count, condition = SERVER_BUSY) {
      rejectCount = count;
      rejectCondition = condition;
    },
    rejectRatio(ratio, seed) {
      rejectEvery = seed === undefined && ratio > 0 ? Math.max(1, Math.round(1 / ratio)) : 0;
      rejectProbability = seed !== undefined ? ratio : 0;
      random = seed !== undefined && ratio > 0 ? mulberry32(seed) : undefined;
    },
    rejectAuth(reject) {
      authRejected = reject;
    },
    stall(ms) {
      if (ms <= 0) return releaseHeld();
      stallUntil = Date.now() + ms;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(releaseHeld, ms);
    },
    detachSenders(condition = 'amqp:link:detach-forced') {
      for (const link of [...eventLinks]) {
        eventLinks.delete(link);
        try {
          if (link.is_open()) link.close({ condition, description: 'The link was detached by the test peer.' });
        } catch {
          // Already gone.
        }
      }
    },
    dropConnections,
    down,
    up: listen,
    clear() {
      rejectCount = 0;
      rejectCondition = SERVER_BUSY;
      faults.rejectRatio(0);
      authRejected = false;
      releaseHeld();
    },
  };

  await listen();

  return {
    get port() {
      return port;
    },
    get connectionString() {
      return `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;EntityPath=${hub};UseDevelopmentEmulator=true`;
    },
    get events() {
      decodeAccepted();
      return events;
    },
    get eventCount() {
      return eventCount();
    },
    clearEvents() {
      events.length = 0;
      undecoded.length = 0;
    },
    get batchesAccepted() {
      return batchesAccepted;
    },
    get batchesRejected() {
      return batchesRejected;
    },
    get connectionsOpened() {
      return connectionsOpened;
    },
    tokens,
    faults,
    waitForEvents(count, timeoutMs = 10_000) {
      if (eventCount() >= count) {
        decodeAccepted();
        return Promise.resolve(events.slice());
      }
      return new Promise<ReceivedEvent[]>((resolve, reject) => {
        const waiter = {
          count,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`Only ${eventCount()} of ${count} events arrived within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      clearTimeout(stallTimer);
      held.length = 0;
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`The peer stopped with ${eventCount()} of ${waiter.count} events`));
      }
      waiters.clear();
      await down();
    },
  };
}

/** The encoded events of a batch transfer (the data sections of its envelope), or null for a single message (format 0). */
function batchSections(context: EventContext): Buffer[] | null {
  const delivery = context.delivery as Delivery;
  if (delivery.format !== BATCH_MESSAGE_FORMAT) return null;
  // rhea hands transfers of a non-zero format over undecoded (session.js): decode the envelope, then each section.
  const envelope = rhea.message.decode(context.message as unknown as Buffer);
  const body = envelope.body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (body?.typecode !== 0x75) throw new Error('A batch envelope must carry data sections');
  return body.multiple && Array.isArray(body.content) ? (body.content as Buffer[]) : [body.content as Buffer];
}

/** The events of one transfer: each data section of a batch envelope decoded, or the message itself (format 0). */
function decodeTransfer(context: EventContext): Message[] {
  const sections = batchSections(context);
  return sections ? sections.map((section) => rhea.message.decode(section) as unknown as Message) : [context.message!];
}

function toReceivedEvent(message: Message, partitionId: string | undefined, batch: number, receivedAt: number): ReceivedEvent {
  const properties: Record<string, unknown> = {};
  for (const field of PROPERTY_FIELDS) {
    const value = (message as unknown as Record<string, unknown>)[field];
    if (value !== undefined && value !== null) properties[field] = value;
  }
  const annotations = message.message_annotations as Record<string, unknown> | undefined;
  const partitionKey = annotations?.['x-opt-partition-key'];
  return {
    body: decodeBody(message.body),
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    ...(message.application_properties ? { applicationProperties: { ...message.application_properties } } : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ...(partitionKey !== undefined && partitionKey !== null ? { partitionKey: String(partitionKey) } : {}),
    ...(partitionId !== undefined ? { partitionId } : {}),
    ...(message.content_type ? { contentType: String(message.content_type) } : {}),
    ...(message.message_id !== undefined && message.message_id !== null ? { messageId: String(message.message_id) } : {}),
    batch,
    receivedAt,
  };
}

/** Like the SDK's defaultDataTransformer.decode: data sections are JSON-parsed when they parse, else a Buffer. */
function decodeBody(body: unknown): unknown {
  const section = body as { typecode?: number; content?: unknown } | undefined;
  if (section?.typecode === 0x76) return section.content; // amqp-sequence
  const bytes = section?.typecode === 0x75 ? section.content : body;
  if (Buffer.isBuffer(bytes)) {
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      return bytes;
    }
  }
  return bytes; // amqp-value bodies arrive already decoded
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
