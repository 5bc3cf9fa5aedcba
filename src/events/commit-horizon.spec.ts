import { CommitHorizon } from './commit-horizon';

const probe = (lastSeq: number, running: string[] = []) => ({ lastSeq: BigInt(lastSeq), running });

describe('CommitHorizon', () => {
  it('moves to the last seq once a later probe sees no transaction running', () => {
    const horizon = new CommitHorizon();
    horizon.observe(probe(5));
    expect(horizon.safe).toBe(-1n);
    horizon.observe(probe(5));
    expect(horizon.safe).toBe(5n);
  });

  it('waits for every transaction running at the probe after the read, even one that drew a lower seq and has not committed', () => {
    const horizon = new CommitHorizon();
    horizon.observe(probe(7, ['100']));
    horizon.observe(probe(8, ['100', '101']));
    horizon.observe(probe(9, ['101']));
    expect(horizon.safe).toBe(-1n);
    horizon.observe(probe(9, ['102']));
    expect(horizon.safe).toBe(8n); // 7 and 8 were read while only 100/101 could hold lower seqs
    horizon.observe(probe(9, []));
    expect(horizon.safe).toBe(9n);
  });

  it('never moves backwards', () => {
    const horizon = new CommitHorizon();
    horizon.observe(probe(3));
    horizon.observe(probe(3));
    horizon.observe(probe(2));
    horizon.observe(probe(2));
    expect(horizon.safe).toBe(3n);
  });
});
