/**
 * AuthStore on a better-sqlite3 database that the service's own store opened (same file, same
 * durability settings). Its tables have their own numbered migrations, recorded in
 * `componentes_esquema` so they never collide with the service's `user_version`.
 */
import type Database from 'better-sqlite3';
import type { AuthStore } from './store.js';
import type { Credencial, FiltroAuditoria, PaginaAuditoria, RegistroAuditoria, Usuario } from './types.js';

const COMPONENT = 'auth';
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE usuarios (
    nombre TEXT PRIMARY KEY,
    rol TEXT NOT NULL,
    clave_hash TEXT NOT NULL,
    creado TEXT NOT NULL,
    actualizado TEXT NOT NULL
  ) STRICT;

  CREATE TABLE credenciales (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    tipo TEXT NOT NULL,
    usuario TEXT NOT NULL,
    rol TEXT NOT NULL,
    creada TEXT NOT NULL,
    expira TEXT,
    creada_por TEXT
  ) STRICT;
  CREATE INDEX credenciales_usuario ON credenciales (usuario, tipo);

  CREATE TABLE auditoria (
    seq INTEGER PRIMARY KEY,
    fecha TEXT NOT NULL,
    usuario TEXT NOT NULL,
    rol TEXT,
    ip TEXT,
    accion TEXT NOT NULL,
    objetivo TEXT,
    resultado TEXT NOT NULL,
    detalles TEXT,                         -- JSON object or NULL
    hash_anterior TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX auditoria_fecha ON auditoria (fecha, seq);
  CREATE INDEX auditoria_usuario ON auditoria (usuario, seq);
  `,
];

/** Runs this component's missing migrations (inside the caller's open database). */
export function migrateAuthSqlite(db: Database.Database): void {
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS componentes_esquema (componente TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT',
    );
    const row = db
      .prepare<[string], { version: number }>('SELECT version FROM componentes_esquema WHERE componente = ?')
      .get(COMPONENT);
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length)
      throw new Error(
        `el esquema de autenticación (${current}) es más nuevo que el de esta versión (${MIGRATIONS.length})`,
      );
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    db.prepare(
      'INSERT INTO componentes_esquema (componente, version) VALUES (?, ?) ON CONFLICT (componente) DO UPDATE SET version = excluded.version',
    ).run(COMPONENT, MIGRATIONS.length);
  }).immediate();
}

type AuditRow = Omit<RegistroAuditoria, 'detalles'> & { detalles: string | null };

/** A stored detalles that is not a JSON object never makes a read fail: it is shown as text. */
function parseDetalles(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { valor: value };
  } catch {
    return { texto_ilegible: text.slice(0, 200) };
  }
}

const toAudit = (r: AuditRow): RegistroAuditoria => ({
  seq: r.seq,
  fecha: r.fecha,
  usuario: r.usuario,
  rol: r.rol,
  ip: r.ip,
  accion: r.accion,
  objetivo: r.objetivo,
  resultado: r.resultado,
  detalles: parseDetalles(r.detalles),
  hash_anterior: r.hash_anterior,
  hash: r.hash,
});

const toUser = (r: Usuario): Usuario => ({
  nombre: r.nombre,
  rol: r.rol,
  clave_hash: r.clave_hash,
  creado: r.creado,
  actualizado: r.actualizado,
});

const toCredential = (r: Credencial): Credencial => ({
  id: r.id,
  hash: r.hash,
  tipo: r.tipo,
  usuario: r.usuario,
  rol: r.rol,
  creada: r.creada,
  expira: r.expira,
  creada_por: r.creada_por,
});

/** Escapes LIKE wildcards so an action prefix matches literally. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class SqliteAuthStore implements AuthStore {
  private readonly st;

  /** `db` must already be open; call migrateAuthSqlite(db) once before. */
  constructor(private readonly db: Database.Database) {
    this.st = {
      listUsers: db.prepare<[], Usuario>('SELECT * FROM usuarios ORDER BY nombre'),
      getUser: db.prepare<[string], Usuario>('SELECT * FROM usuarios WHERE nombre = ?'),
      countUsers: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM usuarios'),
      insertUser: db.prepare<Usuario>(
        `INSERT INTO usuarios (nombre, rol, clave_hash, creado, actualizado)
         VALUES (@nombre, @rol, @clave_hash, @creado, @actualizado) ON CONFLICT (nombre) DO NOTHING`,
      ),
      updateUser: db.prepare<Usuario>(
        'UPDATE usuarios SET rol = @rol, clave_hash = @clave_hash, creado = @creado, actualizado = @actualizado WHERE nombre = @nombre',
      ),
      deleteUser: db.prepare<[string]>('DELETE FROM usuarios WHERE nombre = ?'),
      insertCredential: db.prepare<Credencial>(
        `INSERT INTO credenciales (id, hash, tipo, usuario, rol, creada, expira, creada_por)
         VALUES (@id, @hash, @tipo, @usuario, @rol, @creada, @expira, @creada_por)`,
      ),
      credentialByHash: db.prepare<[string], Credencial>('SELECT * FROM credenciales WHERE hash = ?'),
      deleteCredential: db.prepare<[string]>('DELETE FROM credenciales WHERE id = ?'),
      deleteCredentialsOf: db.prepare<[string]>('DELETE FROM credenciales WHERE usuario = ?'),
      deleteCredentialsOfType: db.prepare<[string, string]>('DELETE FROM credenciales WHERE usuario = ? AND tipo = ?'),
      deleteExpired: db.prepare<[string]>('DELETE FROM credenciales WHERE expira IS NOT NULL AND expira < ?'),
      lastAudit: db.prepare<[], AuditRow>('SELECT * FROM auditoria ORDER BY seq DESC LIMIT 1'),
      appendAudit: db.prepare<AuditRow>(
        `INSERT INTO auditoria (seq, fecha, usuario, rol, ip, accion, objetivo, resultado, detalles, hash_anterior, hash)
         VALUES (@seq, @fecha, @usuario, @rol, @ip, @accion, @objetivo, @resultado, @detalles, @hash_anterior, @hash)
         ON CONFLICT (seq) DO NOTHING`,
      ),
      scanAudit: db.prepare<[number, number], AuditRow>('SELECT * FROM auditoria WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  async listUsers(): Promise<Usuario[]> {
    return this.st.listUsers.all().map(toUser);
  }
  async getUser(nombre: string): Promise<Usuario | null> {
    const row = this.st.getUser.get(nombre);
    return row ? toUser(row) : null;
  }
  async countUsers(): Promise<number> {
    return this.st.countUsers.get()?.n ?? 0;
  }
  async insertUser(u: Usuario): Promise<boolean> {
    return this.st.insertUser.run(toUser(u)).changes === 1;
  }
  async updateUser(u: Usuario): Promise<boolean> {
    return this.st.updateUser.run(toUser(u)).changes === 1;
  }
  async deleteUser(nombre: string): Promise<boolean> {
    return this.st.deleteUser.run(nombre).changes === 1;
  }

  async insertCredential(c: Credencial): Promise<void> {
    this.st.insertCredential.run(toCredential(c));
  }
  async getCredentialByHash(hash: string): Promise<Credencial | null> {
    const row = this.st.credentialByHash.get(hash);
    return row ? toCredential(row) : null;
  }
  async listCredentials(filter: { tipo?: Credencial['tipo']; usuario?: string }): Promise<Credencial[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.tipo !== undefined) {
      where.push('tipo = ?');
      params.push(filter.tipo);
    }
    if (filter.usuario !== undefined) {
      where.push('usuario = ?');
      params.push(filter.usuario);
    }
    const sql = `SELECT * FROM credenciales ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY creada DESC, id DESC`;
    return this.db
      .prepare<string[], Credencial>(sql)
      .all(...params)
      .map(toCredential);
  }
  async deleteCredential(id: string): Promise<boolean> {
    return this.st.deleteCredential.run(id).changes === 1;
  }
  async deleteCredentialsOf(usuario: string, tipo?: Credencial['tipo']): Promise<number> {
    return tipo === undefined
      ? this.st.deleteCredentialsOf.run(usuario).changes
      : this.st.deleteCredentialsOfType.run(usuario, tipo).changes;
  }
  async deleteExpired(now: string): Promise<number> {
    return this.st.deleteExpired.run(now).changes;
  }

  async lastAudit(): Promise<RegistroAuditoria | null> {
    const row = this.st.lastAudit.get();
    return row ? toAudit(row) : null;
  }
  async appendAudit(r: RegistroAuditoria): Promise<boolean> {
    const row: AuditRow = { ...r, detalles: r.detalles === null ? null : JSON.stringify(r.detalles) };
    return this.st.appendAudit.run(row).changes === 1;
  }
  async listAudit(filter: FiltroAuditoria): Promise<PaginaAuditoria> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.desde !== undefined) {
      where.push('fecha >= ?');
      params.push(filter.desde);
    }
    if (filter.hasta !== undefined) {
      where.push('fecha <= ?');
      params.push(filter.hasta);
    }
    if (filter.usuario !== undefined) {
      where.push('usuario = ?');
      params.push(filter.usuario);
    }
    if (filter.accion !== undefined) {
      if (filter.accion.endsWith('.')) {
        where.push("accion LIKE ? ESCAPE '\\'");
        params.push(likePrefix(filter.accion));
      } else {
        where.push('accion = ?');
        params.push(filter.accion);
      }
    }
    if (filter.resultado !== undefined) {
      where.push('resultado = ?');
      params.push(filter.resultado);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total =
      this.db
        .prepare<(string | number)[], { n: number }>(`SELECT COUNT(*) AS n FROM auditoria ${clause}`)
        .get(...params)?.n ?? 0;
    const items = this.db
      .prepare<(string | number)[], AuditRow>(`SELECT * FROM auditoria ${clause} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...params, filter.limit, filter.skip)
      .map(toAudit);
    return { items, total };
  }
  async scanAudit(afterSeq: number, limit: number): Promise<RegistroAuditoria[]> {
    return this.st.scanAudit.all(afterSeq, limit).map(toAudit);
  }
}
