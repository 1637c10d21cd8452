import { silentLogger } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { SendQueue } from '../src/send-queue.js';

describe('SendQueue', () => {
  it('sends one at a time, in order', async () => {
    const sent: string[] = [];
    let inFlight = 0;
    const queue = new SendQueue(
      {
        async send(frames) {
          inFlight += 1;
          expect(inFlight).toBe(1);
          await new Promise((resolve) => setImmediate(resolve));
          sent.push(String(frames[0]));
          inFlight -= 1;
        },
      },
      silentLogger,
    );
    for (const n of ['1', '2', '3']) void queue.send([Buffer.from(n)]);
    await queue.idle();
    expect(sent).toEqual(['1', '2', '3']);
  });

  it('settles idle() when every send throws synchronously (a closed socket), and keeps working after', async () => {
    let broken = true;
    const sent: string[] = [];
    const queue = new SendQueue(
      {
        send(frames) {
          if (broken) throw new Error('Socket is closed');
          sent.push(String(frames[0]));
          return Promise.resolve();
        },
      },
      silentLogger,
    );
    void queue.send([Buffer.from('lost')]);
    await queue.idle();
    broken = false;
    await queue.send([Buffer.from('ok')]);
    await queue.idle();
    expect(sent).toEqual(['ok']);
  });
});
