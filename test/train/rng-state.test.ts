// The resumable RNG draws what the runtime's generator draws, and a generator restored from a
// saved state (through JSON, as in a checkpoint) continues the sequence exactly.
import test from 'ava';
import { createResumableRng, parseRngState } from '../../trainer/core/rng-state.js';
import { createRng } from '../../runtime/rng.js';

test('same numbers as createRng; resumes exactly from a JSON round trip, even mid-pair', (t) => {
  const reference = createRng(1234);
  const resumable = createResumableRng(1234);
  const draw = (rng: {
    next(): number;
    normal(): number;
    uniform(a: number, b: number): number;
  }) => [rng.next(), rng.normal(), rng.uniform(-1, 1)];
  for (let idx = 0; idx < 5; idx++) t.deepEqual(draw(resumable), draw(reference));
  const saved = JSON.parse(JSON.stringify(resumable.state()));
  t.not(saved.spare, null, 'a normal sample is pending');
  const restored = createResumableRng(1234, parseRngState(saved));
  for (let idx = 0; idx < 5; idx++) t.deepEqual(draw(restored), draw(reference));
  t.is(parseRngState({ seed: 1, draws: -1, spare: null }), undefined);
});
