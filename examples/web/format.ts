/** Formatting for the page: sizes, times, HTML escaping, paths. */

const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
export function human(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} ${n === 1 ? 'byte' : 'bytes'}` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
export const when = (iso: string): string => iso.slice(0, 16).replace('T', ' ');
export const joinPath = (dir: string, name: string): string => `${dir === '/' ? '' : dir}/${name}`;
export const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
