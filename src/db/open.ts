import type { GatewayConfig } from '../config/types.js';
import { MysqlDatabase } from './mysql.js';
import type { SqlDatabase } from './sql.js';
import { SqliteDatabase } from './sqlite.js';

/** Opens the database the configuration names (does not migrate). */
export function openDatabase(config: Pick<GatewayConfig, 'database'>): SqlDatabase {
  const d = config.database;
  if (d.type === 'sqlite') return new SqliteDatabase(d.address);
  return new MysqlDatabase({ address: d.address, database: d.name, user: d.user, password: d.password });
}
