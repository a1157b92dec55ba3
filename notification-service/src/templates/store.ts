import type { Channel } from '../domain/notification.js';
import type { Parts, TemplateType } from './catalog.js';

/**
 * Operators' template versions (table `templates`, docs/templates.md). Append-only: every change
 * is a new row with the next version number of its (type, channel, locale), the earlier ones stay.
 * `source: builtin` is a return to the built-in files (DELETE): its parts are null.
 */
export interface TemplateVersion {
  type: TemplateType;
  channel: Channel;
  locale: string;
  version: number;
  source: 'custom' | 'builtin';
  parts: Parts | null;
  createdAt: string;
  /** The API key that made the change (`api:<name>`). */
  createdBy: string;
}

export type NewTemplateVersion = Omit<TemplateVersion, 'version' | 'createdAt'>;

export interface TemplateStore {
  /**
   * Changes whenever a version is added anywhere (the row count and the newest id): what each
   * instance compares, every few seconds, to know its compiled templates are stale.
   */
  stamp(): Promise<string>;
  /** The newest version of every (type, channel, locale) that has one. */
  latest(): Promise<TemplateVersion[]>;
  /** Every version of one template, newest first. */
  history(type: TemplateType, channel: Channel, locale: string): Promise<TemplateVersion[]>;
  /** Adds the next version (the newest + 1; concurrent appends each get their own number). */
  append(version: NewTemplateVersion): Promise<TemplateVersion>;
}
