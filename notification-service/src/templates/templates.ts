import type { Logger } from '@herald/platform';
import type { InAppText, InAppWords } from '../app/in-app-text.js';
import type { ClaimedDelivery } from '../domain/channel-ports.js';
import type { OutboundMessage, OutOfBandChannel } from '../domain/channels.js';
import type { Channel } from '../domain/notification.js';
import { canonicalTimeZone } from '../domain/local-time.js';
import { deliveryIdOf, renderMessage } from '../channels/render.js';
import type { TrackingSigner } from '../channels/tracking.js';
import { canonicalLocale, channelsOf, languageOf, TEMPLATE_TYPES, templateKey, type Parts, type TemplateType } from './catalog.js';
import { BUILTIN_DIR, compileEnvFor, loadBuiltins, type Builtins } from './builtin.js';
import { compileTemplate, TemplateError, type CompiledTemplate } from './compile.js';
import { digestVars, notificationVars, type DigestInput, type Links } from './context.js';
import type { Recipient, RecipientDirectory } from './recipients.js';
import { TemplateSet, type RenderedMessage } from './render.js';
import type { TemplateStore, TemplateVersion } from './store.js';
import { sampleData, variablesOf } from './variables.js';

export interface TemplatesOptions {
  store: TemplateStore;
  directory: RecipientDirectory;
  /** PUBLIC_URL: the base of every link. */
  publicUrl: string;
  signer: TrackingSigner;
  logger: Logger;
  /**
   * How long an instance uses its compiled templates before it asks the database whether any
   * changed (one small query; a change recompiles only what changed). Default 5 s.
   */
  refreshMs?: number;
  /** The built-in files (default notification-service/templates). */
  dir?: string;
  clock?: { now(): Date };
}

export const DEFAULT_TEMPLATE_REFRESH_MS = 5_000;
/**
 * A recipient read for one message serves the others of the next seconds (the email, SMS and Slack
 * of one notification go out together): a changed language or zone applies within this long.
 */
const RECIPIENT_TTL_MS = 10_000;
const RECIPIENT_CACHE_LIMIT = 10_000;

/** A tag the admin routes accept: `en`, `es-MX`, `zh-Hant-TW`, in a language Herald has built-in files for. */
const LOCALE_SHAPE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|\d{3}))?$/;

export interface TemplateSummary {
  type: TemplateType;
  channel: Channel;
  locale: string;
  /** The current version's number (0: the built-in file, never changed). */
  version: number;
  source: 'builtin' | 'custom';
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface TemplateDetail extends TemplateSummary {
  /** The texts in use for this locale. */
  current: Parts;
  /** Set when this locale has no template of its own and uses the one of this locale (its language, or en). */
  inheritedFrom?: string;
  /** The built-in file's texts for exactly this locale (null when there is none). */
  builtin: Parts | null;
  /** Every version, newest first. */
  versions: Array<{ version: number; source: 'builtin' | 'custom'; createdAt: string; createdBy: string; parts: Parts | null }>;
}

export interface PreviewRequest {
  data?: Record<string, unknown>;
  /** Texts to try instead of the stored template (nothing is saved). */
  template?: Parts;
  timeZone?: string;
}

/**
 * Templates per notification type × channel × locale (docs/templates.md): the built-in files, the
 * operators' versions in the database, and every render Herald does with them.
 *
 * Caching: each instance keeps the current versions compiled and checks a version stamp (row count
 * and newest id of `templates`) at most every `refreshMs` before it renders; a change made through
 * one instance applies there at once and on every other instance within `refreshMs`.
 */
export class Templates {
  private set: TemplateSet;
  private stamp: string | undefined;
  private checkedAt = -Infinity;
  private refreshing: Promise<void> | undefined;
  private readonly refreshMs: number;
  private readonly base: string;
  private readonly clock: { now(): Date };
  private readonly recipients = new Map<string, { at: number; value: Promise<Recipient | undefined> }>();

