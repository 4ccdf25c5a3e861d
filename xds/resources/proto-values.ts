/** Small proto value shapes used by several builders. */

/** Zero parts are left out, as the proto encoding does, so resources round-trip exactly. */
export function duration(ms: number): { seconds?: number; nanos?: number } {
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  return { ...(seconds ? { seconds } : {}), ...(nanos ? { nanos } : {}) };
}

/** A percentage as Envoy's FractionalPercent, in millionths so 0.01 % stays exact. */
export function fractionalPercent(percent: number): { numerator: number; denominator: 'MILLION' } {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}

/** "Fetch this over the same ADS stream." */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;
