/**
 * Identities of one service: users with a role and a scrypt-hashed password, login sessions and
 * API tokens (bearer secrets stored only as SHA-256), a limiter on failed logins, and an audit
 * entry for every change and every refusal. Transport-free: the Fastify plugin, the WebSocket
 * bridge and the CLI all call this.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Logger } from '@combustible/shared';
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit-log.js';
import { AttemptLimiter, type AttemptLimits } from './attempt-limiter.js';
import { AuthError } from './errors.js';
import { AuthMetrics } from './metrics.js';
import type { RoleLadder } from './roles.js';
import {
  DEFAULT_SCRYPT_COST,
  dummyPasswordHash,
  hashPassword,
  newPassword,
  newToken,
  type ScryptCost,
  sha256,
  verifyPassword,
} from './secrets.js';
import type { AuthStore } from './store.js';
import type { Credencial, Usuario } from './types.js';

/** Who is asking, once authenticated. */
export interface Principal {
  /** The user's name, or `token:<name>` for an API token. */
  usuario: string;
  rol: string;
  tipo: Credencial['tipo'];
  /** The credential's public id. */
  credencial: string;
  expira: string | null;
}

/** Who acts, for the audit log: a principal with its address, or the CLI on the store. */
export interface Actor {
  usuario: string;
  rol: string | null;
  ip: string | null;
}

export const CLI_ACTOR: Actor = { usuario: 'cli', rol: null, ip: null };

export interface AuthServiceOptions {
  sessionTtlMs: number;
  /** How long an authenticated token is trusted without a store read (revocation lag). */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  scryptCost: ScryptCost;
  limits: Partial<AttemptLimits>;
}

export const DEFAULT_AUTH_OPTIONS: AuthServiceOptions = {
  sessionTtlMs: 12 * 3_600_000,
  cacheTtlMs: 5_000,
  cacheMaxEntries: 10_000,
  scryptCost: DEFAULT_SCRYPT_COST,
  limits: {},
};

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export type PublicUser = Omit<Usuario, 'clave_hash'>;
export type PublicToken = Omit<Credencial, 'hash' | 'tipo' | 'usuario'> & { nombre: string };

const publicUser = ({ clave_hash: _, ...u }: Usuario): PublicUser => u;
const publicToken = (c: Credencial): PublicToken => ({
  id: c.id,
  nombre: c.usuario.replace(/^token:/, ''),
  rol: c.rol,
  creada: c.creada,
  expira: c.expira,
  creada_por: c.creada_por,
});

export class AuthService<R extends string = string> {
  readonly limiter: AttemptLimiter;
  private readonly options: AuthServiceOptions;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private metrics: AuthMetrics | undefined;

  constructor(
    private readonly store: AuthStore,
    readonly roles: RoleLadder<R>,
    readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly log?: Logger,
    options: Partial<AuthServiceOptions> = {},
  ) {
    this.options = { ...DEFAULT_AUTH_OPTIONS, ...options };
    this.limiter = new AttemptLimiter(clock, this.options.limits);
  }

  /** Counts logins, refusals and the failed-login table in `registry`, as `<prefix>_…`. */
  useMetrics(registry: Registry, prefix: string): AuthMetrics {
    this.metrics = new AuthMetrics(registry, prefix, this.limiter);
    return this.metrics;
  }

