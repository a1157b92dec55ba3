import type { LocalSessions } from './local-sessions.js';
import type { LiveMetrics } from './metrics.js';
import type { Session } from './session.js';

/**
 * Slices of one heartbeat period. Each tick pings one slice of the sockets, so 10,000 sockets cost
 * about 330 pings a second rather than 10,000 socket writes in one tick every period (a bump in the
 * latency of every live frame behind it), as the presence refresh is spread too.
 */
export const HEARTBEAT_SLICES = 30;

/**
 * The server's pings. A socket belongs to one slice for its whole life and is visited once every
 * period, so each still gets a whole period to answer before it is judged; one that missed the
 * previous pong is terminated (1006).
 */
export class Heartbeat {
  private nextSlice = 0;
  private tick = 0;

  constructor(
    private readonly sessions: LocalSessions,
    private readonly metrics: LiveMetrics,
  ) {}

  /** How often beat() must run for a period of `heartbeatMs`. */
  static intervalMs(heartbeatMs: number): number {
    return Math.max(1, Math.floor(heartbeatMs / HEARTBEAT_SLICES));
  }

  /** Places a new socket in the next slice, round robin, so slices stay even. */
  assign(session: Session): void {
    session.heartbeatSlice = this.nextSlice;
    this.nextSlice = (this.nextSlice + 1) % HEARTBEAT_SLICES;
  }

  beat(): void {
    const slice = this.tick;
    this.tick = (this.tick + 1) % HEARTBEAT_SLICES;
    const now = Date.now();
    const dead: Session[] = [];
    this.sessions.forEach((session) => {
      if (session.heartbeatSlice !== slice) return;
      if (!session.alive) return void dead.push(session);
      session.alive = false;
      session.socket.ping();
      session.expireSeen(now);
    });
    // After the walk: terminating removes the session from the sets being walked.
    for (const session of dead) {
      this.metrics.heartbeatTerminations.inc();
      session.terminate();
    }
  }
}
