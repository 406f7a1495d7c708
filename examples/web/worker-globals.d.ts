// The worker-only API worker.ts uses (lib.webworker.d.ts cannot be combined with lib.dom.d.ts).
declare class FileReaderSync {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}
