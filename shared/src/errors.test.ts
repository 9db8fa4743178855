import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isWireErrorCode, WIRE_ERROR_CODES, WIRE_ERRORS } from './errors.js';

const PROTOCOL_DOC = new URL('../../docs/protocol.md', import.meta.url);

describe('wire error registry', () => {
  it('lists the codes the spec names', () => {
    for (const code of [
      'JSON_INVALIDO',
      'MENSAJE_INVALIDO',
      'TIPO_DESCONOCIDO',
      'LINEA_DEMASIADO_LARGA',
      'NO_REGISTRADO',
      'REGISTRO_TIMEOUT',
      'ID_NO_COINCIDE',
      'AUTENTICACION_FALLIDA',
      'SESION_REEMPLAZADA',
      'LIMITE_EXCEDIDO',
      'ERROR_INTERNO',
      // The prices rule (protocol/prices-rule.ts): a station refuses an implausible update.
      'VERSION_INVALIDA',
      'PRECIO_FUERA_DE_RANGO',
    ]) {
      expect(WIRE_ERROR_CODES).toContain(code);
    }
  });

  it('exposes every key as a code, each with a description, in UPPER_SNAKE_CASE', () => {
    expect(WIRE_ERROR_CODES).toEqual(Object.keys(WIRE_ERRORS));
    expect(new Set(WIRE_ERROR_CODES).size).toBe(WIRE_ERROR_CODES.length);
    for (const code of WIRE_ERROR_CODES) {
      expect(code).toMatch(/^[A-Z]+(?:_[A-Z]+)*$/);
      expect(WIRE_ERRORS[code].length).toBeGreaterThan(10);
    }
  });

  it('recognises its own codes and nothing else, not even inherited keys', () => {
    for (const code of WIRE_ERROR_CODES) expect(isWireErrorCode(code)).toBe(true);
    for (const other of [
      '',
      'json_invalido',
      'ERROR_DESPACHO',
      'toString',
      'constructor',
      '__proto__',
      'hasOwnProperty',
    ]) {
      expect(isWireErrorCode(other), other).toBe(false);
    }
  });

  it('documents every code in docs/protocol.md', async () => {
    const doc = await readFile(PROTOCOL_DOC, 'utf8');
    const missing = WIRE_ERROR_CODES.filter((code) => !new RegExp(`\\b${code}\\b`).test(doc));
    expect(missing, `codes missing from ${PROTOCOL_DOC.pathname}`).toEqual([]);
  });
});
