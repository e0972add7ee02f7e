/** The health probe of a process the tests run on loopback (controllers, vela-core, Flux, Kruise Rollout). */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * GET `path` on 127.0.0.1:`port`: true on HTTP 200, false on any other answer, an error or no
 * answer within 2 s. With `tls`, over HTTPS accepting the component's self-signed certificate
 * (Kubernetes' own components serve /healthz so).
 */
export function loopbackOk(port: number, path: string, opts: { tls?: boolean } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const request = opts.tls ? httpsRequest : httpRequest;
    const req = request({ host: '127.0.0.1', port, path, timeout: 2_000, ...(opts.tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
