/**
 * Every test server listens on 127.0.0.1 only; stop() also cuts keep-alive and hanging
 * connections, so a test never waits on a socket a client left open.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on 127.0.0.1. */
export interface Listening {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  /** The port it listens on (the one the system chose when 0 was asked). */
  port: number;
  /** Closes the server and every connection still open. */
  stop: () => Promise<void>;
}

/**
 * Starts `server` on 127.0.0.1.
 * @param port the port to listen on; 0 (the default) takes any free port.
 */
export async function listen(server: Server, port = 0): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
