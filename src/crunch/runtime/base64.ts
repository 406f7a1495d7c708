/** Base64 without `node:` imports: Buffer when present (10x a JS decoder), else the web APIs. */

interface BufferStatic {
  from(text: string, encoding: 'base64'): Uint8Array;
}
interface Uint8ArrayWithBase64 {
  fromBase64?: (text: string) => Uint8Array;
}

const NodeBuffer = (globalThis as { Buffer?: BufferStatic }).Buffer;
const fromBase64 = (Uint8Array as unknown as Uint8ArrayWithBase64).fromBase64;

/** A plain Uint8Array over the same memory (a Buffer's slice() would not copy). */
export function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode base64; the result may be a view into a larger (even shared) buffer. */
export function decodeBase64(text: string): Uint8Array {
  if (NodeBuffer) return plain(NodeBuffer.from(text, 'base64'));
  if (fromBase64) return fromBase64(text);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Base64 of a hex string (for SRI integrity from a sha256 digest). */
export function hexToBase64(hex: string): string {
  let binary = '';
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

/** `bytes` itself when it is a plain array owning its whole buffer, else a copy that is. */
export function exclusive(bytes: Uint8Array): Uint8Array {
  const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owns && Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes);
}
