import { describe, expect, it } from 'vitest';
import { pumpToStation, stationToPump } from './link1.js';
import { encodeMessage, type ParseResult, parseLine } from './parse.js';

type Fields = Record<string, unknown>;

// ── builders (the seed's own examples, docs/protocol.md and shared/PROTOCOL.md) ─────────────────

const PRECIOS = { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 };

const unRegistro = (o: Fields = {}): Fields => ({
  tipo: 'registro',
  id_surtidor: 1,
  nombre: 'Surtidor Norte 1',
  combustibles_soportados: ['93', '95', '97', 'diesel'],
  version: '1.0',
  ...o,
});

const unEstado = (o: Fields = {}): Fields => ({
  tipo: 'estado',
  id_surtidor: 1,
  estado_operacion: 'despachando',
  litros_actuales: 15.5,
  monto_actual: 20925,
  tipo_combustible: '95',
  timestamp: '2024-01-15T14:30:00',
  ...o,
});

const unaTransaccion = (o: Fields = {}): Fields => ({
  tipo: 'transaccion_completada',
  id_surtidor: 1,
  tipo_combustible: '95',
  litros: 30.5,
  precio_por_litro: 1350,
  monto_total: 41175,
  metodo_pago: 'tarjeta',
  fecha_inicio: '2024-01-15T14:25:00',
  fecha_fin: '2024-01-15T14:30:00',
  ...o,
});

const unErrorDeSurtidor = (o: Fields = {}): Fields => ({
  tipo: 'error',
  id_surtidor: 1,
  codigo: 'ERROR_DESPACHO',
  mensaje: 'Error en el sensor de flujo',
  timestamp: '2024-01-15T14:30:00',
  ...o,
});

const unHeartbeat = (o: Fields = {}): Fields => ({
  tipo: 'heartbeat',
  id_surtidor: 1,
  timestamp: '2024-01-15T14:30:00',
  ...o,
});

const unosPreciosAplicados = (o: Fields = {}): Fields => ({
  tipo: 'precios_aplicados',
  id_surtidor: 1,
  version: 3,
  ...o,
});

const unComandoEjecutado = (o: Fields = {}): Fields => ({
  tipo: 'comando_ejecutado',
  id_surtidor: 1,
  id_comando: 'cmd-1',
  resultado: 'ok',
  ...o,
});

const unRegistroConfirmado = (o: Fields = {}): Fields => ({
  tipo: 'registro_confirmado',
  id_surtidor: 1,
  mensaje: 'Surtidor registrado exitosamente',
  precios: PRECIOS,
  ...o,
});

const unaActualizacionDePrecios = (o: Fields = {}): Fields => ({
  tipo: 'actualizacion_precios',
  precios: PRECIOS,
  timestamp: '2024-01-15T14:30:00',
  ...o,
});

const unComando = (o: Fields = {}): Fields => ({
  tipo: 'comando',
  comando: 'pausar',
  razon: 'Mantenimiento programado',
  ...o,
});

const unaSolicitudDeEstado = (o: Fields = {}): Fields => ({
  tipo: 'solicitud_estado',
  timestamp: '2024-01-15T14:30:00',
  ...o,
});

const unRegistroRechazado = (o: Fields = {}): Fields => ({
  tipo: 'registro_rechazado',
  codigo: 'AUTENTICACION_FALLIDA',
  mensaje: 'token incorrecto',
  ...o,
});

const unaTransaccionConfirmada = (o: Fields = {}): Fields => ({
  tipo: 'transaccion_confirmada',
  id_transaccion: 's1-000042',
  duplicada: false,
  ...o,
});

const unErrorDeEstacion = (o: Fields = {}): Fields => ({
  tipo: 'error',
  codigo: 'MENSAJE_INVALIDO',
  mensaje: 'mensaje "estado" inválido',
  ...o,
});

