/**
 * Herald's module boundaries, checked by dependency-cruiser (`npm run check:boundaries`; the rules
 * are described in docs/architecture.md, "Boundaries"). test/deploy/boundaries.test.ts runs these
 * rules on a fixture that breaks each of them, so a rule that can no longer fail is noticed.
 *
 * Paths are relative to the repository root, and workspace packages resolve as node resolves them
 * in development: `@herald/<name>` through node_modules/@herald (a symlink to the workspace) and
 * the package's `exports`, `development` condition first, so `@herald/platform` is
 * packages/platform/src/index.ts.
 */

/** Deployable units: none imports another. */
const SERVICES = ['user-service', 'post-service', 'notification-service', 'gateway', 'web-demo'];
/** Services with a hexagonal layout (src/domain, src/app, src/adapters, src/http). */
const LAYERED = ['user-service', 'post-service', 'notification-service'];
/**
 * Modules of packages/platform that do no I/O and pull in no I/O library, and that domain code may
 * therefore use. Each is a subpath export of @herald/platform (`@herald/platform/domain-error`);
 * the root entry, `@herald/platform`, re-exports everything, HTTP, database and broker included.
 * (errors.ts, ids.ts, config.ts, input-hygiene.ts, bus/topic.ts and bus/backoff.ts are pure too,
 * but no domain needs them; export one as a subpath before listing it here.)
 */
const PURE_PLATFORM = ['domain-error', 'uuid', 'cursor'];
/** Libraries that talk to the network, disks or processes, or exist to serve HTTP. */
const IO_LIBRARIES = [
  'fastify', '@fastify/[^/]+', 'fastify-plugin', 'pg', '@prisma/client', '@prisma/adapter-pg', 'prisma', '@electric-sql/[^/]+',
  'ioredis', 'amqplib', 'nodemailer', 'smtp-server', 'mailparser', 'ws', 'socket.io', 'socket.io-client', 'jsonwebtoken',
  'cockatiel', 'standardwebhooks', 'prom-client', 'pino', 'pino-pretty', 'undici', 'autocannon', 'playwright-core',
];
/** Node built-ins that do I/O (node:crypto, node:util and the like stay allowed). */
const IO_BUILTINS = [
  'fs', 'fs/promises', 'net', 'tls', 'dgram', 'dns', 'dns/promises', 'http', 'https', 'http2', 'child_process',
  'cluster', 'worker_threads', 'readline', 'readline/promises', 'inspector', 'repl', 'process', 'os', 'v8', 'vm',
];

const fs = require('node:fs');
const path = require('node:path');

const any = (names) => `(${names.join('|')})`;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The files a service's package.json `exports` lead to under the `development` condition (its
 * public entries, such as user-service/src/index.ts), as anchored patterns.
 */
