/// <reference types="@fastly/js-compute" />
/**
 * An application with its own routes that embeds the Kinesis logger:
 *   - every request is logged automatically through the `format_version_default` endpoints;
 *   - POST /orders also writes an audit line of its own through the `audit` endpoint, whose
 *     placement is `none` (nothing automatic).
 * Built and run in Viceroy by test/e2e/embedded.test.ts.
 */
import { createKinesisLogging } from '../../src/library/index.js';

const logging = createKinesisLogging();

addEventListener('fetch', (event) => {
  event.respondWith(
    logging.handle(event, async (request) => {
      const url = new URL(request.url);
      if (request.method === 'POST' && url.pathname === '/orders') {
        const order = (await request.json()) as { sku: string; quantity: number };
        logging.emit(event, 'audit', JSON.stringify({ event: 'order', sku: order.sku, quantity: order.quantity }));
        return Response.json({ accepted: true }, { status: 201 });
      }
      return new Response(`embedded app: ${url.pathname}\n`, { headers: { 'content-type': 'text/plain' } });
    }, { backendRequestsForResponse: 0 }),
  );
});
