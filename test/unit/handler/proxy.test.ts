/** serve() (handler/proxy.ts): the body reaches the client unchanged, and `finished` settles however it ends. */
import { describe, expect, it } from 'vitest';
import { serve } from '../../../src/handler/proxy.js';

const encoder = new TextEncoder();

/** An origin body that sends `chunks`, then ends or fails. */
function originBody(chunks: string[], end: 'close' | 'error'): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else if (end === 'close') controller.close();
      else controller.error(new TypeError('origin connection reset'));
    },
  });
}

const request = new Request('http://example.com/x');

describe('serve', () => {
  it('passes the body through and counts its bytes', async () => {
    const result = await serve(request, async () => new Response(originBody(['héllo ', 'world'], 'close'), { status: 201 }), () => 1000);
    expect(result.response.status).toBe(201);
    expect(await result.response.text()).toBe('héllo world');
    expect(await result.finished).toEqual({ bodyBytes: 12, endedMs: 1000, cutShort: undefined });
  });

  it('settles when the origin body fails midway: the client sees the failure, the request is still logged', async () => {
    const result = await serve(request, async () => new Response(originBody(['abc', 'de'], 'error')), () => 2000);
    await expect(result.response.text()).rejects.toThrow();
    expect(await result.finished).toEqual({ bodyBytes: 5, endedMs: 2000, cutShort: 'origin-error' });
  });

  it('settles when the client goes away before the end, and stops reading the origin', async () => {
    let originCancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(encoder.encode('xxxx')),
      cancel: () => void (originCancelled = true),
    });
    const result = await serve(request, async () => new Response(endless), () => 3000);
    const reader = result.response.body!.getReader();
    await reader.read();
    await reader.cancel('client closed the connection');
    const sent = await result.finished;
    expect(sent.cutShort).toBe('client-cancel');
    expect(sent.bodyBytes).toBeGreaterThanOrEqual(4);
    expect(originCancelled).toBe(true);
  });
});
