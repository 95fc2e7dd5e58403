// Expectation builders. Each checks one named figure of an Outcome and, when it fails, says
// what it wanted and what it got, so the failure line in the table explains itself.
import type { Expectation, Outcome, OutcomeValue } from './scenario.ts';

function show(value: OutcomeValue | undefined): string {
  if (value === undefined) return 'missing';
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : JSON.stringify(value);
}

function numeric(outcome: Outcome, key: string): number | string {
  const value = outcome[key];
  if (typeof value !== 'number' || Number.isNaN(value)) return `${key} is ${show(value)}, not a number`;
  return value;
}

/** `key` equals `want` exactly (numbers, strings or booleans). */
export function equal(key: string, want: OutcomeValue): Expectation {
  return {
    name: `${key} = ${show(want)}`,
    check: (outcome) => (outcome[key] === want ? true : `${key} is ${show(outcome[key])}, want ${show(want)}`),
  };
}

export function atLeast(key: string, min: number): Expectation {
  return {
    name: `${key} >= ${min}`,
    check(outcome) {
      const value = numeric(outcome, key);
      if (typeof value === 'string') return value;
      return value >= min ? true : `${key} is ${show(value)}, want >= ${min}`;
    },
  };
}

export function atMost(key: string, max: number): Expectation {
  return {
    name: `${key} <= ${max}`,
    check(outcome) {
      const value = numeric(outcome, key);
      if (typeof value === 'string') return value;
      return value <= max ? true : `${key} is ${show(value)}, want <= ${max}`;
    },
  };
}

export function between(key: string, min: number, max: number): Expectation {
  return {
    name: `${min} <= ${key} <= ${max}`,
    check(outcome) {
      const value = numeric(outcome, key);
      if (typeof value === 'string') return value;
      return value >= min && value <= max ? true : `${key} is ${show(value)}, want ${min}..${max}`;
    },
  };
}

/** `key` is within `relative` (0.1 = 10%) of `target`. */
export function near(key: string, target: number, relative: number): Expectation {
  const min = target * (1 - relative);
  const max = target * (1 + relative);
  return { ...between(key, min, max), name: `${key} ≈ ${target} ±${Math.round(relative * 100)}%` };
}

/** A free-form check over the whole outcome. */
export function holds(name: string, check: (outcome: Outcome) => true | string): Expectation {
  return { name, check };
}
