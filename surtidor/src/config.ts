/**
 * The simulator's configuration: one zod schema (types, defaults, limits) fed by yargs flags, each
 * of which can also come from an environment variable SURTIDOR_<FLAG> (e.g. SURTIDOR_ESTACION,
 * SURTIDOR_COUNT, SURTIDOR_CHAOS_DROP).
 */
import {
  COMBUSTIBLES,
  type Combustible,
  combustible,
  logLevel,
  type ModoAutorizacion,
  parseHostPort,
} from '@combustible/shared';
import { z } from 'zod';

export const DEFAULT_STATION_PORT = 6000;

/**
 * Reconnection after a lost connection (issue 12): the first attempt within 0.25 s (full jitter),
 * then a ceiling doubling only while connecting keeps failing, up to 2 s. A pump whose station is
 * restarting knocks about once a second (a refused TCP connection costs the station nothing) and
 * finds it within 2 s of its return, instead of sitting out a backoff that grew to 30 s.
 */
export const DEFAULT_RECONNECT_BASE_S = 0.25;
export const DEFAULT_RECONNECT_MAX_S = 2;

/**
 * `--modo`: how the pumps sell until the station says otherwise (its `modo_autorizacion` wins):
 * all postpago, all prepago, or mixto (about half prepago, chosen by a hash of each id).
 */
export const MODOS_SIMULADOR = ['postpago', 'prepago', 'mixto'] as const;
export type ModoSimulador = (typeof MODOS_SIMULADOR)[number];

/** A pump's initial mode under `--modo`; mixto takes one bit of a 32-bit hash of the id (murmur3's finalizer). */
export function modoInicial(modo: ModoSimulador, id: number): ModoAutorizacion {
  if (modo !== 'mixto') return modo;
  let h = id >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h & 1) === 1 ? 'prepago' : 'postpago';
}

const seconds = z.coerce.number().positive().max(86_400);
const probability = z.coerce.number().min(0).max(1);
const count = z.coerce.number().int();

/** Splits a flag given as "a,b c" or repeated (an array) into its items. */
function listOf(v: unknown): unknown {
  const items: unknown = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items)) return v;
  return (items as unknown[]).flatMap((s): unknown[] =>
    typeof s === 'string'
      ? s
          .split(/[\s,]+/)
          .map((x) => x.trim())
          .filter((x) => x.length > 0)
      : [s],
  );
}

/** The tank of each fuel: 93 → 1, 95 → 2, 97 → 3, diesel → 4 (whichever fuels are simulated). */
export function tanqueDe(c: Combustible): number {
  return COMBUSTIBLES.indexOf(c) + 1;
}

/** Bounds of the tank flags. */
export const LIMITES_TANQUES = {
  capacidadMinLitros: 1000,
  capacidadMaxLitros: 100_000,
  fugaMaxLitrosHora: 10_000,
  roboMaxLitrosDia: 10_000,
  medidorAltoMaxPorcentaje: 20,
  /** Entries of each repeatable fault flag. */
  fallasMax: 64,
} as const;

/** `ID:VALOR` (a tank or pump id, then a positive number up to `max`). */
function idValor(max: number) {
  return z
    .string()
    .regex(/^\d+:\d+(?:\.\d+)?$/, 'se espera ID:VALOR, p. ej. 1:0.5')
    .transform((s) => {
      const [id, valor] = s.split(':');
      return { id: Number(id), valor: Number(valor) };
    })
    .refine((p) => p.id >= 1 && p.id <= 1_000_000_000, 'id fuera de rango')
    .refine((p) => p.valor > 0 && p.valor <= max, `el valor debe ser > 0 y ≤ ${max}`);
}

function idValores(max: number) {
  return z.preprocess(
    listOf,
    z
      .array(idValor(max))
      .max(LIMITES_TANQUES.fallasMax)
      .refine((l) => new Set(l.map((p) => p.id)).size === l.length, 'ids repetidos'),
  );
}

const TANQUE_INEXISTENTE =
  'tanque inexistente: los tanques son 1 (93), 2 (95), 3 (97) y 4 (diesel), de los combustibles de --fuels';

function tanqueSimulado(fuels: readonly Combustible[], id: number): boolean {
  return fuels.some((f) => tanqueDe(f) === id);
}

