import { Prisma } from '../generated/prisma/client.js';
import type { NotificationPrisma } from './prisma-client.js';
import { pgText } from './pg-safe.js';
import type { Channel } from '../domain/notification.js';
import { PART_NAMES, type Parts, type TemplateType } from '../templates/catalog.js';
import type { NewTemplateVersion, TemplateStore, TemplateVersion } from '../templates/store.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

interface Row {
  type: string;
  channel: string;
  locale: string;
  version: number;
  source: string;
  subject: string | null;
  preheader: string | null;
  title: string | null;
  body: string | null;
  url: string | null;
  created_by: string;
  created_at: Date;
}

const COLUMNS = Prisma.raw('type, channel, locale, version, source, subject, preheader, title, body, url, created_by, created_at');

function fromRow(row: Row): TemplateVersion {
  let parts: Parts | null = null;
  if (row.source === 'custom') {
    parts = {};
    for (const name of PART_NAMES) if (row[name] !== null) parts[name] = row[name];
  }
  return {
    type: row.type as TemplateType,
    channel: row.channel as Channel,
    locale: row.locale,
    version: row.version,
    source: row.source === 'custom' ? 'custom' : 'builtin',
    parts,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
  };
}

/** Template versions in PostgreSQL (migration 20261211130000_templates): append-only rows. */
export class PrismaTemplateStore implements TemplateStore {
  private readonly table: Prisma.Sql;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
  ) {
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.table = Prisma.raw(`"${schema}"."templates"`);
  }

  async stamp(): Promise<string> {
    const [row] = await this.prisma.$queryRaw<{ n: number; last: string }[]>`SELECT count(*)::int AS n, COALESCE(max(id), 0)::text AS last FROM ${this.table}`;
    return `${row?.n ?? 0}:${row?.last ?? 0}`;
  }

  async latest(): Promise<TemplateVersion[]> {
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT DISTINCT ON (type, channel, locale) ${COLUMNS} FROM ${this.table}
      ORDER BY type, channel, locale, version DESC`;
    return rows.map(fromRow);
  }

  async history(type: TemplateType, channel: Channel, locale: string): Promise<TemplateVersion[]> {
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT ${COLUMNS} FROM ${this.table} WHERE type = ${type} AND channel = ${channel} AND locale = ${locale} ORDER BY version DESC`;
    return rows.map(fromRow);
  }

  async append(v: NewTemplateVersion): Promise<TemplateVersion> {
    const part = (name: (typeof PART_NAMES)[number]) => (v.parts?.[name] !== undefined ? pgText(v.parts[name]!) : null);
    // Two changes of one template at once compute the same next number; the unique index lets one
    // win and the other takes the number after it.
    for (let attempt = 0; attempt < 10; attempt++) {
      const rows = await this.prisma.$queryRaw<Row[]>`
        INSERT INTO ${this.table} (type, channel, locale, version, source, subject, preheader, title, body, url, created_by)
        SELECT ${v.type}, ${v.channel}, ${v.locale}, COALESCE(max(version), 0) + 1, ${v.source},
          ${part('subject')}, ${part('preheader')}, ${part('title')}, ${part('body')}, ${part('url')}, ${pgText(v.createdBy).slice(0, 100)}
        FROM ${this.table} WHERE type = ${v.type} AND channel = ${v.channel} AND locale = ${v.locale}
        ON CONFLICT (type, channel, locale, version) DO NOTHING
        RETURNING ${COLUMNS}`;
      if (rows[0]) return fromRow(rows[0]);
    }
    throw new Error('could not add a template version: too many concurrent changes');
  }
}
