/**
 * A Blob whose slices keep their bytes, so that Node (which has no FileReaderSync) can read one
 * synchronously: the stand-in the browser devices' Node tests read through.
 */
export class BytesBlob extends Blob {
  readonly data: Uint8Array;
  readonly name: string;

  constructor(bytes: Uint8Array, name = 'disk.img') {
    super([bytes as Uint8Array<ArrayBuffer>]);
    this.data = bytes;
    this.name = name;
  }

  override slice(start?: number, end?: number): Blob {
    return new BytesBlob(this.data.subarray(start, end), this.name);
  }
}

/** The bytes of a BytesBlob (or of one of its slices), as FileReaderSync.readAsArrayBuffer gives them. */
export const bytesOf = (b: Blob): ArrayBuffer => (b as unknown as BytesBlob).data.slice().buffer as ArrayBuffer;
