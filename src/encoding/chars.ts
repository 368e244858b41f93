/**
 * UTF-16 helpers shared by the encoders (internal, not re-exported).
 *
 * JavaScript strings are UTF-16 code units; an astral character such as an emoji is a
 * surrogate pair, and error messages, replacements and split points must treat the pair as
 * one character.
 */

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The whole character starting at UTF-16 offset `index`: a surrogate pair, or a single unit. */
export function characterAt(text: string, index: number): string {
  const unit = text.charCodeAt(index);
  if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(index + 1))) return text.slice(index, index + 2);
  return text.charAt(index);
}
