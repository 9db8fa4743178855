import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@combustible/shared';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ApiApp, createApiApp, serveWeb } from './app.js';
import { ApiError, COMMON_API_ERRORS, errorRespuesta } from './errors.js';
import { healthRoute, metricsRoute, saludBase } from './sistema.js';

const ERRORS = {
  ...COMMON_API_ERRORS,
  COSA_NO_ENCONTRADA: { status: 404, descripcion: 'No such thing.' },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the test log.' },
} as const;

class TestError extends ApiError<keyof typeof ERRORS> {
  constructor(code: keyof typeof ERRORS, message: string) {
    super(code, ERRORS[code].status, message);
  }
}

const apps: ApiApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function testApp(rateLimitPerMinute?: number): Promise<ApiApp> {
  const app = await createApiApp({
    log: createLogger({ name: 'test', level: 'silent' }),
    title: 'API de prueba',
    description: 'Solo para las pruebas.',
    tags: [{ name: 'cosas', description: 'Cosas' }],
    errors: ERRORS,
    rateLimitPerMinute,
  });
  apps.push(app);
  app.post(
    '/api/cosas/:id',
    {
      schema: {
        tags: ['cosas'],
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ nombre: z.string().min(1) }),
        response: { 200: z.object({ id: z.number(), nombre: z.string() }), 404: errorRespuesta },
      },
    },
    async (req) => {
      if (req.params.id === 7) throw new TestError('COSA_NO_ENCONTRADA', 'no existe la cosa 7');
      if (req.params.id === 8) throw new Error('se cayó algo');
      if (req.params.id === 9) return { id: 'nueve' } as never;
      return { id: req.params.id, nombre: req.body.nombre };
    },
  );
  return app;
}

const post = (app: ApiApp, url: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url, payload });

