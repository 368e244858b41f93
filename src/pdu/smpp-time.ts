/**
 * The SMPP absolute time form `YYMMDDhhmmsstnnp` (reference §5.8), in UTC: tenths 0, offset
 * 00 quarter-hours, `+`.
 */
export function formatSmppTime(date: Date): string {
  const two = (n: number) => n.toString().padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    '000+'
  );
}
