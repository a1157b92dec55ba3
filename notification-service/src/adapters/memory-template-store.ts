import type { NewTemplateVersion, TemplateStore, TemplateVersion } from '../templates/store.js';
import type { Channel } from '../domain/notification.js';
import type { TemplateType } from '../templates/catalog.js';

/** Template versions in memory (tests, and any composition without PostgreSQL), as the Prisma store keeps them. */
export class MemoryTemplateStore implements TemplateStore {
  private readonly rows: TemplateVersion[] = [];

  constructor(private readonly clock: { now(): Date } = { now: () => new Date() }) {}

  async stamp(): Promise<string> {
    return `${this.rows.length}`;
  }

  async latest(): Promise<TemplateVersion[]> {
    const newest = new Map<string, TemplateVersion>();
    for (const row of this.rows) newest.set(`${row.type}/${row.channel}/${row.locale}`, row);
    return [...newest.values()].map(copy);
  }

  async history(type: TemplateType, channel: Channel, locale: string): Promise<TemplateVersion[]> {
    return this.rows.filter((r) => r.type === type && r.channel === channel && r.locale === locale).reverse().map(copy);
  }

  async append(version: NewTemplateVersion): Promise<TemplateVersion> {
    const previous = this.rows.filter((r) => r.type === version.type && r.channel === version.channel && r.locale === version.locale).length;
    const row: TemplateVersion = { ...copy(version as TemplateVersion), version: previous + 1, createdAt: this.clock.now().toISOString() };
    this.rows.push(row);
    return copy(row);
  }
}

const copy = (row: TemplateVersion): TemplateVersion => ({ ...row, parts: row.parts ? { ...row.parts } : null });