  private constructor(
    private readonly opts: TemplatesOptions,
    readonly builtins: Builtins,
  ) {
    this.set = new TemplateSet(builtins, new Map());
    this.refreshMs = opts.refreshMs ?? DEFAULT_TEMPLATE_REFRESH_MS;
    this.base = opts.publicUrl.replace(/\/+$/, '');
    this.clock = opts.clock ?? { now: () => new Date() };
  }

  /** Loads and compiles the built-in files (once per process); operators' versions come with refresh(). */
  static async create(opts: TemplatesOptions): Promise<Templates> {
    return new Templates(opts, await loadBuiltins(opts.dir ?? BUILTIN_DIR));
  }

  /** The set in use now (tests). */
  current(): TemplateSet {
    return this.set;
  }

  /** Brings the operators' versions up to date if the last check is older than refreshMs (or `force`). Never throws. */
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.checkedAt < this.refreshMs) return;
    if (this.refreshing) {
      await this.refreshing;
      if (!force) return;
    }
    this.refreshing = this.reload().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private async reload(): Promise<void> {
    try {
      const stamp = await this.opts.store.stamp();
      this.checkedAt = Date.now();
      if (stamp === this.stamp) return;
      const latest = await this.opts.store.latest();
      const custom = new Map<string, CompiledTemplate>();
      for (const v of latest) {
        if (v.source !== 'custom' || !v.parts || !this.isKnown(v.type, v.channel, v.locale)) continue;
        const key = templateKey(v.type, v.channel, v.locale);
        const compiled = this.set.custom.get(key);
        if (compiled?.version === v.version) {
          custom.set(key, compiled);
          continue;
        }
        try {
          custom.set(key, await this.compile(v.type, v.channel, v.locale, v.parts, v));
        } catch (err) {
          // Stored templates were checked when they were stored; one that no longer compiles (a
          // helper removed since) is skipped, and the built-in speaks instead.
          this.opts.logger.error({ err, template: key, version: v.version }, 'a stored template does not compile; the built-in one is used');
        }
      }
      this.set = new TemplateSet(this.builtins, custom);
      this.stamp = stamp;
    } catch (err) {
      this.checkedAt = Date.now();
      this.opts.logger.warn({ err }, 'could not check for changed templates; the ones loaded stay in use');
    }
  }

  private compile(type: TemplateType, channel: Channel, locale: string, parts: Parts, v?: Pick<TemplateVersion, 'version' | 'createdAt' | 'createdBy'>): Promise<CompiledTemplate> {
    return compileTemplate(
      { type, channel, locale, parts, source: 'custom', version: v?.version ?? 0, ...(v ? { createdAt: v.createdAt, createdBy: v.createdBy } : {}) },
      compileEnvFor(this.builtins.assets, locale),
    );
  }

  // ---- rendering -----------------------------------------------------------------------------

  /** The recipient's name, language and zone; undefined (the defaults) when they cannot be read. */
  private recipientOf(userId: string): Promise<Recipient | undefined> {
    const now = Date.now();
    const hit = this.recipients.get(userId);
    if (hit && now - hit.at < RECIPIENT_TTL_MS) return hit.value;
    if (this.recipients.size >= RECIPIENT_CACHE_LIMIT) this.recipients.clear();
    const value = this.opts.directory.recipient(userId).catch((err: unknown) => {
      this.recipients.delete(userId);
      this.opts.logger.warn({ err, recipientId: userId }, 'could not read the recipient’s language and zone; using the defaults');
      return undefined;
    });
    this.recipients.set(userId, { at: now, value });
    return value;
  }

  private links(notificationId: string | undefined, channel: OutOfBandChannel): Links & { link: string; settingsUrl: string } {
    const link = notificationId ? `${this.base}/t/c/${this.opts.signer.sign({ n: notificationId, c: channel, k: 'c' })}` : `${this.base}/#/inbox`;
    return { appUrl: this.base, link, settingsUrl: `${this.base}/#/settings` };
  }

