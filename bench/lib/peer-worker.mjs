// Runs the AMQP test peer in a worker thread so the benchmark's producer and the peer use separate cores. Events are
// decoded when they are read, not as they arrive (`decode: 'read'`), so the peer's one thread does not set the rate
// the benchmarks measure; 'verify' then decodes every event and checks it.
import { parentPort } from 'node:worker_threads';
import { procCpuMs } from './proc-cpu.mjs';
import { startEventHubsPeer } from '../../dist-bench/test/support/eventhubs-peer.js';

const peer = await startEventHubsPeer({ partitionCount: 4, decode: 'read' });
parentPort.postMessage({ type: 'ready', connectionString: peer.connectionString });
parentPort.on('message', async (message) => {
  if (message.type === 'count') parentPort.postMessage({ type: 'count', count: peer.eventCount });
  // This thread's own CPU time (Linux's per-thread counters, in clock ticks of 10 ms), so the producer's is told apart.
  if (message.type === 'cpu') parentPort.postMessage({ type: 'cpu', ms: procCpuMs('/proc/thread-self/stat') });
  // When each event arrived and the time it carries (live benchmark).
  if (message.type === 'times')
    parentPort.postMessage({ type: 'times', times: peer.events.map((e) => [e.receivedAt, Date.parse(e.body?.ingest_timestamp ?? '')]) });
  // Every event decoded: how many, how many distinct message ids, and how many whose JSON body's event_id is not
  // its message id (a body that did not arrive intact).
  if (message.type === 'verify') {
    const events = peer.events;
    const ids = new Set(events.map((e) => e.messageId));
    const mismatched = events.filter((e) => e.body?.event_id === undefined || e.body.event_id !== e.messageId).length;
    parentPort.postMessage({ type: 'verify', count: events.length, distinctIds: ids.size, mismatched });
  }
  if (message.type === 'reset') {
    peer.clearEvents();
    parentPort.postMessage({ type: 'reset' });
  }
  if (message.type === 'stop') {
    await peer.stop();
    process.exit(0);
  }
});
