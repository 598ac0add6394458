import { describe, expect, it } from 'vitest';
import { advanceCursor, GAP_WAIT_MS } from './fan-out.js';

describe('advanceCursor', () => {
  it('moves through contiguous sequence numbers', () => {
    expect(advanceCursor(10, [11, 12, 13], null, 0)).toEqual({ upto: 13, gap: null, skipped: [] });
    expect(advanceCursor(10, [], null, 0)).toEqual({ upto: 10, gap: null, skipped: [] });
  });

  it('stops before a hole and remembers when it first saw it', () => {
    expect(advanceCursor(10, [11, 13, 14], null, 1_000)).toEqual({ upto: 11, gap: { seq: 12, seenAt: 1_000 }, skipped: [] });
    // Seen again before the wait is over: still waits, keeps the first sighting.
    expect(advanceCursor(11, [13, 14], { seq: 12, seenAt: 1_000 }, 5_000)).toEqual({
      upto: 11,
      gap: { seq: 12, seenAt: 1_000 },
      skipped: [],
    });
  });

  it('takes the late event once it commits', () => {
    expect(advanceCursor(11, [12, 13, 14], { seq: 12, seenAt: 1_000 }, 5_000)).toEqual({ upto: 14, gap: null, skipped: [] });
  });

  it('steps over a hole that outlived the wait (a rollback), then stops at the next one', () => {
    const r = advanceCursor(11, [15, 16, 18], { seq: 12, seenAt: 0 }, GAP_WAIT_MS);
    expect(r).toEqual({ upto: 16, gap: { seq: 17, seenAt: GAP_WAIT_MS }, skipped: [12, 13, 14] });
  });

  it('a hole at a different place restarts the wait', () => {
    expect(advanceCursor(20, [22], { seq: 12, seenAt: 0 }, GAP_WAIT_MS * 2)).toEqual({
      upto: 20,
      gap: { seq: 21, seenAt: GAP_WAIT_MS * 2 },
      skipped: [],
    });
  });
});
