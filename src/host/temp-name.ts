/**
 * The temporary file an image is made in before it is renamed into place: `.NAME.tmp-PID-RAND`
 * beside NAME, with the maker's process id and a few random digits in base 36. Eight characters
 * after `tmp-` (for process ids below 36^5), as long as the older `.NAME.tmp-XXXXXXXX` (eight hex
 * digits, no owner), so a long image name that fit then still fits in 255 bytes.
 */
export function tempImageName(base: string, pid: number = process.pid): string {
  const id = pid.toString(36);
  const digits = Math.max(2, 7 - id.length);
  const rand = Math.floor(Math.random() * 36 ** digits).toString(36).padStart(digits, '0');
  return `.${base}.tmp-${id}-${rand}`;
}

/**
 * Whether `name` is a temporary file of the image named `base`, and whose: `{ pid }` for the
 * current form, `{}` for the older form (which names no owner), undefined for anything else.
 */
export function tempImageOwner(name: string, base: string): { pid?: number } | undefined {
  const prefix = `.${base}.tmp-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const current = /^([0-9a-z]{1,7})-[0-9a-z]{2,}$/.exec(rest); // 7 digits: any 32-bit process id
  if (current) return { pid: parseInt(current[1]!, 36) };
  return /^[0-9a-f]{8}$/.test(rest) ? {} : undefined;
}
