import fc from 'fast-check';
import { createValidationPipe, fastPathOf } from '../../common/validation';
import { ISSUE_STATUSES } from '../issue.entity';
import { CheckoutDto } from './issue.dto';

/** The same DTO without the fast path: what class-transformer and class-validator alone decide. */
class FullyValidatedCheckoutDto extends CheckoutDto {}

const pipe = createValidationPipe();
const fastPath = fastPathOf(CheckoutDto) as (value: unknown) => CheckoutDto | undefined;
const AGENT = '6f1c3a2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f';

async function fullPipe(value: unknown): Promise<{ ok: true; dto: Record<string, unknown> } | { ok: false }> {
  try {
    const dto = (await pipe.transform(value, { type: 'body', metatype: FullyValidatedCheckoutDto })) as Record<string, unknown>;
    return { ok: true, dto: { ...dto } };
  } catch {
    return { ok: false };
  }
}

const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.constant({}), fc.constant([]), fc.uuid(), fc.constant(AGENT.toUpperCase()));
const status = fc.oneof(fc.constantFrom(...ISSUE_STATUSES), junk);
const value = fc.oneof(fc.uuid(), fc.array(status, { maxLength: 9 }), junk);
// Near-valid bodies (right keys, values at and past the limits) and arbitrary ones.
const body = fc.oneof(
  fc.record(
    { agentId: fc.oneof(fc.uuid(), junk), expectedStatuses: fc.oneof(fc.array(fc.constantFrom(...ISSUE_STATUSES), { maxLength: 9 }), fc.array(status, { maxLength: 9 }), junk) },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.constantFrom('agentId', 'expectedStatuses', 'title', '__proto__', 'constructor', 'prototype', 'status'), value, { maxKeys: 4 }),
);

describe('the checkout body fast path', () => {
  it('takes the body every agent sends, and gives what the full pipe gives', async () => {
    const value = { agentId: AGENT, expectedStatuses: ['todo', 'backlog', 'blocked'] };
    const fast = fastPath(value);
    expect(fast).toBeInstanceOf(CheckoutDto);
    expect(await pipe.transform(JSON.parse(JSON.stringify(value)), { type: 'body', metatype: CheckoutDto })).toEqual(fast);
    expect(await fullPipe(value)).toEqual({ ok: true, dto: { ...fast } });
  });

  it('a subclass of a fast-validated DTO does not inherit its fast path', () => {
    expect(fastPathOf(FullyValidatedCheckoutDto)).toBeUndefined();
  });

  it('accepts nothing class-validator refuses, and changes nothing it accepts', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const value: unknown = JSON.parse(JSON.stringify(generated)); // as the JSON body parser hands it over
        const fast = fastPath(value);
        if (fast === undefined) return;
        accepted++;
        expect(await fullPipe(value)).toEqual({ ok: true, dto: { ...fast } });
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('still refuses unknown fields and prototype keys through the pipe', async () => {
    for (const extra of ['{"title":"x"}', '{"__proto__":{"x":1}}', '{"constructor":{}}']) {
      const value: unknown = JSON.parse(`{"agentId":"${AGENT}","expectedStatuses":["todo"],${extra.slice(1)}`);
      await expect(pipe.transform(value, { type: 'body', metatype: CheckoutDto })).rejects.toMatchObject({ code: 'validation_failed' });
    }
  });
});
