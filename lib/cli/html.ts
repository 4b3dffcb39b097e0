/**
 * HTML built from templates that escape by default: every value interpolated into an `html` template is
 * escaped, unless it is itself the result of `html` (or of `raw`, for markup this code wrote). Column
 * names and labels come from the user's file and can hold `<`, `&` or quotes; escaping at each use
 * instead would be one forgotten call away from a broken (or scripted) report.
 */

/** Markup that is already safe to insert. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The template's markup with every interpolated value escaped (arrays are joined, null/undefined/false vanish). */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup written by this code (CSS, numbers formatted here): inserted as it is. */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}