  /** A request refused by the route table (counted; the plugin audits it). */
  countDenied(motivo: string): void {
    this.metrics?.denied(motivo);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * First start: with no user at all, creates `admin` with `password` or a generated one, which
   * is returned so the caller can show it once. Null when users exist.
   */
  async bootstrapAdmin(password?: string): Promise<{ usuario: string; clave: string; generada: boolean } | null> {
    if ((await this.store.countUsers()) > 0) return null;
    const clave = password ?? newPassword();
    checkPassword(clave);
    const at = this.now();
    const inserted = await this.store.insertUser({
      nombre: 'admin',
      rol: this.roles.admin,
      clave_hash: await hashPassword(clave, this.options.scryptCost),
      creado: at,
      actualizado: at,
    });
    if (!inserted) return null;
    await this.audit.append({
      ...systemActor(),
      accion: 'usuario.crear',
      objetivo: 'usuario:admin',
      resultado: 'ok',
      detalles: { rol: this.roles.admin, motivo: 'primer arranque', clave_generada: password === undefined },
    });
    return { usuario: 'admin', clave, generada: password === undefined };
  }

  // ── sessions ──────────────────────────────────────────────────────────────────────────────

  async login(usuario: string, clave: string, ip: string | null): Promise<{ token: string; principal: Principal }> {
    const keys = limiterKeys(usuario, ip);
    const verdict = this.limiter.check(keys);
    if (!verdict.ok) {
      await this.audit.append({
        usuario,
        rol: null,
        ip,
        accion: 'sesion.iniciar',
        objetivo: `usuario:${usuario}`,
        resultado: 'denegado',
        detalles: {
          motivo: verdict.locked ? 'bloqueado' : 'demasiado_pronto',
          reintentar_s: Math.ceil(verdict.retryAfterMs / 1000),
        },
      });
      this.metrics?.login('demasiados_intentos');
      throw new AuthError('DEMASIADOS_INTENTOS', 'demasiados intentos fallidos; espere antes de reintentar', {
        retryAfterMs: verdict.retryAfterMs,
      });
    }
    const user = USER_NAME.test(usuario) ? await this.store.getUser(usuario) : null;
    // The same scrypt cost whether or not the user exists: the answer's timing says nothing.
    const ok = await verifyPassword(clave, user?.clave_hash ?? (await dummyPasswordHash(this.options.scryptCost)));
    if (!user || !ok) {
      this.limiter.fail(keys);
      await this.audit.append({
        usuario,
        rol: null,
        ip,
        accion: 'sesion.iniciar',
        objetivo: `usuario:${usuario}`,
        resultado: 'denegado',
        detalles: { motivo: user ? 'clave_incorrecta' : 'usuario_desconocido' },
      });
      this.metrics?.login('credenciales_invalidas');
      throw new AuthError('CREDENCIALES_INVALIDAS', 'usuario o clave incorrectos');
    }
    this.limiter.succeed(keys);
    this.metrics?.login('ok');
    await this.store.deleteExpired(this.now());
    const token = newToken('ses');
    const credencial: Credencial = {
      id: newId(),
      hash: sha256(token),
      tipo: 'sesion',
      usuario: user.nombre,
      rol: user.rol,
      creada: this.now(),
      expira: new Date(this.clock.now() + this.options.sessionTtlMs).toISOString(),
      creada_por: null,
    };
    await this.store.insertCredential(credencial);
    await this.audit.append({
      usuario: user.nombre,
      rol: user.rol,
      ip,
      accion: 'sesion.iniciar',
      objetivo: `usuario:${user.nombre}`,
      resultado: 'ok',
      detalles: { sesion: credencial.id },
    });
    return { token, principal: toPrincipal(credencial) };
  }

  /** The principal behind a bearer secret, or null (unknown, revoked or expired). */
  async authenticate(token: string): Promise<Principal | null> {
    if (token.length < 8 || token.length > 256) return null;
    const hash = sha256(token);
    const now = this.clock.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now && !expired(cached.principal.expira, now)) return cached.principal;
    const credencial = await this.store.getCredentialByHash(hash);
    if (!credencial || expired(credencial.expira, now) || !this.roles.isRole(credencial.rol)) {
      this.cache.delete(hash);
      return null;
    }
    const principal = toPrincipal(credencial);
    if (this.cache.size >= this.options.cacheMaxEntries) this.cache.clear();
    this.cache.set(hash, { principal, until: now + this.options.cacheTtlMs });
    return principal;
  }

  async logout(principal: Principal, ip: string | null): Promise<void> {
    if (principal.tipo !== 'sesion') return;
    await this.store.deleteCredential(principal.credencial);
    this.cache.clear();
    await this.audit.append({
      usuario: principal.usuario,
      rol: principal.rol,
      ip,
      accion: 'sesion.cerrar',
      objetivo: `usuario:${principal.usuario}`,
      resultado: 'ok',
      detalles: { sesion: principal.credencial },
    });
  }