/** Drops fields: JSON.stringify leaves out keys whose value is undefined. */
const sin = (...campos: string[]): Fields => Object.fromEntries(campos.map((c) => [c, undefined]));

const fromPump = (m: Fields) => parseLine(JSON.stringify(m), pumpToStation);
const fromStation = (m: Fields) => parseLine(JSON.stringify(m), stationToPump);

function expectOk<T>(result: ParseResult<T>, expected: Fields): void {
  if (!result.ok) throw new Error(`expected a valid message, got ${JSON.stringify(result.error)}`);
  expect(result.message).toEqual(JSON.parse(JSON.stringify(expected)));
}

function expectInvalidField<T>(result: ParseResult<T>, campo: string): void {
  if (result.ok) throw new Error(`expected MENSAJE_INVALIDO on "${campo}", got a valid message`);
  expect(result.error.tipo).toBe('error');
  expect(result.error.codigo).toBe('MENSAJE_INVALIDO');
  expect(result.error.detalles?.map((d) => d.campo)).toContain(campo);
  for (const d of result.error.detalles ?? []) expect(d.problema.length).toBeGreaterThan(0);
}

function expectCode<T>(result: ParseResult<T>, codigo: string): void {
  if (result.ok) throw new Error(`expected ${codigo}, got a valid message`);
  expect(result.error.codigo).toBe(codigo);
}

type Case = [description: string, message: Fields, campo: string];

// ── pump → station ──────────────────────────────────────────────────────────────────────────

