import type { hbs as HbsEnv } from './helpers.js';
import { BLOCK_HELPERS, DATE_STYLES, hbs, INLINE_HELPERS, PLURAL_KEYS } from './helpers.js';
import type { VarSchema } from './variables.js';

/**
 * Checks a template's source before it is stored or used: it parses, uses only the helpers
 * Herald registers (with the arguments they take), only the variables its type offers (per
 * scope: inside `{{#each actors}}` the fields of one actor, `../` back out), no partials or
 * decorators, and no raw output (`{{{…}}}`, `{{& …}}`): every value is escaped for its channel.
 */

type AST = ReturnType<typeof HbsEnv.parse>;
type Node = { type: string; loc?: { start: { line: number; column: number } } } & Record<string, any>;

export interface Problem {
  message: string;
  line?: number;
}

type ObjectSchema = Extract<VarSchema, { kind: 'object' }>;
type Scope = ObjectSchema | { kind: 'any'; doc: string };

export interface CheckOptions {
  /** Keys of messages.json that `{{t "…"}}` may name. */
  messages: ReadonlySet<string>;
}

const BLOCKS = new Set<string>(BLOCK_HELPERS);
const INLINE = new Set<string>(INLINE_HELPERS);

export function checkTemplate(source: string, variables: Record<string, VarSchema>, opts: CheckOptions): Problem[] {
  let ast: AST;
  try {
    ast = hbs.parse(source);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    const line = /line (\d+)/.exec(message)?.[1];
    return [{ message: `does not parse: ${message}`, ...(line ? { line: Number(line) } : {}) }];
  }
  const problems: Problem[] = [];
  const root: Scope = { kind: 'object', doc: 'the template', fields: variables };
  new Checker(problems, opts).program(ast as unknown as Node, [root], 0);
  return problems;
}

class Checker {
  constructor(
    private readonly problems: Problem[],
    private readonly opts: CheckOptions,
  ) {}

  private report(node: Node, message: string): void {
    const line = node.loc?.start.line;
    this.problems.push({ message, ...(line ? { line } : {}) });
  }

  program(node: Node | undefined, stack: Scope[], eachDepth: number): void {
    for (const statement of (node?.body ?? []) as Node[]) this.statement(statement, stack, eachDepth);
  }

