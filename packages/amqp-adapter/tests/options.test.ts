import { ResoluteError } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { AmqpTransport, mapAmqpError } from '../src/index.js';
import { connectionUrl, parseAmqpOptions, redactedUrl } from '../src/amqp-options.js';

function invalid(options: unknown): ResoluteError {
  try {
    new AmqpTransport(options as never);
  } catch (error) {
    return error as ResoluteError;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('amqp-adapter options', () => {
  it('applies the documented defaults', () => {
    const t = new AmqpTransport();
    expect(t.options).toMatchObject({ url: 'amqp://127.0.0.1:5672', queueType: 'classic', exchange: 'resolute.events', queuePrefix: 'resolute.endpoint.', prefetch: 256, maxBatch: 256, maxInFlight: 2048, heartbeatSeconds: 10 });
    expect(t.capabilities).toEqual({ routing: 'broker', durable: true, ordered: false, requestReply: true, maxBatch: 256 });
  });

  it.each([
    [{ url: 'http://localhost' }, 'url'],
    [{ queueType: 'stream' }, 'queueType'],
    [{ prefetch: 0 }, 'prefetch'],
    [{ prefetch: 70_000 }, 'prefetch'],
    [{ maxInFlight: -1 }, 'maxInFlight'],
    [{ heartbeatSeconds: 1.5 }, 'heartbeatSeconds'],
    [{ reconnect: { initialDelayMs: 0 } }, 'reconnect.initialDelayMs'],
    [{ tls: { ca: 5 } }, 'tls.ca'],
    [{ exchange: '' }, 'exchange'],
    [{ bogus: 1 }, '(root)'],
  ])('refuses %j naming %s', (options, field) => {
    const error = invalid(options);
    expect(error).toBeInstanceOf(ResoluteError);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(field);
  });

  it('refuses TLS material with a plain amqp:// url', () => {
    expect(invalid({ url: 'amqp://h', tls: { ca: 'PEM' } }).message).toMatch(/tls: .*amqps/);
  });

  it('takes credentials, vhost and heartbeat from fields over the URL, and never logs the password', () => {
    const options = parseAmqpOptions({ url: 'amqps://u:p@broker.example:5671/old', username: 'svc', password: 's3cr/t', vhost: 'prod/eu', heartbeatSeconds: 5, tls: { ca: 'PEM' } });
    const url = new URL(connectionUrl(options));
    expect([url.protocol, decodeURIComponent(url.username), decodeURIComponent(url.password), decodeURIComponent(url.pathname.slice(1)), url.searchParams.get('heartbeat')]).toEqual(['amqps:', 'svc', 's3cr/t', 'prod/eu', '5']);
    expect(redactedUrl(options)).not.toContain('p@');
    expect(redactedUrl(parseAmqpOptions({ url: 'amqp://u:hunter2@h/v' }))).not.toContain('hunter2');
  });

  it('has no address before start and fails sends as retryable, without throwing', async () => {
    const t = new AmqpTransport();
    expect(() => t.address).toThrow(/start/);
    const outcomes = await t.send([]);
    expect(outcomes).toEqual([]);
  });
});

describe('mapAmqpError', () => {
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'UNREACHABLE', true, /running/],
    [new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"'), 'AUTH_FAILED', false, /credentials/],
    [Object.assign(new Error('Connection closed: 530 (NOT-ALLOWED) with message "NOT_ALLOWED - vhost x not found"'), { code: 530 }), 'AUTH_FAILED', false, /add_vhost/],
    [Object.assign(new Error('Channel closed by server: 406 (PRECONDITION-FAILED)'), { code: 406 }), 'INVALID_CONFIG', false, /queueType/],
    [Object.assign(new Error('getaddrinfo ENOTFOUND nohost'), { code: 'ENOTFOUND' }), 'UNREACHABLE', true, /host name/],
    [Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'AUTH_FAILED', false, /tls\.ca/],
    [new Error('message nacked'), 'BACKPRESSURE', true, /sent again/],
    [new Error('channel closed'), 'CONNECTION_LOST', true, /reconnecting/],
  ])('maps %s', (error, code, retryable, advice) => {
    const mapped = mapAmqpError(error, 'doing it');
    expect([mapped.code, mapped.retryable]).toEqual([code, retryable]);
    expect(mapped.message).toMatch(advice);
    expect(mapped.cause).toBe(error);
  });
});
