// Tests for the NAT-rewrite label's one-line form in a narrow lane (issue 14 defect 5): the
// "after" half shortens to its port only when its IP is the NAT's own or the before's.
import { describe, expect, it } from 'vitest';
import type { TraceModel } from '../../../../viz/src/model/model.ts';
import { abbreviateAfter } from '../../../../viz/src/render/diagram.ts';

const model = { lanes: [{ node: { outside: ['203.0.113.11'] } }, { node: undefined }] } as unknown as TraceModel;

describe('abbreviateAfter', () => {
  it("keeps only the port of an address on the NAT's own outside IP", () => {
    expect(abbreviateAfter(model, 0, '10.0.1.2:5000', '203.0.113.11:49152')).toBe(':49152');
  });
  it('keeps only the port when the IP is the before half’s', () => {
    expect(abbreviateAfter(model, 1, '10.0.1.2:5000', '10.0.1.2:6000')).toBe(':6000');
    expect(abbreviateAfter(model, 1, '[2001:db8::1]:5000', '[2001:db8::1]:6000')).toBe(':6000');
  });
  it('leaves any other address whole', () => {
    expect(abbreviateAfter(model, 0, '203.0.113.11:49152', '10.0.1.2:5000')).toBe('10.0.1.2:5000');
    expect(abbreviateAfter(model, 1, '10.0.1.2:5000', '203.0.113.11:49152')).toBe('203.0.113.11:49152');
  });
});
