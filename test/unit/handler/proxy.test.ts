/**
 * serve() (handler/proxy.ts): the body reaches the client unchanged, untouched unless a log line
 * needs it counted, and `finished` settles however it ends.
 */
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
  it('hands a body with a Content-Length back untouched, its size taken from the header', async () => {
    const origin = new Response(originBody(['héllo ', 'world'], 'close'), { headers: { 'content-length': '12' } });
    let asked = false;
    const result = await serve(request, async () => origin, () => 1000, () => (asked = true));
    expect(result.response).toBe(origin);
    expect(asked).toBe(false);
    expect(await result.finished).toEqual({ bodyBytes: 12, endedMs: 1000 });
    expect(await result.response.text()).toBe('héllo world');
  });

  it('counts no body bytes for HEAD, 204 and 304, whatever their Content-Length says', async () => {
    const head = await serve(new Request('http://example.com/x', { method: 'HEAD' }), async () => new Response('', { headers: { 'content-length': '1000' } }), () => 1);
    expect((await head.finished).bodyBytes).toBe(0);
    expect(head.response.headers.get('content-length'), 'a HEAD answer keeps the Content-Length the origin framed it with').toBe('1000');
    for (const status of [204, 304]) {
      // Node's Response refuses a body with these statuses; a host's answer may still carry a stream.
      const answered = { status, statusText: '', headers: new Headers({ 'content-length': '1000' }), body: originBody([], 'close') } as unknown as Response;
      const result = await serve(request, async () => answered, () => 1);
      expect((await result.finished).bodyBytes, `status ${status}`).toBe(0);
    }
  });

  it('hands an unsized body back untouched when no log line reads its size or end', async () => {
    const origin = new Response(originBody(['abc', 'de'], 'close'));
    const result = await serve(request, async () => origin, () => 500, () => false);
    expect(result.response).toBe(origin);
    expect(await result.finished).toEqual({ bodyBytes: 0, endedMs: 500 });
  });

  it('counts an unsized body when a log line reads its size (a Content-Length that is not a number is none); time.end stays the hand-over', async () => {
    let now = 100;
    const origin = new Response(originBody(['abc', 'de'], 'close'), { headers: { 'content-length': '5, 5' } });
    const result = await serve(request, async () => origin, () => now, () => true);
    expect(result.response).not.toBe(origin);
    now = 200;
    expect(await result.response.text()).toBe('abcde');
    expect(await result.finished).toEqual({ bodyBytes: 5, endedMs: 100, cutShort: undefined });
  });

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
