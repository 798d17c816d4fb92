// Runs the AMQP test peer in a worker thread so the benchmark's producer and the peer use separate cores.
import { parentPort } from 'node:worker_threads';
import { startEventHubsPeer } from '../../dist-bench/test/support/eventhubs-peer.js';

const peer = await startEventHubsPeer({ partitionCount: 4 });
parentPort.postMessage({ type: 'ready', connectionString: peer.connectionString });
parentPort.on('message', async (message) => {
  if (message.type === 'count') parentPort.postMessage({ type: 'count', count: peer.events.length });
  if (message.type === 'reset') {
    peer.events.length = 0;
    parentPort.postMessage({ type: 'reset' });
  }
  if (message.type === 'stop') {
    await peer.stop();
    process.exit(0);
  }
});
