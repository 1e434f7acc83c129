/**
 * How many event streams may be open at once: per client and in all. An open stream costs a socket, a timer and a
 * share of a poller for as long as the client keeps it, so one client opening thousands must not starve the rest.
 */
export class StreamAllowance {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(
    readonly perClient: number,
    readonly max: number,
  ) {}

  /** A stream for `client`, with the function that gives it back (idempotent); null when either bound is reached. */
  take(client: string): (() => void) | null {
    const held = this.open.get(client) ?? 0;
    if (held >= this.perClient || this.total >= this.max) return null;
    this.open.set(client, held + 1);
    this.total += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total -= 1;
      const left = (this.open.get(client) ?? 1) - 1;
      if (left > 0) this.open.set(client, left);
      else this.open.delete(client);
    };
  }

  /** Streams `client` holds now. */
  heldBy(client: string): number {
    return this.open.get(client) ?? 0;
  }
}
