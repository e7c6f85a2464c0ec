/// <reference types="@fastly/js-compute" />
/**
 * An application with its own routes that embeds the Kinesis logger:
 *   - every request is logged automatically through the `format_version_default` endpoints;
 *   - POST /orders also writes an audit line of its own through the `audit` endpoint, whose
 *     placement is `none` (nothing automatic);
 *   - POST /notes writes the note it was sent through the `notes` endpoint (a Fastly log
 *     endpoint); a line break in the note arrives as `\r` / `\n`, never as a second line;
 *   - GET /settings reads the application's own Config Store (20 lookups) and says so with
 *     `configLookupsForResponse`: the logger loads within what is left of Compute's 32, or reports
 *     exactly what ran out;
 *   - GET /fail is a handler bug: the client gets a 500, the request is still logged with it, and
 *     the exception goes to the error log endpoint.
 * Built and run in Viceroy by test/e2e/embedded.test.ts.
 */
import { ConfigStore } from 'fastly:config-store';
import { createKinesisLogging } from '../../src/library/index.js';

const logging = createKinesisLogging();

/** The application's own settings: one Config Store lookup each. */
const FLAGS = Array.from({ length: 20 }, (_, i) => `flag_${i}`);

addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // What this application spends itself of the execution's limits: no backend request; Config
  // Store lookups on the one route that reads its settings.
  const costs = { backendRequestsForResponse: 0, configLookupsForResponse: url.pathname === '/settings' ? FLAGS.length : 0 };
  event.respondWith(
    logging.handle(event, async (request) => {
      if (request.method === 'POST' && url.pathname === '/orders') {
        const order = (await request.json()) as { sku: string; quantity: number };
        logging.emit(event, 'audit', JSON.stringify({ event: 'order', sku: order.sku, quantity: order.quantity }));
        return Response.json({ accepted: true }, { status: 201 });
      }
      if (request.method === 'POST' && url.pathname === '/notes') {
        logging.emit(event, 'notes', `note: ${await request.text()}`);
        return new Response(null, { status: 204 });
      }
      if (url.pathname === '/settings') {
        const settings = new ConfigStore('app_settings');
        return Response.json({ on: FLAGS.filter((flag) => settings.get(flag) === 'on') });
      }
      if (url.pathname === '/fail') throw new Error('the application failed');
      return new Response(`embedded app: ${url.pathname}\n`, { headers: { 'content-type': 'text/plain' } });
    }, costs),
  );
});