describe('link 1, pump → station', () => {
  it('accepts the netcat session lines of the spec verbatim', () => {
    const registro =
      '{"tipo":"registro","id_surtidor":9,"nombre":"Prueba nc","combustibles_soportados":["95"],"version":"1.0"}';
    const venta =
      '{"tipo":"transaccion_completada","id_surtidor":9,"tipo_combustible":"95","litros":10,"precio_por_litro":1350,"monto_total":13500,"metodo_pago":"efectivo","fecha_inicio":"2026-01-15T14:25:00Z","fecha_fin":"2026-01-15T14:27:00Z"}';
    const r = parseLine(registro, pumpToStation);
    expect(r.ok && r.message.tipo === 'registro' && r.message.id_surtidor).toBe(9);
    const t = parseLine(venta, pumpToStation);
    expect(t.ok && t.message.tipo === 'transaccion_completada' && t.message.monto_total).toBe(13500);
  });

  it('rejects the netcat "hola" line as JSON_INVALIDO', () => {
    const result = parseLine('hola', pumpToStation);
    expectCode(result, 'JSON_INVALIDO');
  });

  it.each([
    ['registro', unRegistro()],
    ['registro with the (ext) token and combustible_actual', unRegistro({ token: 's3cr3t', combustible_actual: '97' })],
    ['estado', unEstado()],
    [
      'estado disponible with nothing dispensed',
      unEstado({ estado_operacion: 'disponible', litros_actuales: 0, monto_actual: 0 }),
    ],
    ['transaccion_completada', unaTransaccion()],
    [
      'transaccion_completada with every (ext) field',
      unaTransaccion({
        id_transaccion: 's1-2024.01:15_0001',
        estado: 'cancelada',
        operador: 'Ana',
        secuencia: 0,
        version_precios: 0,
        totalizador_inicio: 1000,
        totalizador_fin: 1030.5,
      }),
    ],
    ['transaccion_completada with equal start and end', unaTransaccion({ fecha_fin: '2024-01-15T14:25:00' })],
    ['transaccion_completada with a zero amount', unaTransaccion({ monto_total: 0 })],
    [
      'transaccion_completada with offsets that put the end after the start',
      unaTransaccion({ fecha_inicio: '2024-01-15T14:25:00-03:00', fecha_fin: '2024-01-15T17:26:00Z' }),
    ],
    // The plausibility limits (docs/protocol.md), at their edges: still a sale some pump could make.
    ['transaccion_completada of the least measurable volume', unaTransaccion({ litros: 0.001, monto_total: 1 })],
    [
      'transaccion_completada at the largest volume, price and amount',
      unaTransaccion({ litros: 100_000, precio_por_litro: 100_000, monto_total: 10_000_000_000 }),
    ],
    ['transaccion_completada at the lowest price', unaTransaccion({ precio_por_litro: 1 })],
    [
      'transaccion_completada on the first instant of 2000',
      unaTransaccion({ fecha_inicio: '2000-01-01T00:00:00Z', fecha_fin: '2000-01-01T00:00:00.000Z' }),
    ],
    [
      'transaccion_completada with the largest meter reading',
      unaTransaccion({ totalizador_inicio: 999_999_999_000, totalizador_fin: 1_000_000_000_000 }),
    ],
    ['error', unErrorDeSurtidor()],
    ['heartbeat', unHeartbeat()],
    ['heartbeat with a UTC timestamp', unHeartbeat({ timestamp: '2026-01-15T14:25:00.123Z' })],
    ['precios_aplicados', unosPreciosAplicados()],
    ['precios_aplicados of the default version 0', unosPreciosAplicados({ version: 0 })],
    ['comando_ejecutado', unComandoEjecutado()],
    ['comando_ejecutado with an error text', unComandoEjecutado({ resultado: 'surtidor ocupado' })],
  ])('accepts %s', (_name, message) => {
    expectOk(fromPump(message), message);
  });

  it.each(['93', '95', '97', 'diesel'])('accepts combustible %s', (c) => {
    expectOk(fromPump(unEstado({ tipo_combustible: c })), unEstado({ tipo_combustible: c }));
  });

  it.each(['efectivo', 'tarjeta', 'transferencia'])('accepts metodo_pago %s', (metodo) => {
    expectOk(fromPump(unaTransaccion({ metodo_pago: metodo })), unaTransaccion({ metodo_pago: metodo }));
  });

  it.each<Case>([
    // registro
    ['registro without id_surtidor', unRegistro(sin('id_surtidor')), 'id_surtidor'],
    ['registro with id_surtidor 0', unRegistro({ id_surtidor: 0 }), 'id_surtidor'],
    ['registro with a fractional id_surtidor', unRegistro({ id_surtidor: 1.5 }), 'id_surtidor'],
    ['registro with id_surtidor as text', unRegistro({ id_surtidor: '1' }), 'id_surtidor'],
    ['registro without nombre', unRegistro(sin('nombre')), 'nombre'],
    ['registro with an empty nombre', unRegistro({ nombre: '' }), 'nombre'],
    ['registro with a 101-char nombre', unRegistro({ nombre: 'n'.repeat(101) }), 'nombre'],
    ['registro without combustibles', unRegistro(sin('combustibles_soportados')), 'combustibles_soportados'],
    ['registro with no combustibles', unRegistro({ combustibles_soportados: [] }), 'combustibles_soportados'],
    [
      'registro with duplicated combustibles',
      unRegistro({ combustibles_soportados: ['95', '95'] }),
      'combustibles_soportados',
    ],
    [
      'registro with an unknown combustible',
      unRegistro({ combustibles_soportados: ['98'] }),
      'combustibles_soportados.0',
    ],
    ['registro with combustibles as text', unRegistro({ combustibles_soportados: '95' }), 'combustibles_soportados'],
    ['registro without version', unRegistro(sin('version')), 'version'],
    ['registro with a numeric version', unRegistro({ version: 1 }), 'version'],
    ['registro with a bad combustible_actual', unRegistro({ combustible_actual: 'kerosene' }), 'combustible_actual'],
    ['registro with a 257-char token', unRegistro({ token: 't'.repeat(257) }), 'token'],
    // estado
    ['estado with an unknown estado_operacion', unEstado({ estado_operacion: 'roto' }), 'estado_operacion'],
    ['estado without estado_operacion', unEstado(sin('estado_operacion')), 'estado_operacion'],
    ['estado with negative litros', unEstado({ litros_actuales: -0.1 }), 'litros_actuales'],
    ['estado with litros as text', unEstado({ litros_actuales: '15.5' }), 'litros_actuales'],
    ['estado with a negative monto', unEstado({ monto_actual: -1 }), 'monto_actual'],
    ['estado with a fractional monto', unEstado({ monto_actual: 10.5 }), 'monto_actual'],
    ['estado with a bad tipo_combustible', unEstado({ tipo_combustible: 'gas' }), 'tipo_combustible'],
    ['estado with a non-ISO timestamp', unEstado({ timestamp: '15/01/2024 14:30' }), 'timestamp'],
    ['estado without timestamp', unEstado(sin('timestamp')), 'timestamp'],
    // transaccion_completada
    ['transaccion without id_surtidor', unaTransaccion(sin('id_surtidor')), 'id_surtidor'],
    ['transaccion with negative id_surtidor', unaTransaccion({ id_surtidor: -3 }), 'id_surtidor'],
    ['transaccion with litros 0', unaTransaccion({ litros: 0 }), 'litros'],
    ['transaccion with negative litros', unaTransaccion({ litros: -5 }), 'litros'],
    ['transaccion without litros', unaTransaccion(sin('litros')), 'litros'],
    ['transaccion with precio_por_litro 0', unaTransaccion({ precio_por_litro: 0 }), 'precio_por_litro'],
    ['transaccion with a fractional precio', unaTransaccion({ precio_por_litro: 1350.5 }), 'precio_por_litro'],
    ['transaccion with a negative monto', unaTransaccion({ monto_total: -100 }), 'monto_total'],
    ['transaccion with monto as text', unaTransaccion({ monto_total: '41175' }), 'monto_total'],
    ['transaccion with a bad metodo_pago', unaTransaccion({ metodo_pago: 'cheque' }), 'metodo_pago'],
    ['transaccion without metodo_pago', unaTransaccion(sin('metodo_pago')), 'metodo_pago'],
    ['transaccion with a bad tipo_combustible', unaTransaccion({ tipo_combustible: 'diésel' }), 'tipo_combustible'],
    ['transaccion with a bad fecha_inicio', unaTransaccion({ fecha_inicio: 'ayer' }), 'fecha_inicio'],
    ['transaccion without fecha_fin', unaTransaccion(sin('fecha_fin')), 'fecha_fin'],
    [
      'transaccion with fecha_fin before fecha_inicio',
      unaTransaccion({ fecha_inicio: '2024-01-15T14:30:00', fecha_fin: '2024-01-15T14:29:59' }),
      'fecha_fin',
    ],
    [
      'transaccion whose fecha_fin is before fecha_inicio once offsets are applied',
      unaTransaccion({ fecha_inicio: '2024-01-15T14:25:00-03:00', fecha_fin: '2024-01-15T15:00:00Z' }),
      'fecha_fin',
    ],
    ['transaccion with a 65-char id_transaccion', unaTransaccion({ id_transaccion: 'x'.repeat(65) }), 'id_transaccion'],
    ['transaccion with an empty id_transaccion', unaTransaccion({ id_transaccion: '' }), 'id_transaccion'],
    ['transaccion with a space in id_transaccion', unaTransaccion({ id_transaccion: 'a b' }), 'id_transaccion'],
    ['transaccion with a bad estado', unaTransaccion({ estado: 'pendiente' }), 'estado'],
    ['transaccion with a negative secuencia', unaTransaccion({ secuencia: -1 }), 'secuencia'],
    ['transaccion with a fractional secuencia', unaTransaccion({ secuencia: 1.5 }), 'secuencia'],
    ['transaccion with a negative version_precios', unaTransaccion({ version_precios: -1 }), 'version_precios'],
    [
      'transaccion whose meter goes backwards',
      unaTransaccion({ totalizador_inicio: 100, totalizador_fin: 99 }),
      'totalizador_fin',
    ],
    ['transaccion with a negative totalizador', unaTransaccion({ totalizador_inicio: -1 }), 'totalizador_inicio'],
    // Values no pump can ever sell (plausibility limits, docs/protocol.md).
    ['transaccion with 1e-300 litres', unaTransaccion({ litros: 1e-300 }), 'litros'],
    ['transaccion with less than a millilitre', unaTransaccion({ litros: 0.0009 }), 'litros'],
    ['transaccion with more than 100,000 litres', unaTransaccion({ litros: 100_000.001 }), 'litros'],
    [
      'transaccion with a price above 100,000 per litre',
      unaTransaccion({ precio_por_litro: 100_001 }),
      'precio_por_litro',
    ],
    ['transaccion with an amount above 10^10', unaTransaccion({ monto_total: 10_000_000_001 }), 'monto_total'],
    ['transaccion with an amount near 2^53', unaTransaccion({ monto_total: 2 ** 53 - 1 }), 'monto_total'],
    ['transaccion with an unsafe amount', unaTransaccion({ monto_total: 2 ** 53 + 2 }), 'monto_total'],
    [
      'transaccion started in year 1',
      unaTransaccion({ fecha_inicio: '0001-01-01T00:00:00Z', fecha_fin: '2024-01-15T14:27:30' }),
      'fecha_inicio',
    ],
    [
      'transaccion ended before 2000',
      unaTransaccion({ fecha_inicio: '1999-12-31T23:00:00Z', fecha_fin: '1999-12-31T23:59:59.999Z' }),
      'fecha_fin',
    ],
    ['transaccion with a meter reading above 10^12', unaTransaccion({ totalizador_fin: 1e12 + 1 }), 'totalizador_fin'],
    ['transaccion with a secuencia beyond 2^53', unaTransaccion({ secuencia: 2 ** 53 }), 'secuencia'],
    // error
    ['error without codigo', unErrorDeSurtidor(sin('codigo')), 'codigo'],
    ['error with an empty codigo', unErrorDeSurtidor({ codigo: '' }), 'codigo'],
    ['error without id_surtidor', unErrorDeSurtidor(sin('id_surtidor')), 'id_surtidor'],
    ['error with a numeric mensaje', unErrorDeSurtidor({ mensaje: 42 }), 'mensaje'],
    ['error without timestamp', unErrorDeSurtidor(sin('timestamp')), 'timestamp'],
    // heartbeat
    ['heartbeat without id_surtidor', unHeartbeat(sin('id_surtidor')), 'id_surtidor'],
    ['heartbeat with an epoch timestamp', unHeartbeat({ timestamp: 1705329000000 }), 'timestamp'],
    // precios_aplicados
    ['precios_aplicados without version', unosPreciosAplicados(sin('version')), 'version'],
    ['precios_aplicados with a negative version', unosPreciosAplicados({ version: -1 }), 'version'],
    ['precios_aplicados with a fractional version', unosPreciosAplicados({ version: 2.5 }), 'version'],
    // comando_ejecutado
    ['comando_ejecutado without id_comando', unComandoEjecutado(sin('id_comando')), 'id_comando'],
    ['comando_ejecutado with an empty resultado', unComandoEjecutado({ resultado: '' }), 'resultado'],
    ['comando_ejecutado with id_surtidor as text', unComandoEjecutado({ id_surtidor: '1' }), 'id_surtidor'],
  ])('rejects %s as MENSAJE_INVALIDO naming the field', (_name, message, campo) => {
    expectInvalidField(fromPump(message), campo);
  });

  it('lists every bad field in detalles', () => {
    const result = fromPump(unaTransaccion({ litros: 0, metodo_pago: 'cheque', monto_total: -1 }));
    if (result.ok) throw new Error('expected an error');
    expect(result.error.detalles?.map((d) => d.campo).sort()).toEqual(['litros', 'metodo_pago', 'monto_total']);
  });

  it('answers TIPO_DESCONOCIDO to a tipo this direction does not know', () => {
    for (const tipo of ['saludo', 'registro_confirmado', 'transaccion_confirmada', 'comando', 'REGISTRO', '']) {
      expectCode(fromPump({ ...unRegistro(), tipo }), 'TIPO_DESCONOCIDO');
    }
  });

  it('answers MENSAJE_INVALIDO on "tipo" when it is missing or not a string', () => {
    for (const message of [unRegistro(sin('tipo')), unRegistro({ tipo: 7 }), unRegistro({ tipo: null })]) {
      expectInvalidField(fromPump(message), 'tipo');
    }
  });

  it('answers JSON_INVALIDO to bad JSON and to JSON that is not an object', () => {
    for (const line of ['{"tipo":"registro"', 'hola', '', '[]', '[{"tipo":"heartbeat"}]', 'null', '42', '"registro"']) {
      expectCode(parseLine(line, pumpToStation), 'JSON_INVALIDO');
    }
  });
});