  async changeOwnPassword(principal: Principal, actual: string, nueva: string, ip: string | null): Promise<void> {
    const user = principal.tipo === 'sesion' ? await this.store.getUser(principal.usuario) : null;
    if (!user || !(await verifyPassword(actual, user.clave_hash))) {
      await this.audit.append({
        ...actorOf(principal, ip),
        accion: 'usuario.cambiar_clave',
        objetivo: `usuario:${principal.usuario}`,
        resultado: 'denegado',
        detalles: { motivo: 'clave_actual_incorrecta' },
      });
      throw new AuthError('CREDENCIALES_INVALIDAS', 'la clave actual no es correcta');
    }
    checkPassword(nueva);
    await this.store.updateUser({
      ...user,
      clave_hash: await hashPassword(nueva, this.options.scryptCost),
      actualizado: this.now(),
    });
    // Every other session of this user ends; this one stays.
    for (const c of await this.store.listCredentials({ tipo: 'sesion', usuario: user.nombre }))
      if (c.id !== principal.credencial) await this.store.deleteCredential(c.id);
    this.cache.clear();
    await this.audit.append({
      ...actorOf(principal, ip),
      accion: 'usuario.cambiar_clave',
      objetivo: `usuario:${user.nombre}`,
      resultado: 'ok',
      detalles: null,
    });
  }

  // ── users ─────────────────────────────────────────────────────────────────────────────────

  async listUsers(): Promise<PublicUser[]> {
    return (await this.store.listUsers()).map(publicUser);
  }

  async createUser(actor: Actor, input: { nombre: string; rol: R; clave: string }): Promise<PublicUser> {
    checkUserName(input.nombre);
    checkPassword(input.clave);
    this.checkRole(input.rol);
    const at = this.now();
    const user: Usuario = {
      nombre: input.nombre,
      rol: input.rol,
      clave_hash: await hashPassword(input.clave, this.options.scryptCost),
      creado: at,
      actualizado: at,
    };
    if (!(await this.store.insertUser(user))) {
      await this.audit.append({
        ...actor,
        accion: 'usuario.crear',
        objetivo: `usuario:${input.nombre}`,
        resultado: 'error',
        detalles: { motivo: 'duplicado' },
      });
      throw new AuthError('USUARIO_DUPLICADO', `ya existe el usuario ${input.nombre}`);
    }
    await this.audit.append({
      ...actor,
      accion: 'usuario.crear',
      objetivo: `usuario:${user.nombre}`,
      resultado: 'ok',
      detalles: { rol: user.rol },
    });
    return publicUser(user);
  }

  async updateUser(actor: Actor, nombre: string, changes: { rol?: R; clave?: string }): Promise<PublicUser> {
    const user = await this.store.getUser(nombre);
    if (!user) throw new AuthError('USUARIO_NO_ENCONTRADO', `no existe el usuario ${nombre}`);
    if (changes.rol !== undefined) this.checkRole(changes.rol);
    if (changes.clave !== undefined) checkPassword(changes.clave);
    if (changes.rol !== undefined && changes.rol !== this.roles.admin && user.rol === this.roles.admin)
      await this.keepOneAdmin(actor, nombre, 'usuario.modificar');
    const updated: Usuario = {
      ...user,
      rol: changes.rol ?? user.rol,
      clave_hash:
        changes.clave === undefined ? user.clave_hash : await hashPassword(changes.clave, this.options.scryptCost),
      actualizado: this.now(),
    };
    await this.store.updateUser(updated);
    // A changed role or password ends the user's sessions: they log in again with the new one.
    await this.store.deleteCredentialsOf(nombre, 'sesion');
    this.cache.clear();
    await this.audit.append({
      ...actor,
      accion: 'usuario.modificar',
      objetivo: `usuario:${nombre}`,
      resultado: 'ok',
      detalles: {
        ...(changes.rol !== undefined ? { rol: { anterior: user.rol, nuevo: changes.rol } } : {}),
        clave_cambiada: changes.clave !== undefined,
      },
    });
    return publicUser(updated);
  }

  async deleteUser(actor: Actor, nombre: string): Promise<void> {
    const user = await this.store.getUser(nombre);
    if (!user) throw new AuthError('USUARIO_NO_ENCONTRADO', `no existe el usuario ${nombre}`);
    if (user.rol === this.roles.admin) await this.keepOneAdmin(actor, nombre, 'usuario.eliminar');
    await this.store.deleteUser(nombre);
    await this.store.deleteCredentialsOf(nombre, 'sesion');
    this.cache.clear();
    await this.audit.append({
      ...actor,
      accion: 'usuario.eliminar',
      objetivo: `usuario:${nombre}`,
      resultado: 'ok',
      detalles: { rol: user.rol },
    });
  }

