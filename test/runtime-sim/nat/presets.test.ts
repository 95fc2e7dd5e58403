// Presets: every name validates, maps to the RFC 4787 cell its name promises, and the Linux
// pair differs only in the inbound firewall.
import { describe, expect, it } from 'vitest';
import { validateNatConfig } from '../../../runtime-sim/nat/config.ts';
import { isNatPresetName, NAT_PRESET_NAMES, NAT_PRESETS, natPreset } from '../../../runtime-sim/nat/presets.ts';

describe('NAT presets', () => {
  it('every preset is a valid config', () => {
    for (const name of NAT_PRESET_NAMES) expect(() => validateNatConfig(NAT_PRESETS[name])).not.toThrow();
    expect(Object.keys(NAT_PRESETS).sort()).toEqual([...NAT_PRESET_NAMES].sort());
  });

  it('the cone names sit in the right RFC 4787 cells (Tailscale table)', () => {
    const cell = (name: (typeof NAT_PRESET_NAMES)[number]) => [NAT_PRESETS[name].mapping, NAT_PRESETS[name].filtering];
    expect(cell('full-cone')).toEqual(['endpoint-independent', 'endpoint-independent']);
    expect(cell('restricted-cone')).toEqual(['endpoint-independent', 'address-dependent']);
    expect(cell('port-restricted-cone')).toEqual(['endpoint-independent', 'address-and-port-dependent']);
    expect(cell('symmetric')).toEqual(['address-and-port-dependent', 'address-and-port-dependent']);
    expect(NAT_PRESETS.symmetric.port_assignment.kind).toBe('random');
    expect(NAT_PRESETS['symmetric-sequential'].port_assignment.kind).toBe('sequential');
    expect(cell('cgnat')[0]).toBe('endpoint-independent');
  });

  it('linux-masquerade: EIM, port preservation, APDF, clash; the firewall variant differs only by the firewall', () => {
    const lm = NAT_PRESETS['linux-masquerade'];
    expect([lm.mapping, lm.filtering, lm.port_assignment.kind, lm.inbound_firewall, lm.conntrack_clash]).toEqual([
      'endpoint-independent', 'address-and-port-dependent', 'preserve', false, true,
    ]);
    expect({ ...NAT_PRESETS['linux-masquerade-firewall'], inbound_firewall: false }).toEqual(lm);
    expect(lm.binding_timeout_ms).toBe(30_000);
    expect(lm.stream_timeout_ms).toBe(120_000);
  });

  it('timers respect RFC 4787 REQ-5 except where a real device is modelled', () => {
    for (const name of NAT_PRESET_NAMES) {
      if (name.startsWith('linux')) continue;
      expect(NAT_PRESETS[name].binding_timeout_ms).toBeGreaterThanOrEqual(120_000);
    }
  });

  it('natPreset returns an independent copy; names are recognised', () => {
    const copy = natPreset('full-cone');
    (copy.port_assignment as { min_port: number }).min_port = 1;
    expect(NAT_PRESETS['full-cone'].port_assignment.min_port).toBe(49_152);
    expect(Object.isFrozen(NAT_PRESETS)).toBe(true);
    expect(Object.isFrozen(NAT_PRESETS['full-cone'].port_assignment)).toBe(true);
    expect(isNatPresetName('symmetric')).toBe(true);
    expect(isNatPresetName('cone')).toBe(false);
  });
});
