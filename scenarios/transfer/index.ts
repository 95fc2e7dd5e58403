// The transfer suite: 16 MiB between punched NATed peers at three loss rates, plus NAT
// rebinding and partition healing on the bare transport.
import type { Scenario } from '../scenario.ts';
import { transferFaults } from './direct.ts';
import { transfer16MiB } from './punched.ts';

export const transferScenarios: Scenario[] = [...transfer16MiB, ...transferFaults];
