import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { companyToStation, stationToCompany } from './link2.js';
import { encodeMessage, type ParseResult, parseLine } from './parse.js';

type Fields = Record<string, unknown>;

const PRECIOS = { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 };

const unaEstacionInfo = (o: Fields = {}): Fields => ({
  tipo: 'estacion_info',
  id_estacion: 'estacion-01',
  nombre: 'Estación Centro',
  version_precios: 0,
  ...o,
});

const unaAutenticacion = (o: Fields = {}): Fields => ({
  tipo: 'autenticacion',
  empresa: 'Combustibles del Sur',
  token: 'secreto',
  ...o,
});

const unaActualizacionDePrecios = (o: Fields = {}): Fields => ({
  tipo: 'actualizacion_precios',
  precios: PRECIOS,
  version: 1,
  timestamp: '2026-01-15T14:30:00Z',
  ...o,
});

const unosPreciosRecibidos = (o: Fields = {}): Fields => ({ tipo: 'precios_recibidos', version: 1, ...o });
const unPing = (o: Fields = {}): Fields => ({ tipo: 'ping', ...o });
const unPong = (o: Fields = {}): Fields => ({ tipo: 'pong', ...o });
const unError = (o: Fields = {}): Fields => ({
  tipo: 'error',
  codigo: 'AUTENTICACION_FALLIDA',
  mensaje: 'token incorrecto',
  ...o,
});

const sin = (...campos: string[]): Fields => Object.fromEntries(campos.map((c) => [c, undefined]));

const fromCompany = (m: Fields) => parseLine(JSON.stringify(m), companyToStation);
const fromStation = (m: Fields) => parseLine(JSON.stringify(m), stationToCompany);

function expectOk<T>(result: ParseResult<T>, expected: Fields): void {
  if (!result.ok) throw new Error(`expected a valid message, got ${JSON.stringify(result.error)}`);
  expect(result.message).toEqual(JSON.parse(JSON.stringify(expected)));
}

function expectInvalidField<T>(result: ParseResult<T>, campo: string): void {
  if (result.ok) throw new Error(`expected MENSAJE_INVALIDO on "${campo}", got a valid message`);
  expect(result.error.codigo).toBe('MENSAJE_INVALIDO');
  expect(result.error.detalles?.map((d) => d.campo)).toContain(campo);
}

function expectCode<T>(result: ParseResult<T>, codigo: string): void {
  if (result.ok) throw new Error(`expected ${codigo}, got a valid message`);
  expect(result.error.codigo).toBe(codigo);
}

type Case = [description: string, message: Fields, campo: string];

describe('link 2, company → station', () => {
  it.each([
    ['autenticacion', unaAutenticacion()],
    ['autenticacion with an empty token (no token configured)', unaAutenticacion({ token: '' })],
    ['actualizacion_precios', unaActualizacionDePrecios()],
    ['actualizacion_precios with a local timestamp', unaActualizacionDePrecios({ timestamp: '2024-01-15T14:30:00' })],
    ['ping', unPing()],
    ['ping with a timestamp', unPing({ timestamp: '2026-01-15T14:30:00Z' })],
    ['pong', unPong()],
    ['error', unError()],
  ])('accepts %s', (_name, message) => {
    expectOk(fromCompany(message), message);
  });

  it.each<Case>([
    ['autenticacion without empresa', unaAutenticacion(sin('empresa')), 'empresa'],
    ['autenticacion with an empty empresa', unaAutenticacion({ empresa: '' }), 'empresa'],
    ['autenticacion without token', unaAutenticacion(sin('token')), 'token'],
    ['autenticacion with a numeric token', unaAutenticacion({ token: 1234 }), 'token'],
    ['autenticacion with a 257-char token', unaAutenticacion({ token: 't'.repeat(257) }), 'token'],
    ['actualizacion_precios with version 0', unaActualizacionDePrecios({ version: 0 }), 'version'],
    ['actualizacion_precios with a negative version', unaActualizacionDePrecios({ version: -2 }), 'version'],
    ['actualizacion_precios with a fractional version', unaActualizacionDePrecios({ version: 1.5 }), 'version'],
    ['actualizacion_precios without version', unaActualizacionDePrecios(sin('version')), 'version'],
    ['actualizacion_precios without precios', unaActualizacionDePrecios(sin('precios')), 'precios'],
    [
      'actualizacion_precios with a zero price',
      unaActualizacionDePrecios({ precios: { ...PRECIOS, precio_diesel: 0 } }),
      'precios.precio_diesel',
    ],
    [
      'actualizacion_precios with an absurd price',
      unaActualizacionDePrecios({ precios: { ...PRECIOS, precio_93: 1_000_001 } }),
      'precios.precio_93',
    ],
    [
      'actualizacion_precios missing a price',
      unaActualizacionDePrecios({ precios: { precio_93: 1, precio_95: 1, precio_97: 1 } }),
      'precios.precio_diesel',
    ],
    ['actualizacion_precios with a bad timestamp', unaActualizacionDePrecios({ timestamp: 'hoy' }), 'timestamp'],
    ['ping with a bad timestamp', unPing({ timestamp: 'now' }), 'timestamp'],
    ['pong with a numeric timestamp', unPong({ timestamp: 0 }), 'timestamp'],
    ['error without codigo', unError(sin('codigo')), 'codigo'],
  ])('rejects %s as MENSAJE_INVALIDO naming the field', (_name, message, campo) => {
    expectInvalidField(fromCompany(message), campo);
  });

  it('answers TIPO_DESCONOCIDO to station-only and unknown messages', () => {
    for (const m of [unaEstacionInfo(), unosPreciosRecibidos(), { tipo: 'registro' }, { tipo: 'hola' }]) {
      expectCode(fromCompany(m), 'TIPO_DESCONOCIDO');
    }
  });

  it('answers JSON_INVALIDO to a line that is not a JSON object', () => {
    expectCode(parseLine('{"tipo":"ping",}', companyToStation), 'JSON_INVALIDO');
    expectCode(parseLine('[]', companyToStation), 'JSON_INVALIDO');
  });
});

