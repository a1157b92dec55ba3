// Checks scripts/test.mjs makes around the vitest run: before it, that PostgreSQL, Redis and
// RabbitMQ accept connections where the tests will look for them (a missing server then fails in a
// second with the command that provides it, not test by test after minutes of timeouts); after it,
// that the tests left nothing of theirs in the temporary directory.
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';

/** The command that installs, starts and sets up the three servers (README.md, "Quick start"). */
export const SERVICES_COMMAND = 'bash scripts/services.sh';

/**
 * The servers the tests connect to, as the tests find them: each environment variable a test reads
 * (else the test's default). Two variables naming the same address are one target.
 */
const SERVERS = [
  { name: 'PostgreSQL', vars: ['TEST_DATABASE_URL'], fallback: 'postgresql://postgres@127.0.0.1:5432/test', defaultPort: 5432 },
  { name: 'Redis', vars: ['TEST_REDIS_URL', 'REDIS_URL'], fallback: 'redis://127.0.0.1:6379', defaultPort: 6379 },
  { name: 'RabbitMQ', vars: ['TEST_AMQP_URL', 'AMQP_URL'], fallback: 'amqp://guest:guest@127.0.0.1:5672', defaultPort: 5672 },
];

/** [{ name, host, port, source }]: every address the tests will connect to; source names the variable, or "default". */
export function serviceTargets(env = process.env) {
  const targets = [];
  for (const server of SERVERS) {
    for (const name of server.vars) {
      const url = env[name] || server.fallback;
      let host;
      let port;
      try {
        const parsed = new URL(url);
        host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
        port = Number(parsed.port || (parsed.protocol === 'amqps:' ? 5671 : server.defaultPort));
      } catch {
        targets.push({ name: server.name, host: url, port: NaN, source: name, invalid: true });
        continue;
      }
      const source = env[name] ? name : 'default';
      const same = targets.find((t) => t.name === server.name && t.host === host && t.port === port);
      if (same) {
        if (source !== 'default' && same.source === 'default') same.source = source;
        else if (source !== 'default' && !same.source.split(', ').includes(source)) same.source += `, ${source}`;
        continue;
      }
      targets.push({ name: server.name, host, port, source });
    }
  }
  return targets;
}

/** Resolves with undefined once a TCP connection to host:port opens, else with why not ("ECONNREFUSED", "no answer in 2000 ms"...). */
export function probe(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no answer in ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err) => done(err.code ?? err.message));
  });
}

/** One line per server the tests cannot reach; empty when every one answers. */
export async function unreachableServices(env = process.env, timeoutMs = 2000) {
  const targets = serviceTargets(env);
  const results = await Promise.all(targets.map((t) => (t.invalid ? Promise.resolve('not a valid URL') : probe(t.host, t.port, timeoutMs))));
  return targets.flatMap((t, i) => {
    if (!results[i]) return [];
    const where = t.invalid ? `${t.source}=${t.host}` : `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
    const from = t.source === 'default' ? '' : ` (from ${t.source})`;
    const why = results[i] === 'ECONNREFUSED' ? 'connection refused' : results[i];
    return [`${t.name} at ${where}${from}: ${why}`];
  });
}

/** What test.mjs prints before exiting when servers are unreachable. */
export function unreachableReport(problems) {
  return [
    `npm test: ${problems.length === 1 ? 'a server the tests need does' : 'servers the tests need do'} not answer:`,
    ...problems.map((p) => `  ${p}`),
    `Install (if missing), start and set them up with:  ${SERVICES_COMMAND}`,
    '(or point TEST_DATABASE_URL, TEST_REDIS_URL / REDIS_URL, TEST_AMQP_URL / AMQP_URL at running servers)',
  ].join('\n');
}

// --- temporary directories ------------------------------------------------------------------------

/**
 * Names in the temporary directory that Herald's tests create: every test's own directories
 * (herald-*), and what the browser tests' Chromium and Playwright make and remove when closed.
 */
const OURS = [/^herald-/, /^playwright-artifacts-/, /^playwright_chromiumdev_profile-/, /^\.org\.chromium\.Chromium\./];

/** The Herald-test entries now in `dir` (default: the system's temporary directory). */
export function heraldTempEntries(dir = tmpdir()) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => OURS.some((re) => re.test(name))).sort();
}

/** Entries of `after` that were not in `before`, minus `ignore` (the runner's own). */
export function leftBehind(before, after, ignore = []) {
  const had = new Set([...before, ...ignore]);
  return after.filter((name) => !had.has(name));
}
