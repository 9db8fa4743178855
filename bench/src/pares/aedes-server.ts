/**
 * aedes (an MQTT broker written for Node) on a free loopback port, in its own process so its CPU
 * and memory are measured apart from everything else, like the other servers. Default options:
 * in-memory persistence, no auth. Prints `{"escuchando":"aedes","puerto":<port>}`, answers
 * {type:'stats'} over IPC with the PUBLISH packets taken from clients, exits on SIGTERM/SIGINT or
 * when its parent goes away.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import type { CountStats } from './types.js';

const broker = await Aedes.createBroker();
let messages = 0;
let connections = 0;
// `client` is null for the broker's own messages ($SYS and the like): count only the fleet's.
broker.on('publish', (_packet, client) => {
  if (client) messages += 1;
});
broker.on('client', () => {
  connections += 1;
});
broker.on('clientDisconnect', () => {
  connections -= 1;
});

const server = net.createServer({ noDelay: true }, broker.handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ escuchando: 'aedes', puerto: port })}\n`);
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'stats') process.send?.({ type: 'stats', messages, connections } satisfies CountStats);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
