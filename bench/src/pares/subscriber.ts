/**
 * The brokers' consumer in `bench pares`: one MQTT client subscribed to every pump's topics, so a
 * broker routes and delivers each message (as the station consumes each line) instead of dropping
 * it for want of subscribers. Sales at QoS 1 (the broker must hold each until this client's
 * PUBACK), live state at QoS 0. Runs in its own process, whose CPU the report charges to the
 * client side. Prints `{"suscrito":true}` when subscribed; answers {type:'stats'} over IPC.
 */
import mqtt from 'mqtt';
import type { CountStats } from './types.js';

const port = Number(process.argv[2]);
let messages = 0;
let closing = false;
const client = mqtt.connect({
  host: '127.0.0.1',
  port,
  protocolVersion: 4,
  clientId: 'consumidor',
  clean: true,
  reconnectPeriod: 0,
});
client.on('message', () => {
  messages += 1;
});
client.on('connect', () => {
  client.subscribe({ 'surtidores/+/estado': { qos: 0 }, 'surtidores/+/venta': { qos: 1 } }, (err) => {
    if (err) {
      console.error(`consumidor: suscripción rechazada: ${err.message}`);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify({ suscrito: true })}\n`);
  });
});
client.on('error', (err) => console.error(`consumidor: ${err.message}`));
client.on('close', () => {
  if (!closing) console.error('consumidor: el broker cerró la conexión');
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'stats')
    process.send?.({ type: 'stats', messages, connections: client.connected ? 1 : 0 } satisfies CountStats);
});
const quit = () => {
  closing = true;
  client.end(true);
  process.exit(0);
};
process.on('disconnect', quit);
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
