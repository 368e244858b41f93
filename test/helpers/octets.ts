/** Octets written as the references print them: `"05 00 03"` → Buffer, Buffer → `"05 00 03"`. */
export const bytes = (spaced: string): Buffer => Buffer.from(spaced.replace(/ /g, ''), 'hex');

export const spacedHex = (b: Uint8Array): string =>
  Buffer.from(b)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1 ');