// ── station → pump ──────────────────────────────────────────────────────────────────────────

describe('link 1, station → pump', () => {
  it.each([
    ['registro_confirmado', unRegistroConfirmado()],
    ['registro_confirmado with (ext) version_precios', unRegistroConfirmado({ version_precios: 4 })],
    ['actualizacion_precios', unaActualizacionDePrecios()],
    ['actualizacion_precios with (ext) version', unaActualizacionDePrecios({ version: 5 })],
    ['comando pausar', unComando()],
    ['comando reanudar with id_comando', unComando({ comando: 'reanudar', id_comando: 'c-7', razon: '' })],
    ['comando detener_emergencia', unComando({ comando: 'detener_emergencia', razon: 'fuga' })],
    ['solicitud_estado', unaSolicitudDeEstado()],
    ['registro_rechazado', unRegistroRechazado()],
    ['transaccion_confirmada', unaTransaccionConfirmada()],
    ['transaccion_confirmada of a duplicate', unaTransaccionConfirmada({ duplicada: true })],
    ['transaccion_confirmada of a conflict (ext)', unaTransaccionConfirmada({ conflicto: true })],
    [
      'transaccion_confirmada of a repeated conflict (ext)',
      unaTransaccionConfirmada({ duplicada: true, conflicto: true }),
    ],
    ['error', unErrorDeEstacion()],
    ['error with detalles', unErrorDeEstacion({ detalles: [{ campo: 'litros', problema: 'debe ser mayor que 0' }] })],
  ])('accepts %s', (_name, message) => {
    expectOk(fromStation(message), message);
  });

  it.each<Case>([
    ['registro_confirmado without precios', unRegistroConfirmado(sin('precios')), 'precios'],
    [
      'registro_confirmado missing precio_diesel',
      unRegistroConfirmado({ precios: { ...PRECIOS, precio_diesel: undefined } }),
      'precios.precio_diesel',
    ],
    [
      'registro_confirmado with a zero price',
      unRegistroConfirmado({ precios: { ...PRECIOS, precio_93: 0 } }),
      'precios.precio_93',
    ],
    [
      'registro_confirmado with a fractional price',
      unRegistroConfirmado({ precios: { ...PRECIOS, precio_95: 1350.5 } }),
      'precios.precio_95',
    ],
    [
      'registro_confirmado with a price as text',
      unRegistroConfirmado({ precios: { ...PRECIOS, precio_97: '1400' } }),
      'precios.precio_97',
    ],
    ['registro_confirmado with a negative version', unRegistroConfirmado({ version_precios: -1 }), 'version_precios'],
    ['registro_confirmado without id_surtidor', unRegistroConfirmado(sin('id_surtidor')), 'id_surtidor'],
    ['actualizacion_precios without timestamp', unaActualizacionDePrecios(sin('timestamp')), 'timestamp'],
    [
      'actualizacion_precios with a negative price',
      unaActualizacionDePrecios({ precios: { ...PRECIOS, precio_95: -1350 } }),
      'precios.precio_95',
    ],
    ['actualizacion_precios with a text version', unaActualizacionDePrecios({ version: '5' }), 'version'],
    ['comando with an unknown comando', unComando({ comando: 'pausar|reanudar' }), 'comando'],
    ['comando without razon', unComando(sin('razon')), 'razon'],
    ['comando with a 65-char id_comando', unComando({ id_comando: 'c'.repeat(65) }), 'id_comando'],
    ['solicitud_estado without timestamp', unaSolicitudDeEstado(sin('timestamp')), 'timestamp'],
    ['solicitud_estado with a date only', unaSolicitudDeEstado({ timestamp: '2024-01-15' }), 'timestamp'],
    ['registro_rechazado without codigo', unRegistroRechazado(sin('codigo')), 'codigo'],
    ['transaccion_confirmada without duplicada', unaTransaccionConfirmada(sin('duplicada')), 'duplicada'],
    ['transaccion_confirmada with duplicada as text', unaTransaccionConfirmada({ duplicada: 'no' }), 'duplicada'],
    ['transaccion_confirmada with conflicto as text', unaTransaccionConfirmada({ conflicto: 'sí' }), 'conflicto'],
    [
      'transaccion_confirmada with a 65-char id_transaccion',
      unaTransaccionConfirmada({ id_transaccion: 'x'.repeat(65) }),
      'id_transaccion',
    ],
    ['error without mensaje', unErrorDeEstacion(sin('mensaje')), 'mensaje'],
    ['error with detalles that are not a list', unErrorDeEstacion({ detalles: 'litros' }), 'detalles'],
    ['error with a detalle missing problema', unErrorDeEstacion({ detalles: [{ campo: 'x' }] }), 'detalles.0.problema'],
  ])('rejects %s as MENSAJE_INVALIDO naming the field', (_name, message, campo) => {
    expectInvalidField(fromStation(message), campo);
  });

  it('answers TIPO_DESCONOCIDO to pump messages sent the wrong way', () => {
    for (const m of [unRegistro(), unEstado(), unaTransaccion(), unHeartbeat(), unComandoEjecutado()]) {
      expectCode(fromStation(m), 'TIPO_DESCONOCIDO');
    }
  });
});

