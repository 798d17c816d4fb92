// Runs the AMQP test peer in a worker thread so the benchmark's producer and the peer use separate cores.
import { parentPort } from 'node:worker_threads';
import { startEventHubsPeer } from '../../dist-bench/test/support/eventhubs-peer.js';

const peer = await startEventHubsPeer({ partitionCount: 4 });
parentPort.postMessage({ type: 'ready', connectionString: peer.connectionString });
parentPort.on('message', async (message) => {
  if (message.type === 'count') parentPort.postMessage({ type: 'count', count: peer.events.length });
  // When each event arrived and the time it carries (live benchmark).
  if (message.type === 'times')
    parentPort.postMessage({ type: 'times', times: peer.events.map((e) => [e.receivedAt, Date.parse(e.body?.ingest_timestamp ?? '')]) });
  if (message.type === 'reset') {
    peer.events.length = 0;
    parentPort.postMessage({ type: 'reset' });
  }
  if (message.type === 'stop') {
    await peer.stop();
    process.exit(0);
  }
});
