// Small helpers for writing SVG by hand: escaping, compact deterministic number formatting, "nice"
// axis ticks and the document wrapper. Charts are strings built from these, so the same input
// always gives the same bytes (no dates, ids or locale-dependent formatting).

/** Escapes text for use in SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A coordinate with at most two decimals and no trailing zeros (`12`, `12.5`, `-0.25`). */
export function coord(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** An element with attributes in the given order; `body` is raw (already escaped) content. */
export function element(
  tag: string,
  attributes: Record<string, string | number>,
  body?: string,
): string {
  const attrs = Object.entries(attributes)
    .map(
      ([name, value]) =>
        ` ${name}="${typeof value === 'number' ? coord(value) : escapeXml(value)}"`,
    )
    .join('');
  return body === undefined ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${body}</${tag}>`;
}

/** A `<text>` element holding escaped `content`. */
export function text(content: string, attributes: Record<string, string | number>): string {
  return element('text', attributes, escapeXml(content));
}

/** Evenly spaced axis ticks at a "nice" step (1, 2 or 5 times a power of ten). */
export interface Ticks {
  /** Axis start and end, widened outwards to whole steps. */
  min: number;
  max: number;
  step: number;
  values: number[];
}

/** About `target` nice ticks covering `[low, high]` (a degenerate range is widened around it). */
export function niceTicks(low: number, high: number, target = 5): Ticks {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return niceTicks(0, 1, target);
  if (high - low < 1e-12) {
    const pad = Math.abs(low) > 1e-12 ? Math.abs(low) * 0.1 : 1;
    return niceTicks(low - pad, high + pad, target);
  }
  const rough = (high - low) / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((s) => s >= rough) ?? 10 * power;
  const min = Math.floor(low / step + 1e-9) * step;
  const max = Math.ceil(high / step - 1e-9) * step;
  const values: number[] = [];
  for (let idx = 0; min + idx * step <= max + step * 1e-9; idx++) values.push(min + idx * step);
  return { min, max, step, values };
}

/**
 * Ticks for an integer axis such as epochs: from `low` to `high` in whole steps of 1, 2, 5, 10…
 * (at most about 10 ticks), starting at `low` itself rather than at a multiple of the step.
 */
export function integerTicks(low: number, high: number): Ticks {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return integerTicks(0, 1);
  const min = Math.floor(low);
  const span = Math.max(Math.ceil(high), min + 1) - min;
  const step = Math.max(1, Math.round(niceTicks(0, span, 10).step));
  // The axis ends on the last tick, so the final epoch is never beyond the last label.
  const max = min + Math.ceil(span / step) * step;
  const values: number[] = [];
  for (let value = min; value <= max; value += step) values.push(value);
  return { min, max, step, values };
}

/** A tick label with as many decimals as the step needs (`0.25`, `2`, `1.5`). */
export function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  const label = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(label) ? label.slice(1) : label;
}

/** Wraps chart `content` in an SVG document of `width`×`height` with a white background. */
export function svgDocument(
  width: number,
  height: number,
  title: string,
  content: string[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    element('title', {}, escapeXml(title)),
    element('rect', { width, height, fill: '#ffffff' }),
    ...content,
    '</svg>',
    '',
  ].join('\n');
}
