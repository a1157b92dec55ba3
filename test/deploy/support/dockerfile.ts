/**
 * Just enough of the Dockerfile and .dockerignore grammar to check and replay Herald's own
 * Dockerfile without a Docker engine: line continuations, comments, stages, and the handful of
 * instructions it uses. Anything else is reported rather than guessed at.
 */
export interface Instruction {
  op: string;
  /** Text after the instruction name, with `--flag=value` options removed. */
  args: string;
  flags: Record<string, string>;
  line: number;
}

export interface Stage {
  name: string;
  /** An image reference (after ARG substitution) or the name of an earlier stage. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

const KNOWN = new Set(['ARG', 'FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'HEALTHCHECK', 'EXPOSE', 'CMD', 'LABEL']);

export function parseDockerfile(text: string): Dockerfile {
  const logical: { text: string; line: number }[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (buffer === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (buffer !== '' && trimmed.startsWith('#')) return;
    if (buffer === '') start = index + 1;
    if (trimmed.endsWith('\\')) {
      buffer += `${trimmed.slice(0, -1)} `;
      return;
    }
    logical.push({ text: buffer + trimmed, line: start });
    buffer = '';
  });

  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: entry, line } of logical) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(entry) ?? [];
    const upper = op.toUpperCase();
    if (!KNOWN.has(upper)) throw new Error(`Dockerfile line ${line}: unsupported instruction ${op}`);
    const flags: Record<string, string> = {};
    let body = rest;
    while (upper !== 'HEALTHCHECK' || !/^CMD\b/.test(body)) {
      const flag = /^--([a-z-]+)=(\S+)\s*/.exec(body);
      if (!flag) break;
      flags[flag[1]!] = flag[2]!;
      body = body.slice(flag[0].length);
    }
    const instruction = { op: upper, args: body, flags, line };
    if (upper === 'FROM') {
      const [image = '', as, name] = body.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}/g, (_, key: string) => args[key] ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), from, instructions: [] });
    } else if (stages.length === 0) {
      if (upper !== 'ARG') throw new Error(`Dockerfile line ${line}: ${op} before the first FROM`);
      const [key = '', value = ''] = body.split('=');
      args[key] = value;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** `KEY=value KEY2=value2` (the only ENV form the Dockerfile uses). */
export function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]));
}

/** COPY's sources and destination; sources are relative to the context (or to `--from`'s root). */
export function copyOperands(instruction: Instruction): { sources: string[]; dest: string } {
  const parts = instruction.args.split(/\s+/).filter(Boolean);
  if (parts.length < 2) throw new Error(`Dockerfile line ${instruction.line}: COPY needs a source and a destination`);
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** Docker's matcher: patterns are rooted at the context, `**` spans folders, the last match wins. */
export function dockerignore(text: string): (relativePath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((segment) => (segment === '**' ? '(?:.*)' : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (relativePath) => {
    const segments = relativePath.split('/').filter(Boolean);
    let excluded = false;
    // A folder that is excluded takes everything inside it along, so test every ancestor too.
    for (let i = 1; i <= segments.length; i += 1) {
      const candidate = segments.slice(0, i).join('/');
      for (const rule of rules) if (rule.regex.test(candidate)) excluded = !rule.negate;
      if (excluded && i < segments.length) return true;
    }
    return excluded;
  };
}
