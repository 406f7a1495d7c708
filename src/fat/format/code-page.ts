/**
 * OEM code pages for short names (FAT-NOTES.md section 5): bytes 0x00-0x7F are ASCII, bytes
 * 0x80-0xFF map through the page's table. CP437 is the default; mtools and fsck.fat use CP850.
 */
export type CodePageName = 'cp437' | 'cp850';

export interface CodePage {
  readonly name: CodePageName;
  /** Unicode for bytes 0x80..0xFF. */
  readonly high: string;
  /** Byte for a Unicode character, or undefined when the page cannot hold it. */
  encode(ch: string): number | undefined;
  decode(bytes: Uint8Array): string;
}

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const CP850_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐' +
  '└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';

function makePage(name: CodePageName, high: string): CodePage {
  if ([...high].length !== 128) throw new Error(`code page ${name} table has ${[...high].length} entries`);
  const reverse = new Map<string, number>();
  [...high].forEach((ch, i) => reverse.set(ch, 0x80 + i));
  return {
    name,
    high,
    encode(ch: string): number | undefined {
      const c = ch.codePointAt(0)!;
      if (c < 0x80 && ch.length === 1) return c;
      return reverse.get(ch);
    },
    decode(bytes: Uint8Array): string {
      let s = '';
      for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : high[b - 0x80];
      return s;
    },
  };
}

const PAGES: Record<CodePageName, CodePage> = {
  cp437: makePage('cp437', CP437_HIGH),
  cp850: makePage('cp850', CP850_HIGH),
};

export function codePage(name: CodePageName = 'cp437'): CodePage {
  const page = PAGES[name];
  if (!page) throw new Error(`unknown code page ${String(name)}`);
  return page;
}
