/** Command-line flags of bench/fanout.ts. Every count and duration is bounded, so a run always ends. */
export interface BenchArgs {
  /** Followers of the author = WebSocket clients (one per follower). */
  clients: number;
  /** Steady 1:1 events per second published on the exchange, and for how long. */
  rate: number;
  seconds: number;
  /** Steady 1:1 comments per second through post-service HTTP (0 skips that phase), and for how long. */
  httpRate: number;
  httpSeconds: number;
  /** Single-post bursts to run (the table shows the median by time to the last frame). */
  bursts: number;
  /** Posts fired back to back for the sustained-throughput measurement (each to every follower). */
  posts: number;
  /** notification-service CHUNK_SIZE (followers per work message). */
  chunkSize: number;
  /** Source addresses 127.0.0.2 .. 127.0.0.(1+addresses) the clients are spread over. */
  addresses: number;
  /** Clients connect through the gateway's /ws tunnel instead of straight to notification-service. */
  viaGateway: boolean;
  /** Run the socket.io and bare ws baselines. */
  baselines: boolean;
  /**
   * Herald's clients as a bare `ws` that parses only notification frames (as before the SDK), instead
   * of @herald/client: for comparing with runs made that way.
   */
  leanClients: boolean;
  /** Write V8 CPU profiles of notification-service (burst, sustained, steady) into this folder. */
  profile?: string;
  /** Where to write the latency CDF picture (SVG; relative to the current folder); undefined: none (--no-svg). */
  svg?: string;
  /** The whole run is abandoned (and cleaned up) after this many seconds. */
  maxSeconds: number;
}

const DEFAULTS: BenchArgs = {
  clients: 10_000,
  rate: 1_000,
  seconds: 10,
  httpRate: 200,
  httpSeconds: 5,
  bursts: 3,
  posts: 5,
  chunkSize: 1_000,
  addresses: 4,
  viaGateway: false,
  baselines: true,
  leanClients: false,
  svg: 'docs/bench-latency.svg',
  maxSeconds: 900,
};

// One client socket per follower lives in one worker process: stay under the open-files limit.
const LIMITS: Partial<Record<keyof BenchArgs, [number, number]>> = {
  clients: [1, 19_000],
  rate: [1, 20_000],
  seconds: [1, 120],
  httpRate: [0, 5_000],
  httpSeconds: [1, 120],
  bursts: [1, 20],
  posts: [1, 50],
  chunkSize: [1, 10_000],
  addresses: [1, 250],
  maxSeconds: [30, 3_600],
};

const NAMES: Record<string, keyof BenchArgs> = {
  '--clients': 'clients',
  '--rate': 'rate',
  '--seconds': 'seconds',
  '--http-rate': 'httpRate',
  '--http-seconds': 'httpSeconds',
  '--bursts': 'bursts',
  '--posts': 'posts',
  '--chunk-size': 'chunkSize',
  '--addresses': 'addresses',
  '--max-seconds': 'maxSeconds',
};

export const USAGE = `usage: npm run bench -- [--clients N] [--rate EVENTS_PER_S] [--seconds S] [--http-rate N] [--http-seconds S]
                       [--bursts R] [--posts P] [--chunk-size N] [--addresses K] [--via-gateway] [--no-baselines] [--lean-clients] [--profile DIR]
                       [--svg PATH | --no-svg] [--max-seconds S]`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--via-gateway') out.viaGateway = true;
    else if (flag === '--no-baselines') out.baselines = false;
    else if (flag === '--lean-clients') out.leanClients = true;
    else if (flag === '--no-svg') out.svg = undefined;
    else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else if (flag === '--profile' || flag.startsWith('--profile=')) {
      const dir = flag.includes('=') ? flag.slice('--profile='.length) : argv[++i];
      if (!dir) throw new Error(`--profile needs a folder\n${USAGE}`);
      out.profile = dir;
    }
    else if (flag === '--svg' || flag.startsWith('--svg=')) {
      const file = flag.includes('=') ? flag.slice('--svg='.length) : argv[++i];
      if (!file) throw new Error(`--svg needs a file\n${USAGE}`);
      out.svg = file;
    }
    else {
      const [name, inline] = flag.split('=', 2) as [string, string | undefined];
      const key = NAMES[name];
      if (!key) throw new Error(`unknown flag ${flag}\n${USAGE}`);
      const raw = inline ?? argv[++i];
      const value = Number(raw);
      const [min, max] = LIMITS[key]!;
      if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${raw}`);
      (out as unknown as Record<string, number>)[key] = value;
    }
  }
  return out;
}
