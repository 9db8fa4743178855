/**
 * AuthStore on the MongoDB database of the service's store (collections usuarios, credenciales,
 * auditoria). Writes inherit the client's `{ w: 'majority', journal: true }`. A unique index on
 * the audit `seq` makes two replicas that append at once collide instead of forking the chain.
 */
import { type Collection, type Db, type Filter, MongoServerError } from 'mongodb';
import type { AuthStore } from './store.js';
import type { Credencial, FiltroAuditoria, PaginaAuditoria, RegistroAuditoria, Usuario } from './types.js';

const DUPLICATE_KEY = 11000;
const NO_ID = { projection: { _id: 0 } } as const;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pickUser(u: Usuario): Usuario {
  return { nombre: u.nombre, rol: u.rol, clave_hash: u.clave_hash, creado: u.creado, actualizado: u.actualizado };
}

function pickCredential(c: Credencial): Credencial {
  return {
    id: c.id,
    hash: c.hash,
    tipo: c.tipo,
    usuario: c.usuario,
    rol: c.rol,
    creada: c.creada,
    expira: c.expira ?? null,
    creada_por: c.creada_por ?? null,
  };
}

/** Whatever a stored document holds, the audit read answers (a broken entry shows up in verification). */
function pickAudit(r: RegistroAuditoria): RegistroAuditoria {
  const detalles = r.detalles;
  return {
    seq: r.seq,
    fecha: String(r.fecha),
    usuario: String(r.usuario),
    rol: r.rol ?? null,
    ip: r.ip ?? null,
    accion: String(r.accion),
    objetivo: r.objetivo ?? null,
    resultado: r.resultado,
    detalles: detalles !== null && typeof detalles === 'object' && !Array.isArray(detalles) ? detalles : null,
    hash_anterior: String(r.hash_anterior),
    hash: String(r.hash),
  };
}

export class MongoAuthStore implements AuthStore {
  private readonly usuarios: Collection<Usuario>;
  private readonly credenciales: Collection<Credencial>;
  private readonly auditoria: Collection<RegistroAuditoria>;

  constructor(db: Db) {
    this.usuarios = db.collection('usuarios');
    this.credenciales = db.collection('credenciales');
    this.auditoria = db.collection('auditoria');
  }

  /** Creates the indexes; call once after the client connected. */
  async setup(): Promise<void> {
    await Promise.all([
      this.usuarios.createIndexes([{ key: { nombre: 1 }, name: 'nombre', unique: true }]),
      this.credenciales.createIndexes([
        { key: { id: 1 }, name: 'id', unique: true },
        { key: { hash: 1 }, name: 'hash', unique: true },
        { key: { usuario: 1, tipo: 1 }, name: 'usuario_tipo' },
      ]),
      this.auditoria.createIndexes([
        { key: { seq: 1 }, name: 'seq', unique: true },
        { key: { fecha: 1, seq: 1 }, name: 'fecha' },
        { key: { usuario: 1, seq: 1 }, name: 'usuario' },
      ]),
    ]);
  }

  async listUsers(): Promise<Usuario[]> {
    return (await this.usuarios.find({}, NO_ID).sort({ nombre: 1 }).toArray()).map(pickUser);
  }
  async getUser(nombre: string): Promise<Usuario | null> {
    const u = await this.usuarios.findOne({ nombre }, NO_ID);
    return u ? pickUser(u) : null;
  }
  async countUsers(): Promise<number> {
    return this.usuarios.countDocuments({});
  }
  async insertUser(u: Usuario): Promise<boolean> {
    try {
      await this.usuarios.insertOne(pickUser(u));
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }
  async updateUser(u: Usuario): Promise<boolean> {
    return (await this.usuarios.replaceOne({ nombre: u.nombre }, pickUser(u))).matchedCount === 1;
  }
  async deleteUser(nombre: string): Promise<boolean> {
    return (await this.usuarios.deleteOne({ nombre })).deletedCount === 1;
  }

  async insertCredential(c: Credencial): Promise<void> {
    await this.credenciales.insertOne(pickCredential(c));
  }
  async getCredentialByHash(hash: string): Promise<Credencial | null> {
    const c = await this.credenciales.findOne({ hash }, NO_ID);
    return c ? pickCredential(c) : null;
  }
  async listCredentials(filter: { tipo?: Credencial['tipo']; usuario?: string }): Promise<Credencial[]> {
    const query: Filter<Credencial> = {};
    if (filter.tipo !== undefined) query.tipo = filter.tipo;
    if (filter.usuario !== undefined) query.usuario = filter.usuario;
    return (await this.credenciales.find(query, NO_ID).sort({ creada: -1, id: -1 }).toArray()).map(pickCredential);
  }
  async deleteCredential(id: string): Promise<boolean> {
    return (await this.credenciales.deleteOne({ id })).deletedCount === 1;
  }
  async deleteCredentialsOf(usuario: string, tipo?: Credencial['tipo']): Promise<number> {
    return (await this.credenciales.deleteMany(tipo === undefined ? { usuario } : { usuario, tipo })).deletedCount;
  }
  async deleteExpired(now: string): Promise<number> {
    return (await this.credenciales.deleteMany({ expira: { $ne: null, $lt: now } })).deletedCount;
  }

  async lastAudit(): Promise<RegistroAuditoria | null> {
    const r = await this.auditoria.find({}, NO_ID).sort({ seq: -1 }).limit(1).next();
    return r ? pickAudit(r) : null;
  }
  async appendAudit(r: RegistroAuditoria): Promise<boolean> {
    try {
      await this.auditoria.insertOne(pickAudit(r));
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }
  async listAudit(filter: FiltroAuditoria): Promise<PaginaAuditoria> {
    const query: Filter<RegistroAuditoria> = {};
    if (filter.desde !== undefined || filter.hasta !== undefined)
      query.fecha = {
        ...(filter.desde !== undefined ? { $gte: filter.desde } : {}),
        ...(filter.hasta !== undefined ? { $lte: filter.hasta } : {}),
      };
    if (filter.usuario !== undefined) query.usuario = filter.usuario;
    if (filter.accion !== undefined)
      query.accion = filter.accion.endsWith('.') ? { $regex: `^${escapeRegex(filter.accion)}` } : filter.accion;
    if (filter.resultado !== undefined) query.resultado = filter.resultado;
    const [total, items] = await Promise.all([
      this.auditoria.countDocuments(query),
      filter.limit === 0
        ? Promise.resolve([])
        : this.auditoria.find(query, NO_ID).sort({ seq: -1 }).skip(filter.skip).limit(filter.limit).toArray(),
    ]);
    return { items: items.map(pickAudit), total };
  }
  async scanAudit(afterSeq: number, limit: number): Promise<RegistroAuditoria[]> {
    return (
      await this.auditoria
        .find({ seq: { $gt: afterSeq } }, NO_ID)
        .sort({ seq: 1 })
        .limit(limit)
        .toArray()
    ).map(pickAudit);
  }
}
