import mjml2html from 'mjml';
import { compile as htmlToText } from 'html-to-text';
import type { Channel } from '../domain/notification.js';
import { partsOf, PART_NAMES, type PartName, type Parts, type TemplateType } from './catalog.js';
import { COMPILE_OPTIONS, hbs, RUNTIME_OPTIONS, type RenderLocale } from './helpers.js';
import { checkTemplate, type Problem } from './validate.js';
import { LAYOUT_VARS, sampleData, variablesOf } from './variables.js';

/** A template that cannot be used, naming the part at fault (the admin routes answer 400 with it). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** Where the type's own MJML goes inside a locale's email layout. */
export const CONTENT_MARKER = '{{> content}}';

export interface TemplateSource {
  type: TemplateType;
  channel: Channel;
  locale: string;
  parts: Parts;
  source: 'builtin' | 'custom';
  /** 0 for the built-in files; 1, 2, … for operators' versions. */
  version: number;
  createdAt?: string;
  createdBy?: string;
}

/** Compiled Handlebars of one part: data in, text (or, for the email body, the whole HTML document) out. */
export type PartRenderer = (data: Record<string, unknown>, rl: RenderLocale) => string;

export interface CompiledTemplate extends TemplateSource {
  render: Partial<Record<PartName, PartRenderer>>;
  /**
   * Email: the text part, as a template of its own. html-to-text runs once, on the compiled HTML
   * with its Handlebars tags still in, rather than on every message (it is most of an email's
   * rendering time); Handlebars then fills the text as it fills the HTML.
   */
  text?: PartRenderer;
}

const TEXT_SELECTORS = [
  { selector: 'a', options: { linkBrackets: false as const } },
  { selector: 'img', format: 'skip' },
  { selector: '.preheader', format: 'skip' },
  { selector: 'h1', options: { uppercase: false } },
  { selector: 'h2', options: { uppercase: false } },
  { selector: 'table', format: 'block' },
];

/** An email's text part from its HTML: links written out after their words, no pixel, no preheader. */
export const emailText = htmlToText({ wordwrap: false, selectors: TEXT_SELECTORS });

/** Blank lines left by empty blocks collapse to one; no trailing spaces. */
export const tidyText = (text: string) => text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();

/** What a template compiles against: its locale's email layout and the shared phrases it may name. */
export interface CompileEnv {
  layout: string;
  messageKeys: ReadonlySet<string>;
  /** For the check render with sample data (strict helpers). */
  sampleLocale: RenderLocale;
}

const describe = (problems: Problem[]) =>
  problems
    .slice(0, 5)
    .map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message))
    .join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : '');

function handlebars(source: string, escapeHtml: boolean): PartRenderer {
  const template = hbs.compile(source, { ...COMPILE_OPTIONS, noEscape: !escapeHtml });
  return (data, rl) => template(data, { ...RUNTIME_OPTIONS, data: { herald: rl } });
}

/** `{{…}}` tags and how often each occurs. */
function tagCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tag of text.match(/\{\{[\s\S]*?\}\}/g) ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return counts;
}

/**
 * MJML → HTML once, when the template is loaded or stored; Handlebars fills the HTML per message.
 * MJML keeps Handlebars tags inside content and attribute values, but drops text between its
 * elements, so a `{{#if}}` placed between two `<mj-text>` would vanish: that is refused here rather
 * than discovered in someone's inbox. `mj-include` is refused and ignored (it reads files).
 */
