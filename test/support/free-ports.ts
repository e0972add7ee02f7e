/** Free loopback TCP ports for servers the tests start (control planes, SeaweedFS, PostgreSQL). */
import { createServer, type Server } from 'node:net';

const handedOut = new Set<number>();

/**
 * Ports that were free a moment ago, all held open together so they differ from each other and
 * from any handed out earlier in this process (servers started in parallel never share one).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    while (ports.length < count) {
      const srv = createServer();
      servers.push(srv);
      const port = await new Promise<number>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
      });
      if (!handedOut.has(port)) ports.push(port);
    }
    for (const p of ports) handedOut.add(p);
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
