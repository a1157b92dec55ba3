import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../../src/templates/compile.js';
import { parsePartsFile } from '../../../src/templates/builtin.js';
import { fitSms, gsmFold, smsEncoding, smsSegments } from '../../../src/templates/sms.js';
import { makeTemplates } from './support.js';

const SECTION = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;

/** What `templates.put` refuses: the part it names and the words of the problem. */
async function refused(type: Parameters<Awaited<ReturnType<typeof makeTemplates>>['templates']['put']>[0], channel: Parameters<Awaited<ReturnType<typeof makeTemplates>>['templates']['put']>[1], parts: Record<string, string>) {
  const { templates, store } = await makeTemplates();
  const err = await templates.put(type, channel, 'en', parts, 'api:test').then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TemplateError);
  expect(await store.latest()).toEqual([]);
  return err as TemplateError;
}

describe('a template is checked before it is stored', () => {
  it.each([
    ['an unknown variable', 'like', 'in_app', { title: '{{peple}} liked it', body: '' }, 'title', /unknown variable "peple"; known here: createdAt, priority, appUrl, actor, actors, count, excerpt/],
    ['a variable of another type', 'follow', 'in_app', { title: '{{title}}', body: '' }, 'title', /unknown variable "title"/],
    ['a field a variable has not', 'like', 'in_app', { title: '{{actor.email}}', body: '' }, 'title', /unknown variable "actor.email" \(actor has only name, username\)/],
    ['the tracked link in-app (there is none)', 'like', 'in_app', { title: '{{link}}', body: '' }, 'title', /unknown variable "link"/],
    ['a greeting in-app (the item is written once for every recipient of a draft)', 'like', 'in_app', { title: '{{recipient.name}}', body: '' }, 'title', /unknown variable "recipient.name"/],
    ['the link in an SMS (it is appended)', 'like', 'sms', { body: 'See {{link}}' }, 'body', /unknown variable "link"/],
    ['an unknown helper', 'like', 'in_app', { title: '{{shout actor.name}}', body: '' }, 'title', /unknown helper "shout"/],
    ['lookup (a dynamic name cannot be checked)', 'like', 'in_app', { title: '{{lookup actor "name"}}', body: '' }, 'title', /unknown helper "lookup"/],
    ['raw output', 'like', 'email', { subject: 'x', body: SECTION('<mj-text>{{{excerpt}}}</mj-text>') }, 'body', /raw output \(\{\{\{…\}\}\} or \{\{& …\}\}\) is not allowed/],
    ['a partial', 'like', 'slack', { body: '{{> footer}}' }, 'body', /partials/],
    ['prototype access', 'alert', 'in_app', { title: '{{data.constructor.name}}', body: '' }, 'title', /names no data/],
    ['a syntax error, with its line', 'like', 'slack', { body: 'one\n{{#if excerpt}}two' }, 'body', /does not parse: Parse error on line 2/],
    ['a block over a value', 'like', 'slack', { body: '{{#excerpt}}x{{/excerpt}}' }, 'body', /"excerpt" is not a block helper/],
    ['each over a text', 'like', 'slack', { body: '{{#each excerpt}}x{{/each}}' }, 'body', /\{\{#each\}\} needs a list; "excerpt" is a string/],
    ['../ above the top', 'like', 'slack', { body: '{{../excerpt}}' }, 'body', /goes above the template's top level/],
    ['@index outside each', 'like', 'slack', { body: '{{@index}}' }, 'body', /@index exists only inside \{\{#each\}\}/],
    ['a plural without other', 'like', 'slack', { body: '{{plural count one="x"}}' }, 'body', /plural needs other=/],
    ['an unknown message', 'like', 'slack', { body: '{{t "nope"}}' }, 'body', /no message "nope" in messages.json/],
    ['a date style that does not exist', 'like', 'slack', { body: '{{date createdAt dateStyle="tiny"}}' }, 'body', /date dateStyle= is one of full, long, medium, short, none/],
    ['a part the channel has not', 'like', 'sms', { subject: 'Hi', body: 'x' }, 'subject', /sms templates have no subject \(they have body\)/],
    ['a missing part', 'like', 'email', { body: SECTION('<mj-text>x</mj-text>') }, 'subject', /is required for email templates/],
    ['an empty SMS', 'like', 'sms', { body: '  ' }, 'body', /must not be empty/],
    ['an MJML error, on the template’s own line', 'like', 'email', { subject: 'x', body: `<mj-section>\n<mj-column>\n<mj-txt>x</mj-txt>\n</mj-column>\n</mj-section>` }, 'body', /MJML: line 3: Element mj-txt doesn't exist or is not registered/],
    ['an illegal MJML attribute', 'like', 'email', { subject: 'x', body: SECTION('<mj-text colour="red">x</mj-text>') }, 'body', /MJML: line 1: Attribute colour is illegal/],
    ['a whole MJML document (the layout adds it)', 'like', 'email', { subject: 'x', body: '<mjml><mj-body></mj-body></mjml>' }, 'body', /give the sections only/],
    ['mj-include (it reads files)', 'like', 'email', { subject: 'x', body: '<mj-include path="/etc/passwd" />' }, 'body', /<mj-include> is not available/],
    ['Handlebars between MJML elements (MJML drops it)', 'like', 'email', { subject: 'x', body: SECTION('{{#if excerpt}}<mj-text>{{excerpt}}</mj-text>{{/if}}') }, 'body', /MJML drops text between its elements, and with it \{\{#if excerpt\}\}/],
  ] as const)('%s', async (_name, type, channel, parts, field, message) => {
    const err = await refused(type, channel, parts);
    expect(err.field).toBe(field);
    expect(err.problem).toMatch(message);
  });

  it('accepts what it should: helpers, scopes, @root, ../ and data paths of sent types', async () => {
    const { templates } = await makeTemplates();
    await templates.put('digest', 'slack', 'en', { body: '{{#each items}}{{@index}} {{title}} {{../period}} {{@root.total}} {{#if @last}}.{{/if}}{{/each}} {{plural total zero="none" one="# item" other="# items"}}' }, 'api:t');
    await templates.put('reminder', 'push', 'en', { title: '{{title}}', body: '{{date data.due.at timeStyle="none"}} {{data.anything.deep}}' }, 'api:t');
    await templates.put('like', 'in_app', 'en', { title: '{{#with actor}}{{name}}{{/with}} {{people actors count}} {{truncate excerpt 10}}', body: '' }, 'api:t');
    expect((await templates.list()).filter((t) => t.source === 'custom').map((t) => `${t.type}/${t.channel}/${t.locale}@${t.version}`)).toEqual(['like/in_app/en@1', 'reminder/push/en@1', 'digest/slack/en@1']);
  });
});

describe('template files', () => {
  it('parts start at --- name --- lines; a file without them is one body', () => {
    expect(parsePartsFile('--- title ---\n{{people}} posted\n\n--- body ---\n{{excerpt}}\n', 'x')).toEqual({ title: '{{people}} posted', body: '{{excerpt}}' });
    expect(parsePartsFile('Herald: {{people}}\r\n', 'x')).toEqual({ body: 'Herald: {{people}}' });
    expect(() => parsePartsFile('--- titel ---\nx', 'en/like.in_app.hbs')).toThrow('en/like.in_app.hbs: unknown part "--- titel ---"');
  });
});

describe('SMS segments', () => {
  it('counts GSM-7 and UCS-2 segments', () => {
    expect([smsEncoding('Hola ¿qué tal? ñ é'), smsEncoding('canción'), smsEncoding('hi 🌻')]).toEqual(['gsm7', 'ucs2', 'ucs2']);
    expect([smsSegments('a'.repeat(160)), smsSegments('a'.repeat(161)), smsSegments('a'.repeat(306)), smsSegments('a'.repeat(307))]).toEqual([1, 2, 2, 3]);
    expect([smsSegments('ó'.repeat(70)), smsSegments('ó'.repeat(71)), smsSegments('ó'.repeat(134)), smsSegments('€'.repeat(153))]).toEqual([1, 2, 2, 2]);
  });

  it('keeps accents when they fit, folds what GSM-7 lacks when they do not, and cuts last, never the link', () => {
    const link = 'https://herald.test/t/c/c1018f6b1a2c4d5e8f90a1b2c3d4e5f6a.abcdefghijklmnopqrstuvwx';
    expect(fitSms('Ana publicó', link)).toBe(`Ana publicó ${link}`);
    expect(gsmFold('«Canción» — sí, ¿qué? ñ… ü')).toBe('"Cancion" - si, ¿qué? ñ... ü');
    const long = `Ana publicó: ${'más texto '.repeat(30)}`;
    const fitted = fitSms(long, link);
    expect(smsSegments(fitted)).toBe(2);
    expect(smsEncoding(fitted)).toBe('gsm7');
    expect(fitted).toMatch(/^Ana publico: mas texto .*\.\.\. https:\/\/herald\.test\/t\/c\/c1018f6b1a2c4d5e8f90a1b2c3d4e5f6a\.abcdefghijklmnopqrstuvwx$/);
    const emoji = fitSms(`🌻 ${'flor '.repeat(80)}`, link);
    expect(smsSegments(emoji)).toBe(2);
    expect(emoji.endsWith(`… ${link}`)).toBe(true);
  });
});