  /** A render that fails (a custom template meeting data its author did not expect) falls back to the built-in one. */
  private renderSafely(type: TemplateType, channel: Channel, person: Recipient | { locale: string | null; timeZone?: string | null } | undefined, vars: Record<string, unknown>, extras: { pixel?: string; reason?: 'away' | 'digest' } = {}): RenderedMessage {
    const set = this.set;
    const template = set.resolve(type, channel, person?.locale);
    try {
      return set.render(template, vars, set.renderLocale(template, person ?? {}), extras);
    } catch (err) {
      if (template.source !== 'custom') throw err;
      this.opts.logger.error({ err, template: templateKey(type, channel, template.locale), version: template.version }, 'a template failed to render; the built-in one is used');
      const fallback = new TemplateSet(this.builtins, new Map());
      const builtin = fallback.resolve(type, channel, person?.locale);
      return fallback.render(builtin, vars, fallback.renderLocale(builtin, person ?? {}), extras);
    }
  }

  /** What one out-of-band delivery says, in its recipient's language and zone (the channel workers' render). */
  async renderDelivery(d: Pick<ClaimedDelivery, 'notification' | 'channel' | 'address' | 'recipientId'> & { notificationId?: string }): Promise<OutboundMessage> {
    const n = d.notification;
    const deliveryId = deliveryIdOf(d.notificationId ?? n.id, d.channel);
    try {
      await this.refresh();
      const recipient = await this.recipientOf(d.recipientId);
      const links = this.links(n.id, d.channel);
      const vars = notificationVars(n, recipient, links);
      const pixel = d.channel === 'email' ? `${this.base}/t/o/${this.opts.signer.sign({ n: n.id, c: d.channel, k: 'o' })}` : '';
      const rendered = this.renderSafely(n.type, d.channel, recipient, vars, { pixel, reason: 'away' });
      return toOutbound(rendered, { deliveryId, channel: d.channel, to: d.address, title: n.title });
    } catch (err) {
      this.opts.logger.error({ err, notificationId: n.id, channel: d.channel }, 'templates failed; the plain default message is sent');
      return renderMessage({ publicUrl: this.opts.publicUrl, signer: this.opts.signer }, { notification: n, channel: d.channel, address: d.address, deliveryId });
    }
  }

  /**
   * A digest on one channel (for the digest sender): the grouped items, newest first, and the
   * total they stand for. The digest sender passes its tracked inbox `link` and email `pixel`
   * (channels/digest-render.ts `digestLinks`); `link` defaults to the inbox, untracked.
   */
  async renderDigest(input: { channel: OutOfBandChannel; recipientId: string; address: string; deliveryId: string; digest: DigestInput; link?: string; pixel?: string }): Promise<OutboundMessage> {
    await this.refresh();
    const recipient = await this.recipientOf(input.recipientId);
    const links = { ...this.links(undefined, input.channel), ...(input.link ? { link: input.link } : {}) };
    const extras = { reason: 'digest' as const, ...(input.channel === 'email' && input.pixel ? { pixel: input.pixel } : {}) };
    const rendered = this.renderSafely('digest', input.channel, recipient, digestVars(input.digest, recipient, links, this.clock.now()), extras);
    return toOutbound(rendered, { deliveryId: input.deliveryId, channel: input.channel, to: input.address, title: '' });
  }

