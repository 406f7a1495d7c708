/** `a < b` on UTF-16 code units: the one order every listing in fatkit uses. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