describe('createApiApp error handling', () => {
  it('answers a schema violation with 400 VALIDACION and the fields in detalles', async () => {
    const r = await post(await testApp(), '/api/cosas/0', { nombre: '' });
    expect(r.statusCode).toBe(400);
    const body = r.json<{ error: { codigo: string; detalles: { campo: string }[] } }>();
    expect(body.error.codigo).toBe('VALIDACION');
    expect(body.error.detalles.length).toBeGreaterThan(0);
    expect(Object.keys(body.error).sort()).toEqual(['codigo', 'detalles', 'mensaje']);
  });

  it('answers an ApiError with its own code and status, without detalles when it has none', async () => {
    const r = await post(await testApp(), '/api/cosas/7', { nombre: 'x' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toStrictEqual({ error: { codigo: 'COSA_NO_ENCONTRADA', mensaje: 'no existe la cosa 7' } });
  });

  it('keeps detalles of an ApiError and names the subclass', () => {
    const err = new ApiError('VALIDACION', 400, 'mal', [{ campo: 'a', problema: 'b' }]);
    expect(err.detalles).toEqual([{ campo: 'a', problema: 'b' }]);
    expect(new TestError('COSA_NO_ENCONTRADA', 'x').name).toBe('TestError');
  });

  it('answers an unknown route with 404 RUTA_NO_ENCONTRADA', async () => {
    const r = await (await testApp()).inject('/api/nada?x=1');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toStrictEqual({ error: { codigo: 'RUTA_NO_ENCONTRADA', mensaje: 'no existe GET /api/nada' } });
  });

  it("answers Fastify's own client errors (a body that is not JSON) with VALIDACION", async () => {
    const r = await (
      await testApp()
    ).inject({
      method: 'POST',
      url: '/api/cosas/1',
      headers: { 'content-type': 'application/json' },
      payload: '{no',
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: { codigo: 'VALIDACION' } });
  });

  it('answers a path Fastify refuses before any route (bad percent-encoding, too long a parameter) with VALIDACION', async () => {
    const app = await testApp();
    const bad = await app.inject({ method: 'POST', url: '/api/cosas/%zz', payload: { nombre: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { codigo: 'VALIDACION', detalles: [{ campo: '(ruta)' }] } });
    const long = await app.inject({ method: 'POST', url: `/api/cosas/${'1'.repeat(500)}`, payload: { nombre: 'x' } });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toMatchObject({ error: { codigo: 'VALIDACION', mensaje: expect.any(String) } });
  });

  it('answers bytes that are not HTTP, and headers over the limit, in the error shape and closes', async () => {
    const app = await testApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(request));
        let text = '';
        socket.on('data', (c: Buffer) => {
          text += c.toString();
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(text));
      });
    const garbage = await raw('\u0000\u0001 HOLA /// HTTP/9\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { codigo: 'VALIDACION' },
    });
    const huge = await raw(`GET /api/cosas HTTP/1.1\r\nHost: x\r\nX-Relleno: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { codigo: 'VALIDACION' } });
  });

  it("answers anything else with 500 ERROR_INTERNO and the registry's description", async () => {
    const app = await testApp();
    for (const id of [8, 9]) {
      const r = await post(app, `/api/cosas/${id}`, { nombre: 'x' });
      expect(r.statusCode).toBe(500);
      expect(r.json()).toStrictEqual({
        error: { codigo: 'ERROR_INTERNO', mensaje: 'Unexpected failure; see the test log.' },
      });
    }
  });

  it('answers 429 LIMITE_EXCEDIDO past the rate limit, and has none with 0', async () => {
    const limited = await testApp(2);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await post(limited, '/api/cosas/1', { nombre: 'x' })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const over = await post(limited, '/api/cosas/1', { nombre: 'x' });
    expect(over.json()).toMatchObject({ error: { codigo: 'LIMITE_EXCEDIDO' } });

    const unlimited = await testApp(0);
    for (let i = 0; i < 5; i++) expect((await post(unlimited, '/api/cosas/1', { nombre: 'x' })).statusCode).toBe(200);
  });

  it('has the common codes, auth ones included, with their statuses', () => {
    expect(COMMON_API_ERRORS.NO_AUTENTICADO.status).toBe(401);
    expect(COMMON_API_ERRORS.SIN_PERMISO.status).toBe(403);
    expect(COMMON_API_ERRORS.DEMASIADOS_INTENTOS.status).toBe(429);
    expect(Object.keys(COMMON_API_ERRORS)).toEqual(
      expect.arrayContaining(['VALIDACION', 'RUTA_NO_ENCONTRADA', 'LIMITE_EXCEDIDO', 'ERROR_INTERNO']),
    );
  });
});

describe('createApiApp document, health, metrics and web', () => {
  it('serves the OpenAPI document with the title, the tags and the routes', async () => {
    const app = await testApp();
    const doc = (await app.inject('/docs/json')).json<{
      info: { title: string };
      tags: { name: string }[];
      paths: Record<string, unknown>;
    }>();
    expect(doc.info.title).toBe('API de prueba');
    expect(doc.tags.map((t) => t.name)).toEqual(['cosas']);
    expect(Object.keys(doc.paths)).toContain('/api/cosas/{id}');
  });

  it('answers /health 200 while the store answers and 503 when it does not, outside the rate limit', async () => {
    const app = await testApp(1);
    let fail = false;
    const store = {
      kind: 'memoria',
      ping: async () => {
        if (fail) throw new Error('sin disco');
      },
    };
    healthRoute(app, {
      store,
      schema: z.object({ ...saludBase, nombre: z.string() }),
      extra: () => ({ nombre: 'prueba' }),
    });
    const ok = await app.inject('/health');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      estado: 'ok',
      nombre: 'prueba',
      almacenamiento: { tipo: 'memoria', alcanzable: true },
    });
    fail = true;
    const down = await app.inject('/health');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      estado: 'degradado',
      almacenamiento: { tipo: 'memoria', alcanzable: false, error: 'sin disco' },
    });
  });

  it('serves a prom-client registry at /metrics', async () => {
    const app = await testApp();
    const registry = new Registry();
    new Counter({ name: 'prueba_total', help: 'Una cuenta de prueba', registers: [registry] }).inc(3);
    metricsRoute(app, registry);
    const r = await app.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('prueba_total 3');
  });

  it('serves the web page from the first folder that has the file, after the routes', async () => {
    const a = mkdtempSync(join(tmpdir(), 'server-web-a-'));
    const b = mkdtempSync(join(tmpdir(), 'server-web-b-'));
    dirs.push(a, b);
    writeFileSync(join(a, 'index.html'), '<p>a</p>');
    writeFileSync(join(b, 'index.html'), '<p>b</p>');
    writeFileSync(join(b, 'app.js'), 'b();');
    const app = await testApp();
    await serveWeb(app, [a, b]);
    expect((await app.inject('/')).body).toBe('<p>a</p>');
    expect((await app.inject('/app.js')).body).toBe('b();');
    expect((await app.inject('/api/nada')).statusCode).toBe(404);
  });
});