  /** Fan-out's in-app words (app/in-app-text.ts). */
  readonly inApp: InAppText = {
    prepare: async (recipientIds) => {
      await this.refresh();
      const locales = await this.opts.directory.locales(recipientIds);
      const byDraft = new WeakMap<object, Map<string, { title: string; body: string }>>();
      const words: InAppWords = (n, recipientId, shared) => {
        const locale = locales.get(recipientId) ?? null;
        // A group successor has its own count and people: rendered for itself.
        const cacheable = shared !== undefined && n.data.replaces === undefined;
        let cache = cacheable ? byDraft.get(shared) : undefined;
        const cached = cache?.get(locale ?? '');
        if (cached) {
          n.title = cached.title;
          n.body = cached.body;
          return;
        }
        try {
          const rendered = this.renderSafely(n.type, 'in_app', { locale }, notificationVars(n, undefined, { appUrl: this.base }));
          if (rendered.channel !== 'in_app') return;
          n.title = rendered.title;
          n.body = rendered.body;
          if (cacheable) {
            if (!cache) byDraft.set(shared, (cache = new Map()));
            cache.set(locale ?? '', { title: n.title, body: n.body });
          }
        } catch (err) {
          this.opts.logger.error({ err, type: n.type }, 'in-app template failed; the default English words stay');
        }
      };
      return words;
    },
  };

  // ---- operators (http/template-routes.ts) ---------------------------------------------------

  /** `en`, `es-MX`: a well-formed tag in a language with built-in files, in canonical form; undefined otherwise. */
  knownLocale(tag: string): string | undefined {
    const canonical = canonicalLocale(tag);
    if (!canonical || !LOCALE_SHAPE.test(canonical)) return undefined;
    return this.builtins.locales.some((l) => languageOf(l) === languageOf(canonical)) ? canonical : undefined;
  }

  private isKnown(type: string, channel: string, locale: string): boolean {
    return (TEMPLATE_TYPES as readonly string[]).includes(type) && (channelsOf(type as TemplateType) as readonly string[]).includes(channel) && this.knownLocale(locale) === locale;
  }

  async list(): Promise<TemplateSummary[]> {
    const latest = await this.opts.store.latest();
    const byKey = new Map(latest.filter((v) => this.isKnown(v.type, v.channel, v.locale)).map((v) => [templateKey(v.type, v.channel, v.locale), v]));
    const keys = new Map<string, { type: TemplateType; channel: Channel; locale: string }>();
    for (const t of this.builtins.templates.values()) keys.set(templateKey(t.type, t.channel, t.locale), t);
    for (const v of byKey.values()) keys.set(templateKey(v.type, v.channel, v.locale), v);
    const typeOrder = (t: string) => TEMPLATE_TYPES.indexOf(t as TemplateType);
    return [...keys.entries()]
      .map(([key, { type, channel, locale }]) => {
        const v = byKey.get(key);
        return { type, channel, locale, version: v?.version ?? 0, source: v?.source ?? 'builtin', updatedAt: v?.createdAt ?? null, updatedBy: v?.createdBy ?? null } satisfies TemplateSummary;
      })
      .sort((a, b) => typeOrder(a.type) - typeOrder(b.type) || channelsOf(a.type).indexOf(a.channel) - channelsOf(b.type).indexOf(b.channel) || a.locale.localeCompare(b.locale));
  }

  async get(type: TemplateType, channel: Channel, locale: string): Promise<TemplateDetail> {
    const history = await this.opts.store.history(type, channel, locale);
    const newest = history[0];
    const builtin = this.builtins.templates.get(templateKey(type, channel, locale));
    const versions = history.map((v) => ({ version: v.version, source: v.source, createdAt: v.createdAt, createdBy: v.createdBy, parts: v.parts }));
    const summary = { type, channel, locale, version: newest?.version ?? 0, updatedAt: newest?.createdAt ?? null, updatedBy: newest?.createdBy ?? null };
    if (newest?.source === 'custom' && newest.parts) return { ...summary, source: 'custom', current: newest.parts, builtin: builtin?.parts ?? null, versions };
    if (builtin) return { ...summary, source: 'builtin', current: builtin.parts, builtin: builtin.parts, versions };
    // No template of its own: what this locale's chain leads to now.
    await this.refresh(true);
    const used = this.set.resolve(type, channel, locale);
    return { ...summary, source: 'builtin', current: used.parts, inheritedFrom: used.locale, builtin: null, versions };
  }

