import { describe, expect, it } from 'vitest';
import { countOutcomes } from '../src/count-outcomes.js';

describe('countOutcomes', () => {
  it('tells re-runs of events published twice (two messages) from re-runs of one message', () => {
    // seq 1: published by two producer runs, handled twice. seq 2: published once, handled three times.
    const effects = ['p 0', 'p 1', 'p 1', 'p 2', 'p 2', 'p 2', 'p 9', ''].join('\n');
    const attempted = new Map([[0, 1], [1, 2], [2, 1], [3, 1]]);
    const outcome = countOutcomes(effects, attempted, new Set([0, 1, 2, 3]));
    expect(outcome).toEqual({ acknowledged: 4, lost: 1, unexpected: 1, duplicated: 3, unacknowledgedButDelivered: 0, republished: 1 });
  });
});