describe('encodeMessage on link 1', () => {
  const all = [
    unRegistro(),
    unEstado(),
    unaTransaccion({ id_transaccion: 's9:2026.01-15_7', operador: 'José\nPérez' }),
    unErrorDeSurtidor({ mensaje: 'sensor\r\nroto ☃' }),
    unHeartbeat(),
    unosPreciosAplicados(),
    unComandoEjecutado(),
  ];

  it('ends every message with exactly one newline and no other', () => {
    for (const m of [...all, unComando({ razon: 'a\nb\n' })]) {
      const line = encodeMessage(m as { tipo: string });
      expect(line.endsWith('\n')).toBe(true);
      expect(line.indexOf('\n')).toBe(line.length - 1);
    }
  });

  it('round-trips pump messages through parseLine', () => {
    for (const m of all) {
      const line = encodeMessage(m as { tipo: string });
      expectOk(parseLine(line.slice(0, -1), pumpToStation), m);
    }
  });

  it('round-trips station messages through parseLine', () => {
    for (const m of [
      unRegistroConfirmado({ version_precios: 2 }),
      unaActualizacionDePrecios({ version: 2 }),
      unComando({ id_comando: 'c1' }),
      unaSolicitudDeEstado(),
      unRegistroRechazado(),
      unaTransaccionConfirmada(),
      unErrorDeEstacion({ detalles: [{ campo: 'a', problema: 'b' }] }),
    ]) {
      expectOk(parseLine(encodeMessage(m as { tipo: string }).slice(0, -1), stationToPump), m);
    }
  });
});