  /** Checks and stores a new version (throws TemplateError naming the part at fault). */
  async put(type: TemplateType, channel: Channel, locale: string, parts: Parts, createdBy: string): Promise<TemplateSummary> {
    await this.compile(type, channel, locale, parts);
    const stored = await this.opts.store.append({ type, channel, locale, source: 'custom', parts, createdBy });
    await this.refresh(true);
    return { type, channel, locale, version: stored.version, source: 'custom', updatedAt: stored.createdAt, updatedBy: stored.createdBy };
  }

  /** Back to the built-in (a new version saying so); nothing changes, and no version is added, if it already is. */
  async remove(type: TemplateType, channel: Channel, locale: string, createdBy: string): Promise<TemplateSummary & { changed: boolean }> {
    const [newest] = await this.opts.store.history(type, channel, locale);
    if (!newest || newest.source === 'builtin') {
      return { type, channel, locale, version: newest?.version ?? 0, source: 'builtin', updatedAt: newest?.createdAt ?? null, updatedBy: newest?.createdBy ?? null, changed: false };
    }
    const stored = await this.opts.store.append({ type, channel, locale, source: 'builtin', parts: null, createdBy });
    await this.refresh(true);
    return { type, channel, locale, version: stored.version, source: 'builtin', updatedAt: stored.createdAt, updatedBy: stored.createdBy, changed: true };
  }

  /**
   * The message a template makes from sample data (merged with `data`), as the person in `locale`
   * and `timeZone` would get it. Tracking is left out (no pixel); links are the sample's.
   */
  async preview(type: TemplateType, channel: Channel, locale: string, request: PreviewRequest): Promise<{ template: { locale: string; source: 'builtin' | 'custom'; version: number }; rendered: RenderedMessage }> {
    const variables = variablesOf(type, channel);
    for (const key of Object.keys(request.data ?? {})) {
      if (!Object.hasOwn(variables, key)) throw new TemplateError(`data.${key}`, `${type} ${channel} templates have no variable "${key}" (they have ${Object.keys(variables).join(', ')})`);
    }
    const timeZone = request.timeZone ?? 'UTC';
    if (!canonicalTimeZone(timeZone)) throw new TemplateError('timeZone', 'is not an IANA time zone (e.g. Europe/Madrid)');
    await this.refresh(true);
    const template = request.template ? await this.compile(type, channel, locale, request.template) : this.set.resolve(type, channel, locale);
    const vars = { ...sampleData(type), ...JSON.parse(JSON.stringify(request.data ?? {})) };
    try {
      const rendered = this.set.render(template, vars, this.set.renderLocale(template, { locale, timeZone }, true), { reason: type === 'digest' ? 'digest' : 'away' });
      return { template: { locale: template.locale, source: request.template ? 'custom' : template.source, version: request.template ? 0 : template.version }, rendered };
    } catch (err) {
      throw new TemplateError(request.data ? 'data' : 'template', `the template fails with this data: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** A rendered template as a provider takes it. */
function toOutbound(rendered: RenderedMessage, base: { deliveryId: string; channel: OutOfBandChannel; to: string; title: string }): OutboundMessage {
  const common = { deliveryId: base.deliveryId, channel: base.channel, to: base.to };
  switch (rendered.channel) {
    case 'email':
      return { ...common, subject: rendered.subject, text: rendered.text, html: rendered.html };
    case 'sms':
      return { ...common, subject: base.title, text: rendered.text };
    case 'slack':
      return { ...common, subject: base.title, text: rendered.text, format: 'mrkdwn' };
    case 'push':
      return { ...common, subject: rendered.title, text: rendered.body, url: rendered.url };
    case 'in_app':
      return { ...common, subject: rendered.title, text: rendered.body };
  }
}
