/**
 * Station configuration: one zod schema (types, defaults, limits) fed by yargs flags, each of which
 * can also come from an environment variable ESTACION_<FLAG> (e.g. ESTACION_PUMP_PORT), plus MONGO_URL.
 */
import { logLevel, port } from '@combustible/shared';
import { z } from 'zod';

const seconds = z.coerce.number().positive();

export const stationConfigSchema = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  pumpPort: port.default(6000),
  companyPort: port.default(5001),
  apiPort: port.default(8001),
  wsPort: port.default(4001),
  dataDir: z.string().min(1).default('./data'),
  mongoUrl: z.string().url().optional(),
  id: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letras, dígitos, _ . - (hasta 64)')
    .default('estacion-1'),
  nombre: z.string().min(1).max(100).default('Estación Central'),
  heartbeatTimeout: seconds.default(60),
  registrationTimeout: seconds.default(10),
  strictRegistration: z.boolean().default(false),
  pumpToken: z.string().min(1).optional(),
  companyToken: z.string().min(1).optional(),
  maxLineBytes: z.coerce
    .number()
    .int()
    .min(256)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  maxBadLines: z.coerce.number().int().min(0).default(20),
  rateLimit: z.coerce.number().positive().default(200),
  maxClockDrift: seconds.default(5),
  commandTimeout: seconds.default(5),
  logLevel: logLevel.default('info'),
  logPretty: z.boolean().optional(),
});

export type StationConfig = z.infer<typeof stationConfigSchema>;
