/**
 * Replays the root Dockerfile without a Docker engine, so the image recipe is exercised on machines
 * that have none (like CI here): each stage becomes a folder standing in for its filesystem, COPY
 * honours .dockerignore and --from, RUN runs in the stage's WORKDIR with its ENV. The base image is
 * the host's own Node (check it is 20, as node:20-bookworm-slim is). Then it prints how to start a
 * target the way the image's CMD would, or starts it with --run until SIGINT.
 *
 *   npx tsx test/deploy/emulate-docker-build.ts --out /tmp/herald-image --target user-service [--run]
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { copyOperands, dockerignore, parseDockerfile, parseEnv, type Stage } from './support/dockerfile.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: '/tmp/herald-image' }, target: { type: 'string', multiple: true }, run: { type: 'boolean', default: false } } });
const context = path.resolve(import.meta.dirname, '../..');
const dockerfile = parseDockerfile(readFileSync(path.join(context, 'Dockerfile'), 'utf8'));
const ignored = dockerignore(existsSync(path.join(context, '.dockerignore')) ? readFileSync(path.join(context, '.dockerignore'), 'utf8') : '');
const out = path.resolve(values.out!);
const targets = values.target ?? dockerfile.stages.map((s) => s.name);

interface Built {
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd?: string[];
  user?: string;
}
const built = new Map<string, Built>();
const byName = new Map(dockerfile.stages.map((s) => [s.name, s]));

/** Copies a context path into the stage, leaving out what .dockerignore excludes. */
function copyFromContext(relative: string, destination: string): void {
  const source = path.join(context, relative);
  if (!existsSync(source)) throw new Error(`COPY ${relative}: not in the build context`);
  if (statSync(source).isDirectory()) {
    mkdirSync(destination, { recursive: true });
    for (const entry of readdirSync(source)) {
      const child = path.posix.join(relative.replace(/\/+$/, ''), entry);
      if (!ignored(child)) copyFromContext(child, path.join(destination, entry));
    }
  } else if (ignored(relative)) {
    throw new Error(`COPY ${relative}: excluded by .dockerignore`);
  } else {
    mkdirSync(path.dirname(destination), { recursive: true });
    cpSync(source, destination);
  }
}

function build(stage: Stage): Built {
  const done = built.get(stage.name);
  if (done) return done;
  const root = path.join(out, stage.name);
  rmSync(root, { recursive: true, force: true });
  const parent = byName.get(stage.from);
  const state: Built = parent ? { ...structuredClone(build(parent)), root } : { root, workdir: '/', env: {} };
  if (parent) cpSync(path.join(out, parent.name), root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(root, { recursive: true });
  const inRoot = (p: string) => path.join(root, path.posix.resolve(state.workdir, p));
  for (const instruction of stage.instructions) {
    switch (instruction.op) {
      case 'WORKDIR':
        state.workdir = path.posix.resolve(state.workdir, instruction.args);
        mkdirSync(inRoot('.'), { recursive: true });
        break;
      case 'ENV':
        Object.assign(state.env, parseEnv(instruction.args));
        break;
      case 'USER':
        state.user = instruction.args;
        break;
      case 'CMD':
        state.cmd = JSON.parse(instruction.args) as string[];
        break;
      case 'COPY': {
        // A folder's contents land in the destination; a file lands in it when it ends with "/".
        const { sources, dest } = copyOperands(instruction);
        const from = instruction.flags.from;
        const origin = from ? build(byName.get(from) ?? fail(`COPY --from=${from}: no such stage`)) : undefined;
        for (const source of sources) {
          const absolute = origin ? path.join(origin.root, source) : path.join(context, source);
          if (!existsSync(absolute)) throw new Error(`line ${instruction.line}: ${source} does not exist in ${from ? `stage ${from}` : 'the context'}`);
          const into = statSync(absolute).isDirectory() || !dest.endsWith('/') ? inRoot(dest) : path.join(inRoot(dest), path.basename(source));
          if (origin) cpSync(absolute, into, { recursive: true, verbatimSymlinks: true });
          else copyFromContext(source.replace(/\/+$/, ''), into);
        }
        break;
      }
      case 'RUN': {
        console.log(`[${stage.name}] RUN ${instruction.args}`);
        const result = spawnSync('sh', ['-c', instruction.args], { cwd: inRoot('.'), stdio: 'inherit', env: { ...process.env, ...state.env } });
        if (result.status !== 0) throw new Error(`[${stage.name}] RUN ${instruction.args} exited with ${result.status}`);
        break;
      }
      default:
        break; // HEALTHCHECK, EXPOSE, LABEL, ARG: image metadata, nothing to do on disk.
    }
  }
  built.set(stage.name, state);
  return state;
}

function fail(message: string): never {
  throw new Error(message);
}

for (const target of targets) {
  const stage = byName.get(target) ?? fail(`no stage named ${target}`);
  const result = build(stage);
  const cwd = path.join(result.root, result.workdir);
  const env = Object.entries(result.env).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`[${target}] built in ${result.root}; user ${result.user ?? 'root'}; start with:\n  cd ${cwd} && env ${env} ${result.cmd?.join(' ')}`);
  if (values.run && result.cmd) {
    const child = spawn(result.cmd[0]!, result.cmd.slice(1), { cwd, stdio: 'inherit', env: { ...process.env, ...result.env } });
    process.on('SIGINT', () => child.kill('SIGTERM'));
    child.on('exit', (code) => process.exit(code ?? 0));
  }
}
