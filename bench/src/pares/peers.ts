/**
 * One simulated pump, whatever the server speaks. Both kinds send the same bytes for the same
 * event — the hub benchmark's `estado` and `transaccion_completada` lines (messages.ts) — so the
 * comparison is about what the server does with them, not about what is sent:
 *
 * - NDJSON (the station and the minimal Node server): the hub's PumpConnection, registered with
 *   `registro`; a sale is acknowledged by `transaccion_confirmada`.
 * - MQTT (mosquitto, aedes), driven by the `mqtt` package: `estado` is a QoS 0 PUBLISH to
 *   surtidores/<id>/estado (live state may be lost), a sale a QoS 1 PUBLISH to
 *   surtidores/<id>/venta, acknowledged by PUBACK. The payload is the line without its newline
 *   (MQTT frames by length); MQTT adds its own header and the topic (~25 bytes).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { estadoLine, newPumpState, type PumpState, transaccionLine } from '../hub/messages.js';
import { PumpConnection } from '../hub/pump-connection.js';
import type { Protocol } from './types.js';

export interface PeerEvents {
  /** The server acknowledged the sale `id`. */
  onAck(id: string): void;
  /** An `error` line from the server (NDJSON). */
  onError(codigo: string): void;
  /** The server closed an established connection. */
  onLost(): void;
}

export interface Peer {
  readonly open: boolean;
  /** Bytes queued in this process, not yet taken by the kernel. */
  readonly buffered: number;
  sendEstado(): void;
  sendVenta(id: string): void;
  close(): void;
}

export type OpenPeer = (port: number, id: number, timeoutMs: number, events: PeerEvents) => Promise<Peer>;

const withoutNewline = (line: string) => line.slice(0, -1);

async function openNdjson(port: number, id: number, timeoutMs: number, events: PeerEvents): Promise<Peer> {
  const conn = await PumpConnection.open({ port }, id, timeoutMs, {
    onMessage: (_conn, msg) => {
      if (msg.tipo === 'transaccion_confirmada') events.onAck(String(msg.id_transaccion));
      else if (msg.tipo === 'error') events.onError(String(msg.codigo));
    },
    onLost: () => events.onLost(),
  });
  return {
    get open() {
      return conn.open;
    },
    get buffered() {
      return conn.buffered;
    },
    sendEstado: () => conn.send(estadoLine(conn.pump)),
    sendVenta: (ventaId) => conn.send(transaccionLine(conn.pump, ventaId, Date.now())),
    close: () => conn.close(),
  };
}

class MqttPeer implements Peer {
  private readonly pump: PumpState;
  private readonly estadoTopic: string;
  private readonly ventaTopic: string;
  private closing = false;

  constructor(
    private readonly client: MqttClient,
    id: number,
    private readonly events: PeerEvents,
  ) {
    this.pump = newPumpState(id);
    this.estadoTopic = `surtidores/${id}/estado`;
    this.ventaTopic = `surtidores/${id}/venta`;
    client.on('close', () => {
      if (!this.closing) events.onLost();
      this.closing = true;
    });
  }

  get open(): boolean {
    return this.client.connected && !this.closing;
  }

  get buffered(): number {
    return this.client.stream?.writableLength ?? 0;
  }

  sendEstado(): void {
    this.client.publish(this.estadoTopic, withoutNewline(estadoLine(this.pump)), { qos: 0 });
  }

  sendVenta(id: string): void {
    // mqtt.js calls back on PUBACK for QoS 1.
    this.client.publish(
      this.ventaTopic,
      withoutNewline(transaccionLine(this.pump, id, Date.now())),
      { qos: 1 },
      (err) => {
        if (!err) this.events.onAck(id);
      },
    );
  }

  close(): void {
    this.closing = true;
    this.client.end(true);
  }
}

function openMqtt(port: number, id: number, timeoutMs: number, events: PeerEvents): Promise<Peer> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocolVersion: 4,
    clientId: `surtidor-${id}`,
    clean: true,
    // A lost connection is a result, not something to hide by reconnecting.
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    keepalive: 60,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(`sin CONNACK en ${timeoutMs} ms`), timeoutMs);
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      reject(new Error(`surtidor ${id}: ${reason}`));
    };
    // After CONNACK errors end in 'close', which the peer counts as a lost connection.
    client.on('error', (err) => fail(err.message));
    client.once('close', () => fail('conexión cerrada antes del CONNACK'));
    client.once('connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(new MqttPeer(client, id, events));
    });
  });
}

export const openPeer: Record<Protocol, OpenPeer> = { ndjson: openNdjson, mqtt: openMqtt };