  private statement(node: Node, stack: Scope[], eachDepth: number): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(node, stack, eachDepth);
      case 'BlockStatement':
        return this.block(node, stack, eachDepth);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.report(node, 'partials ({{> …}}) are not available in templates');
      default:
        return this.report(node, 'decorators are not available in templates');
    }
  }

  private mustache(node: Node, stack: Scope[], eachDepth: number): void {
    if (!node.escaped) this.report(node, 'raw output ({{{…}}} or {{& …}}) is not allowed: every value is escaped for its channel');
    const path = node.path as Node;
    const name = helperName(path);
    const called = (node.params as Node[]).length > 0 || (node.hash?.pairs?.length ?? 0) > 0;
    if (name && BLOCKS.has(name)) return this.report(node, `{{${name}}} is a block helper: write {{#${name} …}}…{{/${name}}}`);
    if (name && INLINE.has(name)) return this.helperCall(node, name, stack, eachDepth);
    if (called) return this.report(node, `unknown helper "${path.original}"; helpers: ${INLINE_HELPERS.join(', ')} and the blocks ${BLOCK_HELPERS.join(', ')}`);
    this.expression(path, stack, eachDepth);
  }

  private block(node: Node, stack: Scope[], eachDepth: number): void {
    const name = helperName(node.path as Node);
    if (!name || !BLOCKS.has(name)) {
      return this.report(node, `"${(node.path as Node).original}" is not a block helper; block helpers: ${BLOCK_HELPERS.join(', ')} (a list is walked with {{#each list}})`);
    }
    const params = node.params as Node[];
    if (params.length !== 1 || (node.hash?.pairs?.length ?? 0) > 0) return this.report(node, `{{#${name}}} takes exactly one value`);
    if ((node.program?.blockParams?.length ?? 0) > 0) return this.report(node, `block parameters (as |x|) are not supported: inside {{#${name}}} the fields are in scope`);
    const target = this.expression(params[0]!, stack, eachDepth);
    if (name === 'each' || name === 'with') {
      let inner: Scope | undefined;
      if (target?.kind === 'any') inner = target;
      else if (name === 'each' && target?.kind === 'list') inner = target.item;
      else if (name === 'with' && target?.kind === 'object') inner = target;
      else if (target) this.report(node, `{{#${name}}} needs ${name === 'each' ? 'a list' : 'an object'}; "${(params[0] as Node).original}" is ${target.kind === 'list' ? 'a list' : `a ${target.kind}`}`);
      this.program(node.program, inner ? [...stack, inner] : stack, name === 'each' ? eachDepth + 1 : eachDepth);
    } else {
      this.program(node.program, stack, eachDepth);
    }
    this.program(node.inverse, stack, eachDepth);
  }

  /** An argument or a value: a variable, a literal, or a (helper …) subexpression. Returns its schema when known. */
  private expression(node: Node, stack: Scope[], eachDepth: number): VarSchema | undefined {
    switch (node.type) {
      case 'PathExpression':
        return this.variable(node, stack, eachDepth);
      case 'SubExpression': {
        const name = helperName(node.path as Node);
        if (!name || !INLINE.has(name)) {
          this.report(node, `unknown helper "${(node.path as Node).original}" in (…); helpers: ${INLINE_HELPERS.join(', ')}`);
          return undefined;
        }
        this.helperCall(node, name, stack, eachDepth);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private variable(node: Node, stack: Scope[], eachDepth: number): VarSchema | undefined {
    const parts = node.parts as string[];
    if (node.data) {
      const [head, ...rest] = parts;
      if (head === 'root') return this.walk(node, stack[0]!, rest);
      if (['index', 'first', 'last', 'key'].includes(head ?? '') && rest.length === 0) {
        if (eachDepth === 0) this.report(node, `@${head} exists only inside {{#each}}`);
        return { kind: 'any', doc: '' };
      }
      this.report(node, `unknown data variable "${node.original}" (known: @index, @first, @last, @key inside {{#each}}, @root)`);
      return undefined;
    }
    const at = stack.length - 1 - (node.depth as number);
    if (at < 0) {
      this.report(node, `"${node.original}" goes above the template's top level`);
      return undefined;
    }
    return this.walk(node, stack[at]!, parts);
  }

  private walk(node: Node, scope: VarSchema, parts: string[]): VarSchema | undefined {
    let current: VarSchema = scope;
    for (const [i, part] of parts.entries()) {
      if (part.startsWith('__') || part === 'constructor' || part === 'prototype') {
        this.report(node, `"${node.original}" names no data (only the fields of the values given)`);
        return undefined;
      }
      if (current.kind === 'any') return current;
      if (current.kind === 'list' && /^\d+$/.test(part)) {
        current = current.item;
        continue;
      }
      if (current.kind !== 'object' || !Object.hasOwn(current.fields, part)) {
        const known = current.kind === 'object' ? Object.keys(current.fields) : [];
        const where = i === 0 ? '' : ` (${parts.slice(0, i).join('.')} has ${known.length > 0 ? `only ${known.join(', ')}` : 'no fields'})`;
        this.report(node, `unknown variable "${node.original}"${where}${i === 0 ? `; known here: ${known.join(', ')}` : ''}`);
        return undefined;
      }
      current = current.fields[part]!;
    }
    return current;
  }

  private helperCall(node: Node, name: string, stack: Scope[], eachDepth: number): void {
    const params = node.params as Node[];
    const pairs = (node.hash?.pairs ?? []) as { key: string; value: Node }[];
    const arity = (min: number, max = min) => {
      if (params.length < min || params.length > max) this.report(node, `${name} takes ${min === max ? min : `${min} or ${max}`} argument${max === 1 ? '' : 's'}`);
    };
    const hashKeys = (allowed: readonly string[]) => {
      for (const p of pairs) if (!allowed.includes(p.key)) this.report(node, `${name} has no option "${p.key}"${allowed.length ? ` (options: ${allowed.join(', ')})` : ''}`);
    };
    switch (name) {
      case 'people':
        if (params.length !== 0 && params.length !== 2) this.report(node, 'people takes no argument (the template\'s actors and count) or two (a list of people and a count)');
        hashKeys([]);
        break;
      case 't': {
        const key = params[0];
        if (params.length !== 1 || key?.type !== 'StringLiteral') this.report(node, 't takes one quoted message name, e.g. {{t "open"}}');
        else if (!this.opts.messages.has(key.value as string)) this.report(node, `no message "${key.value}" in messages.json`);
        break;
      }
      case 'plural':
        arity(1);
        hashKeys(PLURAL_KEYS);
        if (!pairs.some((p) => p.key === 'other')) this.report(node, 'plural needs other="…" (and one="…", few="…" … as the language has them)');
        for (const p of pairs) if (p.value.type !== 'StringLiteral') this.report(node, `plural ${p.key}= must be quoted text`);
        break;
      case 'number':
        arity(1);
        hashKeys([]);
        break;
      case 'date':
        arity(1);
        hashKeys(['dateStyle', 'timeStyle']);
        for (const p of pairs) {
          if (p.value.type !== 'StringLiteral' || !(DATE_STYLES as readonly string[]).includes(p.value.value)) this.report(node, `date ${p.key}= is one of ${DATE_STYLES.join(', ')}`);
        }
        break;
      case 'truncate':
        arity(2);
        hashKeys([]);
        if (params[1] && params[1].type !== 'NumberLiteral') this.report(node, 'truncate takes a text and a number, e.g. {{truncate excerpt 80}}');
        break;
      case 'eq':
        arity(2);
        hashKeys([]);
        break;
    }
    for (const p of params) this.expression(p, stack, eachDepth);
    if (name !== 'plural' && name !== 'date') for (const p of pairs) this.expression(p.value, stack, eachDepth);
  }
}

/** The name a mustache or block calls, when it is a plain identifier (not data, not a path). */
function helperName(path: Node): string | undefined {
  if (path.type !== 'PathExpression' || path.data || path.depth !== 0) return undefined;
  const parts = path.parts as string[];
  return parts.length === 1 && path.original === parts[0] ? parts[0] : undefined;
}