const estacion = z.string().transform((value, ctx) => {
  try {
    return parseHostPort(value, DEFAULT_STATION_PORT);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const fuels = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : v,
  z
    .array(combustible)
    .min(1)
    .refine((l) => new Set(l).size === l.length, 'combustibles repetidos'),
);

export const surtidorConfigSchema = z
  .object({
    estacion: estacion.prefault(`localhost:${DEFAULT_STATION_PORT}`),
    count: count.min(1).max(20_000).default(1),
    firstId: count.min(1).max(1_000_000_000).default(1),
    speed: z.coerce.number().positive().max(10_000).default(1),
    outboxDir: z.string().min(1).default('./data/surtidores'),
    token: z.string().min(1).max(256).optional(),
    /** `--tokens-file`: lines `ID TOKEN`, read by parseArgs into `pumpTokens`. */
    tokensFile: z.string().min(1).optional(),
    /** Each pump's own token (from --tokens-file); a pump without one uses `token`. */
    pumpTokens: z.map(z.number(), z.string()).optional(),
    fuels: fuels.default([...COMBUSTIBLES]),
    meanInterval: seconds.default(20),
    estadoInterval: z.coerce.number().min(0.05).max(3600).default(2),
    heartbeatInterval: z.coerce.number().min(0.1).max(3600).default(30),
    velocidad: z.coerce.number().positive().max(1000).default(1),
    capacidad: z.coerce.number().min(1).max(100_000).default(100),
    modo: z.enum(MODOS_SIMULADOR).default('postpago'),
    /** In prepago, each pump authorizes its own customers instead of waiting for the station (load tests). */
    autorizarSolo: z.boolean().default(false),
    ledger: z.string().min(1).optional(),
    seed: count
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    tickMs: count.min(10).max(1000).default(100),
    window: count.min(1).max(1000).default(32),
    resendAfter: seconds.default(10),
    maxRate: z.coerce.number().positive().max(10_000).default(100),
    reconnectBase: seconds.default(DEFAULT_RECONNECT_BASE_S),
    reconnectMax: seconds.default(DEFAULT_RECONNECT_MAX_S),
    registrationTimeout: seconds.default(15),
    connectConcurrency: count.min(1).max(20_000).default(100),
    shutdownTimeout: z.coerce.number().min(0).max(3600).default(10),
    confirmWait: z.coerce.number().min(0).max(3600).default(5),
    statsInterval: seconds.default(10),
    table: z.boolean().optional(),
    logLevel: logLevel.default('info'),
    logPretty: z.boolean().optional(),
    chaosDrop: probability.default(0),
    chaosDuplicate: probability.default(0),
    chaosReorder: probability.default(0),
    chaosDelay: probability.default(0),
    chaosDelayMs: count.min(0).max(600_000).default(2000),
    chaosClockSkewMs: count.min(-86_400_000).max(86_400_000).default(0),
    chaosHalfOpen: probability.default(0),
    chaosHalfOpenMs: count.min(0).max(3_600_000).default(120_000),
    chaosSlowRead: count.min(0).max(1_000_000_000).default(0),
    /** TLS to the station, verified against --ca (or the system's CAs) by the station's name. */
    tls: z.boolean().default(false),
    ca: z.string().min(1).optional(),
    /** Client certificate and key (mutual TLS); `{id}` in the path becomes each pump's id. */
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** The name to verify in the station's certificate, when it is not the --estacion host. */
    tlsServername: z.string().min(1).optional(),
    /** A gauge console measuring one tank per simulated fuel (`tanqueDe`). */
    tanques: z.boolean().default(false),
    idMedidor: count.min(1).max(1_000_000_000).default(1),
    /** One capacity for every tank, or one per fuel in --fuels order. */
    capacidadTanques: z.preprocess(
      listOf,
      z
        .array(z.coerce.number().min(LIMITES_TANQUES.capacidadMinLitros).max(LIMITES_TANQUES.capacidadMaxLitros))
        .min(1)
        .max(COMBUSTIBLES.length)
        .default([30_000]),
    ),
    /** Simulated seconds between readings of each tank. */
    intervaloLecturas: z.coerce.number().min(1).max(86_400).default(60),
    /** A reading also goes out when the level moved this much since the last one. */
    cambioLecturaMm: z.coerce.number().min(1).max(1000).default(10),
    /** Truck deliveries when a tank falls below --nivel-descarga. */
    descargas: z.boolean().default(false),
    nivelDescarga: z.coerce.number().min(1).max(90).default(25),
    litrosDescarga: z.coerce.number().min(100).max(LIMITES_TANQUES.capacidadMaxLitros).default(15_000),
    minutosDescarga: z.coerce.number().min(0).max(600).default(40),
    /** TANQUE:LITROS_HORA */
    fuga: idValores(LIMITES_TANQUES.fugaMaxLitrosHora).default([]),
    /** TANQUE:LITROS_DIA */
    robo: idValores(LIMITES_TANQUES.roboMaxLitrosDia).default([]),
    /** SURTIDOR:PORCENTAJE */
    medidorAlto: idValores(LIMITES_TANQUES.medidorAltoMaxPorcentaje).default([]),
  })
  .refine((c) => c.reconnectMax >= c.reconnectBase, {
    path: ['reconnect-max'],
    message: 'debe ser ≥ --reconnect-base',
  })
  .refine((c) => (c.cert === undefined) === (c.key === undefined), {
    path: ['cert'],
    message: '--cert y --key van juntos',
  })
  .refine((c) => c.tls || (c.ca === undefined && c.cert === undefined && c.tlsServername === undefined), {
    path: ['tls'],
    message: '--ca, --cert, --key y --tls-servername requieren --tls',
  })
  .refine((c) => c.tanques || (!c.descargas && c.fuga.length + c.robo.length + c.medidorAlto.length === 0), {
    path: ['tanques'],
    message: '--descargas, --fuga, --robo y --medidor-alto requieren --tanques',
  })
  .refine((c) => c.capacidadTanques.length === 1 || c.capacidadTanques.length === c.fuels.length, {
    path: ['capacidad-tanques'],
    message: 'una capacidad para todos los tanques, o una por combustible de --fuels',
  })
  .refine((c) => c.fuga.every((p) => tanqueSimulado(c.fuels, p.id)), { path: ['fuga'], message: TANQUE_INEXISTENTE })
  .refine((c) => c.robo.every((p) => tanqueSimulado(c.fuels, p.id)), { path: ['robo'], message: TANQUE_INEXISTENTE })
  .refine((c) => c.medidorAlto.every((p) => p.id >= c.firstId && p.id < c.firstId + c.count), {
    path: ['medidor-alto'],
    message: 'surtidor inexistente: debe estar entre --first-id y --first-id + --count - 1',
  })
  .refine((c) => c.count === 1 || c.cert === undefined || (c.cert.includes('{id}') && (c.key ?? '').includes('{id}')), {
    path: ['cert'],
    message: 'con --count mayor que 1, --cert y --key deben contener {id} (p. ej. certs/surtidor-{id}.crt)',
  });

export type SurtidorConfig = z.infer<typeof surtidorConfigSchema>;