function publicEntries(service) {
  const { exports: entries } = JSON.parse(fs.readFileSync(path.join(__dirname, service, 'package.json'), 'utf8'));
  const target = (entry) => (typeof entry === 'string' ? entry : (entry?.development ?? entry?.default));
  const files = typeof entries === 'string' || entries?.development ? [target(entries)] : Object.values(entries ?? {}).map(target);
  return files.filter((file) => typeof file === 'string').map((file) => `^${escape(path.posix.join(service, file))}$`);
}
const PUBLIC_ENTRIES = SERVICES.flatMap(publicEntries);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        "A service's src/domain holds its rules and ports: it imports nothing of its own service outside " +
        'src/domain (no use cases, adapters, HTTP, live, channels, config) and nothing that does I/O. ' +
        'Errors are DomainError subclasses (@herald/platform/domain-error); the HTTP layer maps their codes to statuses.',
      from: { path: `^${any(LAYERED)}/src/domain/` },
      to: { path: '^$1/src/', pathNot: '^$1/src/domain/' },
    },
    {
      name: 'domain-no-io-libraries',
      severity: 'error',
      comment: `A service's src/domain imports no I/O or HTTP library (${IO_LIBRARIES.join(', ')}) and no I/O built-in.`,
      from: { path: `^${any(LAYERED)}/src/domain/` },
      to: {
        path: [`(^|/)node_modules/(@types/)?${any(IO_LIBRARIES)}/`, `^(node:)?${any(IO_BUILTINS)}$`],
      },
    },
    {
      name: 'domain-only-pure-platform',
      severity: 'error',
      comment:
        'From packages/platform a domain may import only the pure subpaths (' +
        PURE_PLATFORM.map((m) => `@herald/platform/${m}`).join(', ') +
        "), never the root entry '@herald/platform', which brings in fastify, pg, amqplib and ioredis.",
      from: { path: `^${any(LAYERED)}/src/domain/` },
      to: { path: '^packages/platform/', pathNot: `^packages/platform/src/${any(PURE_PLATFORM)}[.]ts$` },
    },
    {
      name: 'no-service-to-service',
      severity: 'error',
      comment:
        'Services talk over HTTP and the event bus, never by importing each other (code, tests included). ' +
        'What two of them share belongs in packages/contracts or packages/platform.',
      from: { path: `^${any(SERVICES)}/` },
      to: { path: `^${any(SERVICES)}/`, pathNot: '^$1/' },
    },
    {
      name: 'packages-not-to-services',
      severity: 'error',
      comment: 'The packages (packages/contracts, packages/platform, …) are shared by the services and import none of them.',
      from: { path: '^packages/' },
      to: { path: `^${any(SERVICES)}/` },
    },
    {
      name: 'outside-only-public-entries',
      severity: 'error',
      comment:
        "bench/, test/, embedded/ and scripts/ use a service only through its package's exports " +
        "('@herald/user-service', or a subpath such as '@herald/notification-service/bench'), never its " +
        'internals: the entry says what the service offers; everything else may change freely.',
      from: { path: '^(bench|test|embedded|scripts)/' },
      to: { path: `^${any(SERVICES)}/`, pathNot: PUBLIC_ENTRIES },
    },
    {
      name: 'outside-by-package-name',
      severity: 'error',
      comment:
        "bench/, test/, embedded/ and scripts/ import a service or package by its name ('@herald/post-service'), " +
        'not by a relative path into its folder, so only what its package.json exports is reachable.',
      from: { path: '^(bench|test|embedded|scripts)/' },
      to: { path: `^(${SERVICES.join('|')}|packages)/`, dependencyTypes: ['local'], dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules that import each other at run time, directly or through others (an ES module cycle can see ' +
        'a binding before it is initialised): break the cycle by moving the shared part down.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-types',
      severity: 'warn',
      comment:
        'A cycle that exists only through type imports: harmless at run time, but the modules cannot be ' +
        'understood one without the other. Move the shared types into the module both depend on.',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'no-dev-deps-in-production',
      severity: 'error',
      comment:
        "Production code (src/ of services and packages, embedded/) imports nothing from devDependencies: they are not " +
        'installed in the image. Type-only imports are fine (erased by the compiler).',
      from: { path: `^(${any(SERVICES)}/src|packages/[^/]+/src|embedded)/` },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans-in-src',
      severity: 'error',
      comment: 'A module under src/ that imports nothing and that nothing imports: dead code, or a missing import.',
      from: { orphan: true, path: `^(${any(SERVICES)}|packages/[^/]+)/src/`, pathNot: '[.]d[.]ts$' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Our build output (not a package's dist/ in node_modules); generated code (Prisma clients, in
    // any folder named generated); the fixture of test/deploy/boundaries.test.ts, which breaks every
    // rule on purpose.
    exclude: { path: ['^(packages/[^/]+|[^/]+)/dist/', '(^|/)generated/', '^test/chaos/results/', '^test/deploy/fixtures/'] },
    moduleSystems: ['es6', 'cjs'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['development', 'import', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
