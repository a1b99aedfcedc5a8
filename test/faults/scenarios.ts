import { type H1Scenario, h1Scenarios } from './h1.js';
import { type H2Scenario, h2Scenarios } from './h2.js';
import type { ScenarioInfo } from './types.js';

export type Scenario = H1Scenario | H2Scenario;

/** Every fault scenario by name, HTTP/1.1 first. */
export const scenarios: ReadonlyMap<string, Scenario> = new Map(
  [...h1Scenarios, ...h2Scenarios].map((s) => [s.name, s] as const),
);

/** The plain-data part of a scenario (what crosses IPC and what tests iterate over). */
export function infoOf(s: Scenario): ScenarioInfo {
  const { name, summary, expect, scheme, protocol, method, bodyBytes, tls, timeout, followUpOk, note } = s;
  return { name, summary, expect, scheme, protocol, method, bodyBytes, tls, timeout, followUpOk, note };
}

export const scenarioNames = (filter?: (s: ScenarioInfo) => boolean): string[] =>
  [...scenarios.values()].filter((s) => !filter || filter(s)).map((s) => s.name);