  // ── API tokens ────────────────────────────────────────────────────────────────────────────

  async listTokens(): Promise<PublicToken[]> {
    return (await this.store.listCredentials({ tipo: 'api' })).map(publicToken);
  }

  /** A new long-lived token; the secret is returned once and only its hash is stored. */
  async createToken(
    actor: Actor,
    input: { nombre: string; rol: R; dias?: number },
  ): Promise<PublicToken & { token: string }> {
    checkUserName(input.nombre);
    this.checkRole(input.rol);
    const token = newToken('tok');
    const credencial: Credencial = {
      id: newId(),
      hash: sha256(token),
      tipo: 'api',
      usuario: `token:${input.nombre}`,
      rol: input.rol,
      creada: this.now(),
      expira: input.dias === undefined ? null : new Date(this.clock.now() + input.dias * 86_400_000).toISOString(),
      creada_por: actor.usuario,
    };
    await this.store.insertCredential(credencial);
    await this.audit.append({
      ...actor,
      accion: 'token.crear',
      objetivo: `token:${credencial.id}`,
      resultado: 'ok',
      detalles: { nombre: input.nombre, rol: input.rol, expira: credencial.expira },
    });
    return { ...publicToken(credencial), token };
  }

  async revokeToken(actor: Actor, id: string): Promise<void> {
    const existing = (await this.store.listCredentials({ tipo: 'api' })).find((c) => c.id === id);
    if (!existing || !(await this.store.deleteCredential(id))) {
      await this.audit.append({
        ...actor,
        accion: 'token.revocar',
        objetivo: `token:${id}`,
        resultado: 'error',
        detalles: { motivo: 'no_encontrado' },
      });
      throw new AuthError('TOKEN_NO_ENCONTRADO', `no existe el token ${id}`);
    }
    this.cache.clear();
    await this.audit.append({
      ...actor,
      accion: 'token.revocar',
      objetivo: `token:${id}`,
      resultado: 'ok',
      detalles: { nombre: publicToken(existing).nombre },
    });
  }

  private checkRole(rol: string): void {
    if (!this.roles.isRole(rol))
      throw new AuthError('VALIDACION', `rol desconocido: ${rol}`, {
        detalles: [{ campo: 'rol', problema: `uno de ${this.roles.roles.join(', ')}` }],
      });
  }

  private async keepOneAdmin(actor: Actor, nombre: string, accion: string): Promise<void> {
    const admins = (await this.store.listUsers()).filter((u) => u.rol === this.roles.admin);
    if (admins.length <= 1) {
      await this.audit.append({
        ...actor,
        accion,
        objetivo: `usuario:${nombre}`,
        resultado: 'denegado',
        detalles: { motivo: 'ultimo_admin' },
      });
      throw new AuthError('ULTIMO_ADMIN', 'no se puede quitar el último administrador');
    }
  }
}

export function actorOf(principal: Principal | null, ip: string | null): Actor {
  return principal ? { usuario: principal.usuario, rol: principal.rol, ip } : { usuario: 'anonimo', rol: null, ip };
}

function systemActor(): Actor {
  return { usuario: 'sistema', rol: null, ip: null };
}

function toPrincipal(c: Credencial): Principal {
  return { usuario: c.usuario, rol: c.rol, tipo: c.tipo, credencial: c.id, expira: c.expira };
}

function expired(expira: string | null, now: number): boolean {
  return expira !== null && Date.parse(expira) <= now;
}

function limiterKeys(usuario: string, ip: string | null): string[] {
  return ip === null ? [`u:${usuario}`] : [`u:${usuario}`, `ip:${ip}`];
}

function newId(): string {
  return randomBytes(6).toString('hex');
}

export function checkUserName(nombre: string): void {
  if (!USER_NAME.test(nombre))
    throw new AuthError('VALIDACION', 'nombre inválido', {
      detalles: [{ campo: 'nombre', problema: 'letras, dígitos, . _ - (hasta 64, empieza con letra o dígito)' }],
    });
}

export function checkPassword(clave: string): void {
  if (clave.length < PASSWORD_MIN || clave.length > PASSWORD_MAX)
    throw new AuthError('VALIDACION', 'clave inválida', {
      detalles: [{ campo: 'clave', problema: `entre ${PASSWORD_MIN} y ${PASSWORD_MAX} caracteres` }],
    });
}
