import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isWireErrorCode } from '../errors.js';
import { pumpToStation, stationToPump } from './link1.js';
import { companyToStation } from './link2.js';
import { compiledSchema, detallesDe, encodeMessage, parseLine, wireCodeForIssue, wireError } from './parse.js';

const issue = (fields: Record<string, unknown>) => fields as unknown as z.core.$ZodIssue;

describe('parseLine', () => {
  it('returns the typed message for a valid line', () => {
    const result = parseLine('{"tipo":"heartbeat","id_surtidor":3,"timestamp":"2024-01-15T14:30:00"}', pumpToStation);
    expect(result).toEqual({
      ok: true,
      message: { tipo: 'heartbeat', id_surtidor: 3, timestamp: '2024-01-15T14:30:00' },
    });
  });

  it('drops keys the schema does not know instead of failing', () => {
    const result = parseLine(
      '{"tipo":"heartbeat","id_surtidor":3,"timestamp":"2024-01-15T14:30:00","x":1}',
      pumpToStation,
    );
    expect(result.ok && 'x' in result.message).toBe(false);
    expect(result.ok).toBe(true);
  });

  it('reports JSON_INVALIDO with the parser message and no detalles', () => {
    const result = parseLine('{"tipo":', pumpToStation);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ tipo: 'error', codigo: 'JSON_INVALIDO' });
    expect(result.error.mensaje).toMatch(/^JSON inválido: /);
    expect(result.error.detalles).toBeUndefined();
  });

  it('reports JSON_INVALIDO for JSON values that are not objects', () => {
    for (const line of ['[]', 'true', '3', '"x"', 'null']) {
      const result = parseLine(line, pumpToStation);
      expect(result.ok ? 'ok' : result.error.codigo, line).toBe('JSON_INVALIDO');
    }
  });

  it('reports a missing tipo as MENSAJE_INVALIDO on campo "tipo"', () => {
    const result = parseLine('{"id_surtidor":1}', pumpToStation);
    expect(result).toEqual({
      ok: false,
      error: {
        tipo: 'error',
        codigo: 'MENSAJE_INVALIDO',
        mensaje: expect.any(String),
        detalles: [{ campo: 'tipo', problema: expect.any(String) }],
      },
    });
  });

  it('reports an unknown tipo as TIPO_DESCONOCIDO, quoting at most 64 chars of it', () => {
    const tipo = 'z'.repeat(500);
    const result = parseLine(JSON.stringify({ tipo }), pumpToStation);
    if (result.ok) throw new Error('expected an error');
    expect(result.error.codigo).toBe('TIPO_DESCONOCIDO');
    expect(result.error.mensaje).toContain('z'.repeat(64));
    expect(result.error.mensaje).not.toContain('z'.repeat(65));
    expect(result.error.detalles).toBeUndefined();
  });

  it('names nested fields with dots and explains them in Spanish', () => {
    const result = parseLine(
      JSON.stringify({
        tipo: 'actualizacion_precios',
        version: 2,
        timestamp: '2026-01-01T00:00:00Z',
        precios: { precio_93: 1 },
      }),
      companyToStation,
    );
    if (result.ok) throw new Error('expected an error');
    expect(result.error.codigo).toBe('MENSAJE_INVALIDO');
    expect(result.error.mensaje).toContain('actualizacion_precios');
    const campos = result.error.detalles?.map((d) => d.campo);
    expect(campos).toEqual(['precios.precio_95', 'precios.precio_97', 'precios.precio_diesel']);
    expect(result.error.detalles?.[0]?.problema).toMatch(/se esperaba/);
  });

  it('never throws and always answers with a registered wire code (any text)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
        const schemas: z.ZodType[] = [pumpToStation, stationToPump, companyToStation];
        for (const schema of schemas) {
          const result = parseLine(line, schema);
          if (!result.ok) expect(isWireErrorCode(result.error.codigo)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on any JSON object, and rejects it unless it matches the schema', () => {
    const tipos = ['registro', 'estado', 'transaccion_completada', 'error', 'heartbeat', 'ping', 'nada'];
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
        fc.constantFrom(...tipos),
        (fields, tipo) => {
          const result = parseLine(JSON.stringify({ ...fields, tipo }), pumpToStation);
          if (result.ok) {
            expect(pumpToStation.safeParse({ ...fields, tipo }).success).toBe(true);
          } else {
            expect(['MENSAJE_INVALIDO', 'TIPO_DESCONOCIDO']).toContain(result.error.codigo);
            expect(result.error.codigo === 'TIPO_DESCONOCIDO').toBe(tipo === 'ping' || tipo === 'nada');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('compiledSchema: the schemas parseLine uses', () => {
  const links = { pumpToStation, stationToPump, companyToStation };
  const samples: unknown[] = [
    { tipo: 'heartbeat', id_surtidor: 3, timestamp: '2024-01-15T14:30:00' },
    {
      tipo: 'estado',
      id_surtidor: 3,
      estado_operacion: 'despachando',
      litros_actuales: 2.5,
      monto_actual: 3375,
      tipo_combustible: '95',
      timestamp: '2024-01-15T14:30:00Z',
      x: 1,
    },
    {
      tipo: 'estado',
      id_surtidor: 0,
      estado_operacion: 'volando',
      litros_actuales: -1,
      monto_actual: 1.5,
      tipo_combustible: '98',
      timestamp: 'ayer',
    },
    {
      tipo: 'transaccion_completada',
      id_surtidor: 7,
      tipo_combustible: '95',
      litros: 12,
      precio_por_litro: 1350,
      monto_total: 16200,
      metodo_pago: 'tarjeta',
      fecha_inicio: '2024-01-15T14:28:30Z',
      fecha_fin: '2024-01-15T14:30:00Z',
      id_transaccion: 'v-1',
      secuencia: 5,
      totalizador_inicio: 100,
      totalizador_fin: 112,
    },
    {
      tipo: 'transaccion_completada',
      id_surtidor: 7,
      tipo_combustible: '95',
      litros: 12,
      precio_por_litro: 1350,
      monto_total: 16200,
      metodo_pago: 'tarjeta',
      fecha_inicio: '2024-01-15T14:31:00Z',
      fecha_fin: '2024-01-15T14:30:00Z',
      totalizador_inicio: 200,
      totalizador_fin: 112,
    },
    {
      tipo: 'transaccion_completada',
      id_surtidor: 7,
      tipo_combustible: '95',
      litros: 12,
      precio_por_litro: 1350,
      monto_total: 16200,
      metodo_pago: 'tarjeta',
      fecha_inicio: '1999-01-15T14:28:30Z',
      fecha_fin: '2024-01-15T14:30:00Z',
      id_transaccion: 'no válido!',
    },
    { tipo: 'registro', id_surtidor: 1, nombre: 'A', combustibles_soportados: ['95', '95'], version: '1' },
    { tipo: 'nada' },
  ];

  it('gives the same verdict, message and issues as the schema itself', () => {
    for (const [name, schema] of Object.entries(links)) {
      for (const sample of samples) {
        const a = compiledSchema(schema as z.ZodType).safeParse(sample, { error: z.locales.es().localeError });
        const b = (schema as z.ZodType).safeParse(sample, { error: z.locales.es().localeError });
        expect(a.success, `${name} ${JSON.stringify(sample)}`).toBe(b.success);
        expect(a.data).toEqual(b.data);
        expect(a.error?.issues).toEqual(b.error?.issues);
      }
    }
  });

  it('is compiled once per schema', () => {
    expect(compiledSchema(pumpToStation)).toBe(compiledSchema(pumpToStation));
  });
});

describe('wireCodeForIssue', () => {
  it('maps a union failure on tipo to TIPO_DESCONOCIDO and elsewhere to MENSAJE_INVALIDO', () => {
    expect(wireCodeForIssue(issue({ code: 'invalid_union', path: ['tipo'], errors: [], message: 'x' }))).toBe(
      'TIPO_DESCONOCIDO',
    );
    expect(wireCodeForIssue(issue({ code: 'invalid_union', path: ['precios'], errors: [], message: 'x' }))).toBe(
      'MENSAJE_INVALIDO',
    );
    expect(wireCodeForIssue(issue({ code: 'invalid_union', path: [], errors: [], message: 'x' }))).toBe(
      'MENSAJE_INVALIDO',
    );
  });

  it('maps every other issue code to MENSAJE_INVALIDO, on tipo or not', () => {
    const codes = [
      'invalid_type',
      'too_big',
      'too_small',
      'invalid_format',
      'invalid_value',
      'custom',
      'unrecognized_keys',
    ];
    for (const code of codes) {
      for (const path of [['tipo'], ['litros'], ['a', 0]]) {
        expect(wireCodeForIssue(issue({ code, path, message: 'x' })), `${code} at ${path.join(',')}`).toBe(
          'MENSAJE_INVALIDO',
        );
      }
    }
  });
});

describe('detallesDe', () => {
  it('joins paths with dots and names a root issue "(mensaje)"', () => {
    const schema = z.object({ a: z.object({ b: z.array(z.number()) }) }).refine(() => false, { message: 'todo mal' });
    const result = schema.safeParse({ a: { b: [1, 'dos'] } });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(detallesDe(result.error).map((d) => d.campo)).toEqual(['a.b.1']);
    const root = z
      .object({})
      .refine(() => false, { message: 'todo mal' })
      .safeParse({});
    if (root.success) throw new Error('expected a failure');
    expect(detallesDe(root.error)).toEqual([{ campo: '(mensaje)', problema: 'todo mal' }]);
  });
});

describe('wireError', () => {
  it('builds the wire error, leaving detalles out when there are none', () => {
    expect(wireError('NO_REGISTRADO', 'primero registro')).toEqual({
      tipo: 'error',
      codigo: 'NO_REGISTRADO',
      mensaje: 'primero registro',
    });
    expect('detalles' in wireError('NO_REGISTRADO', 'x')).toBe(false);
    expect(wireError('MENSAJE_INVALIDO', 'x', [{ campo: 'a', problema: 'b' }]).detalles).toEqual([
      { campo: 'a', problema: 'b' },
    ]);
  });

  it('produces messages the other side accepts as an error', () => {
    const line = encodeMessage(wireError('MENSAJE_INVALIDO', 'mal', [{ campo: 'litros', problema: '> 0' }]));
    const result = parseLine(line.slice(0, -1), stationToPump);
    expect(result.ok && result.message.tipo).toBe('error');
  });
});

describe('encodeMessage', () => {
  it('ends with exactly one newline whatever the strings hold', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), {
          maxKeys: 5,
        }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        (fields, tipo) => {
          const message = { ...fields, tipo };
          const line = encodeMessage(message);
          expect(line.endsWith('\n')).toBe(true);
          expect(line.indexOf('\n')).toBe(line.length - 1);
          expect(line.includes('\r')).toBe(false);
          expect(JSON.stringify(JSON.parse(line))).toBe(JSON.stringify(message));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips any valid heartbeat through parseLine', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2099-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (id_surtidor, date) => {
          const message = { tipo: 'heartbeat' as const, id_surtidor, timestamp: date.toISOString() };
          expect(parseLine(encodeMessage(message).slice(0, -1), pumpToStation)).toEqual({
            ok: true,
            message,
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