describe('link 2, station → company', () => {
  it.each([
    ['estacion_info', unaEstacionInfo()],
    ['estacion_info holding version 12', unaEstacionInfo({ version_precios: 12, id_estacion: 'S_1.norte' })],
    ['precios_recibidos', unosPreciosRecibidos()],
    ['precios_recibidos of the default version 0', unosPreciosRecibidos({ version: 0 })],
    ['ping', unPing()],
    ['pong with a timestamp', unPong({ timestamp: '2026-01-15T14:30:00.5+01:00' })],
    ['error with detalles', unError({ codigo: 'MENSAJE_INVALIDO', detalles: [{ campo: 'version', problema: 'x' }] })],
  ])('accepts %s', (_name, message) => {
    expectOk(fromStation(message), message);
  });

  it.each<Case>([
    ['estacion_info without id_estacion', unaEstacionInfo(sin('id_estacion')), 'id_estacion'],
    ['estacion_info with an empty id_estacion', unaEstacionInfo({ id_estacion: '' }), 'id_estacion'],
    ['estacion_info with a slash in id_estacion', unaEstacionInfo({ id_estacion: 'a/b' }), 'id_estacion'],
    // Only dots: a URL path segment that resolves away (GET /api/estaciones/.. is not that station).
    ['estacion_info with id_estacion "."', unaEstacionInfo({ id_estacion: '.' }), 'id_estacion'],
    ['estacion_info with id_estacion ".."', unaEstacionInfo({ id_estacion: '..' }), 'id_estacion'],
    ['estacion_info with a 65-char id_estacion', unaEstacionInfo({ id_estacion: 'e'.repeat(65) }), 'id_estacion'],
    ['estacion_info without nombre', unaEstacionInfo(sin('nombre')), 'nombre'],
    ['estacion_info without version_precios', unaEstacionInfo(sin('version_precios')), 'version_precios'],
    ['estacion_info with a negative version', unaEstacionInfo({ version_precios: -1 }), 'version_precios'],
    ['precios_recibidos with version as text', unosPreciosRecibidos({ version: '1' }), 'version'],
    ['precios_recibidos without version', unosPreciosRecibidos(sin('version')), 'version'],
    ['error with a numeric mensaje', unError({ mensaje: 500 }), 'mensaje'],
  ])('rejects %s as MENSAJE_INVALIDO naming the field', (_name, message, campo) => {
    expectInvalidField(fromStation(message), campo);
  });

  it('answers TIPO_DESCONOCIDO to company-only messages', () => {
    for (const m of [unaAutenticacion(), unaActualizacionDePrecios()]) {
      expectCode(fromStation(m), 'TIPO_DESCONOCIDO');
    }
  });
});

describe('encodeMessage on link 2', () => {
  it('produces one line that round-trips through parseLine, both directions', () => {
    const company = [unaAutenticacion(), unaActualizacionDePrecios({ version: 7 }), unPing(), unPong(), unError()];
    const station = [unaEstacionInfo({ nombre: 'Línea\n2' }), unosPreciosRecibidos(), unPing(), unPong()];
    const cases: [Fields[], ZodType][] = [
      [company, companyToStation],
      [station, stationToCompany],
    ];
    for (const [messages, schema] of cases) {
      for (const m of messages) {
        const line = encodeMessage(m as { tipo: string });
        expect(line.indexOf('\n')).toBe(line.length - 1);
        expectOk(parseLine(line.slice(0, -1), schema), m);
      }
    }
  });
});
