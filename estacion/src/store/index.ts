/**
 * Picks the station's store: MongoDB when a URL is given (`--mongo-url` / `MONGO_URL`), else the
 * embedded SQLite file in the data directory. Callers own the lifecycle: `setup()` then `close()`.
 */
import { MongoStore } from './mongo-store.js';
import type { StationStore } from './port.js';
import { SqliteStore } from './sqlite-store.js';

export type * from './port.js';

export function createStore(options: { dataDir: string; mongoUrl?: string }): StationStore {
  return options.mongoUrl ? new MongoStore({ url: options.mongoUrl }) : new SqliteStore({ dataDir: options.dataDir });
}