export async function compileEmailBody(content: string, layout: string): Promise<string> {
  if (/<\s*(mjml|mj-body|mj-head)\b/i.test(content)) {
    throw new TemplateError('body', 'give the sections only (<mj-section>, <mj-wrapper>, …): the layout adds <mjml>, <mj-head>, <mj-body>, the header and the footer');
  }
  if (/<\s*mj-include\b/i.test(content)) throw new TemplateError('body', '<mj-include> is not available in templates');
  const at = layout.indexOf(CONTENT_MARKER);
  const offset = layout.slice(0, at).split('\n').length - 1;
  const document = layout.replace(CONTENT_MARKER, () => content);
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(document, { validationLevel: 'soft', ignoreIncludes: true, keepComments: false, fonts: {} });
  } catch (err) {
    throw new TemplateError('body', `is not valid MJML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (result.errors.length > 0) {
    const lines = content.split('\n').length;
    const messages = result.errors.slice(0, 5).map((e) => {
      const line = e.line - offset;
      return line >= 1 && line <= lines ? `line ${line}: ${e.message}` : e.message;
    });
    throw new TemplateError('body', `MJML: ${messages.join('; ')}${result.errors.length > 5 ? ` (and ${result.errors.length - 5} more)` : ''}`);
  }
  const before = tagCounts(document);
  const after = tagCounts(result.html);
  const lost = [...before].filter(([tag, n]) => (after.get(tag) ?? 0) < n).map(([tag]) => tag);
  if (lost.length > 0) {
    throw new TemplateError('body', `MJML drops text between its elements, and with it ${lost.slice(0, 3).join(', ')}: put {{#if}}, {{#each}} and values inside <mj-text>, <mj-button> or <mj-raw> content, or in attribute values`);
  }
  return result.html;
}

/**
 * Checks and compiles one template: the parts its channel has (required ones present, no others),
 * each part's Handlebars (helpers, variables of its type, no raw output), the email body's MJML
 * inside the layout, and finally a render with the type's sample data.
 */
export async function compileTemplate(input: TemplateSource, env: CompileEnv): Promise<CompiledTemplate> {
  const specs = partsOf(input.channel);
  for (const name of PART_NAMES) {
    const given = input.parts[name];
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      if (given !== undefined && given !== null) throw new TemplateError(name, `${input.channel} templates have no ${name} (they have ${specs.map((s) => s.name).join(', ')})`);
      continue;
    }
    if (given === undefined || given === null) {
      if (spec.required) throw new TemplateError(name, `is required for ${input.channel} templates`);
      continue;
    }
    if (typeof given !== 'string') throw new TemplateError(name, 'must be a string');
    if (given.length > spec.maxLength) throw new TemplateError(name, `is longer than ${spec.maxLength} characters`);
    if (given.trim() === '' && !spec.allowEmpty) throw new TemplateError(name, spec.required ? 'must not be empty' : 'must not be empty (leave it out instead)');
  }

  const variables = variablesOf(input.type, input.channel);
  const render: CompiledTemplate['render'] = {};
  let text: PartRenderer | undefined;
  for (const spec of specs) {
    const source = input.parts[spec.name];
    if (typeof source !== 'string') continue;
    const problems = checkTemplate(source, variables, { messages: env.messageKeys });
    if (problems.length > 0) throw new TemplateError(spec.name, describe(problems));
    if (spec.mjml) {
      const html = await compileEmailBody(source, env.layout);
      render[spec.name] = handlebars(html, true);
      text = textTemplate(html);
    } else {
      render[spec.name] = handlebars(source, false);
    }
  }

  const data = { ...sampleData(input.type), subject: 'Subject', preheader: '', pixel: '', reason: 'away' };
  for (const [name, fn] of Object.entries(render) as [PartName, PartRenderer][]) {
    try {
      fn(data, env.sampleLocale);
    } catch (err) {
      throw new TemplateError(name, `fails with the sample data: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (text) {
    try {
      text(data, env.sampleLocale);
    } catch {
      // The HTML's text was cut where Handlebars cannot follow (a block opened in an attribute): this
      // template's text part is made from each message's HTML instead.
      text = undefined;
    }
  }
  return { ...input, render, ...(text ? { text } : {}) };
}

const TRAILING_BLOCK_OPEN = /^(.*?)(\{\{[#^][^}]*\}\})[ \t]*$/;

/**
 * html-to-text ends a line after a block element, so a `{{#if}}` opened just before one ends up at
 * the end of the line above ("…link{{#if body}}"). Each block opened at the end of a line gets a
 * line of its own, which Handlebars then drops with its newline (a "standalone" tag): the lines
 * inside the block appear or vanish whole, as the HTML's blocks do.
 */
function ownLinesForBlockTags(text: string): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const out: string[] = [];
      let rest = line;
      for (let m = TRAILING_BLOCK_OPEN.exec(rest); m && (m[1]!.trim() !== '' || out.length > 0); m = TRAILING_BLOCK_OPEN.exec(rest)) {
        out.unshift(m[2]!);
        rest = m[1]!;
      }
      return [rest, ...out].filter((l, i) => i > 0 || l.trim() !== '' || out.length === 0);
    })
    .join('\n');
}

/** The text part as a Handlebars template (plain text: no escaping); undefined when it does not parse. */
function textTemplate(html: string): PartRenderer | undefined {
  try {
    const source = ownLinesForBlockTags(emailText(html));
    hbs.parse(source);
    return handlebars(source, false);
  } catch {
    return undefined;
  }
}

/** A locale's email layout: MJML holding the content marker once, with only the layout's and the email's variables. */
export function checkLayout(layout: string, messageKeys: ReadonlySet<string>): Problem[] {
  if (layout.split(CONTENT_MARKER).length !== 2) return [{ message: `the layout must hold ${CONTENT_MARKER} exactly once` }];
  const variables = { ...variablesOf('digest', 'email'), ...variablesOf('like', 'email'), ...LAYOUT_VARS };
  return checkTemplate(layout.replace(CONTENT_MARKER, ''), variables, { messages: messageKeys });
}
