import { createHash } from 'node:crypto';
import type pg from 'pg';

export type Queryable = Pick<pg.Pool, 'query'>;

/**
 * A read on the fan-out path sent as a named statement: PostgreSQL parses and plans it once per
 * connection, then (after five runs, if the generic plan costs no more) runs it without planning.
 * Through Prisma every statement is unnamed and planned on each call: on the partitioned inbox the
 * unread-count subquery spent 1.3-1.5 ms per call planning against 3 ms executing, and the decide
 * queries of a one-to-one event (preferences, mutes and blocks) spent three times longer planning
 * than running (docs/performance.md, "Planning"). The pg client also costs a fraction of Prisma's
 * per-query CPU. Only for reads outside a transaction.
 *
 * The preference and mute reads (keyed lookups of plain tables) run on `readPool` connections set
 * to always use the generic plan: left to choose, PostgreSQL keeps re-planning them, because a plan
 * for a one-element array always looks cheaper than the plan for any array. The badge counts stay
 * on the main pool, where PostgreSQL picks the generic plan itself once it has seen the inbox's real
 * size: a generic plan forced while the partitions were still empty scanned them whole, and only
 * the next ANALYZE would have replaced it.
 *
 * The name is a hash of the text, so two schemas (or two versions of a statement) never share one.
 */
export class PreparedRead<Row extends pg.QueryResultRow> {
  private readonly name: string;

  constructor(private readonly text: string) {
    this.name = `herald_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  }

  async rows(db: Queryable, values: unknown[]): Promise<Row[]> {
    return (await db.query<Row>({ name: this.name, text: this.text, values })).rows;
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** `"schema"."table"` for statement text, refusing anything that is not a plain identifier. */
export function qualified(schema: string, table: string): string {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  if (!IDENTIFIER.test(table)) throw new Error(`invalid table name "${table}"`);
  return `"${schema}"."${table}"`;
}
