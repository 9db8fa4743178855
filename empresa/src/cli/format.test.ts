import { describe, expect, it } from 'vitest';
import { type EstacionVista, formatEstaciones } from './format.js';

const una = (o: Partial<EstacionVista> = {}): EstacionVista => ({
  id_estacion: 'norte',
  nombre: 'Norte',
  host: '127.0.0.1',
  puerto: 5001,
  conectada: true,
  version_confirmada: 3,
  al_dia: true,
  ultimo_contacto: null,
  ultimo_error: null,
  enlace: { estado: 'sincronizado', anomalia: null },
  ...o,
});

describe('formatEstaciones', () => {
  it('marks the stations that hold the newest version, and those behind', () => {
    const text = formatEstaciones([una(), una({ id_estacion: 'sur', version_confirmada: 2, al_dia: false })], 3);
    expect(text).toMatch(/norte .* 3 ✓/);
    expect(text).toMatch(/sur .* 2 \(de 3\)/);
  });

  it('says plainly when a station reports a version the company never made', () => {
    const anomalia = {
      codigo: 'VERSION_DESCONOCIDA',
      version_reportada: 2 ** 53 - 1,
      version_empresa: 3,
      desde: '2026-01-15T14:30:00.000Z',
    };
    const text = formatEstaciones(
      [una({ version_confirmada: null, al_dia: false, enlace: { estado: 'sincronizando', anomalia } })],
      3,
    );
    expect(text).toContain(`— ⚠ desconocida: ${2 ** 53 - 1}`);
    expect(text).not.toContain('✓');
  });
});
