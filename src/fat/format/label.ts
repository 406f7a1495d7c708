import { FatError } from '../errors.js';

/**
 * Volume labels: the one rule for the labels fatkit writes (mkfs, Volume.setLabel) and the rule
 * fsck.fat 4.2 checks stored labels by (check). Pure codec, FAT-NOTES.md sections 2 and 7.
 *
 * Written labels are 1-11 printable ASCII characters, none of `"*+,./:;<=>?[\]|`, not starting
 * with a space (trailing spaces are padding). Non-ASCII is refused although Windows writes it in
 * the OEM code page: fsck.fat 4.2 reads label bytes as signed chars, so it calls every byte from
 * 0x80 up "below 0x20" and removes the label (`fsck.fat -a`, as at boot), and mkfs.fat refuses them.
 */

/** The 11 bytes that mean "no label" in the boot sector. */
export const NO_NAME = 'NO NAME    ';

/** Characters fsck.fat (and the FAT specification) do not allow in a label. */
export const LABEL_FORBIDDEN = '"*+,./:;<=>?[\\]|';

export interface EncodeLabelOptions {
  /** Keep lower case as given (as mkfs.fat does); by default letters are upper-cased (as Windows and mlabel do). */
  keepCase?: boolean;
}

/**
 * The 11 stored bytes of `label`, space padded; undefined for no label (empty, blank, or "NO NAME").
 * Throws EINVAL naming the rule a label breaks.
 */
export function encodeLabel(label: string, options: EncodeLabelOptions = {}): Uint8Array | undefined {
  const text = (options.keepCase ? label : label.toUpperCase()).replace(/ +$/, '');
  if (text === '') return undefined;
  const bad = (why: string): never => {
    throw new FatError('EINVAL', `invalid volume label ${JSON.stringify(label)}: ${why}`);
  };
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c > 0x7e) bad(`${JSON.stringify(ch)} is not printable ASCII (fsck.fat removes labels with other bytes)`);
    if (LABEL_FORBIDDEN.includes(ch)) bad(`it cannot contain ${JSON.stringify(ch)} (nor any of ${LABEL_FORBIDDEN})`);
  }
  if (text.length > 11) bad(`it is ${text.length} characters long (at most 11)`);
  if (text.startsWith(' ')) bad('it cannot start with a space');
  const padded = text.padEnd(11, ' ');
  return padded === NO_NAME ? undefined : Uint8Array.from(padded, (c) => c.charCodeAt(0));
}

/**
 * What fsck.fat 4.2 (validate_volume_label) finds wrong with 11 stored label bytes, or undefined
 * when it accepts them. A leading 0x05 stands for 0xE5, as in any entry name. Lower case is
 * accepted, as fsck.fat does unless given -U.
 */
export function labelProblem(raw: Uint8Array): string | undefined {
  const b = Uint8Array.from(raw.subarray(0, 11));
  if (b[0] === 0x05) b[0] = 0xe5;
  const why: string[] = [];
  // fsck.fat's `char` is signed on x86 and Arm64 Linux: bytes from 0x80 up count as below 0x20.
  if (b.some((c) => c < 0x20 || c >= 0x80)) why.push('bytes outside printable ASCII');
  const forbidden = [...b].map((c) => String.fromCharCode(c)).filter((ch) => LABEL_FORBIDDEN.includes(ch));
  if (forbidden.length) why.push(`the forbidden ${JSON.stringify(forbidden[0])}`);
  if (b.every((c) => c === 0x20)) why.push('only spaces');
  else if (b[0] === 0x20) why.push('a leading space');
  return why.length ? `it has ${why.join(', ')}` : undefined;
}
