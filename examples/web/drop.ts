/** What the user hands the page: files from an <input type=file>, and drops (folders walked). */
import type { Item } from './protocol.js';

/** Files from an <input type=file> (webkitRelativePath keeps a chosen folder's structure). */
export function fromInput(input: HTMLInputElement): Item[] {
  return [...(input.files ?? [])].map((f) => ({ path: f.webkitRelativePath || f.name, type: 'file' as const, file: f, mtimeMs: f.lastModified }));
}

/** Everything dropped, folders walked (FileSystemEntry), or the bare files where entries are missing. */
export async function fromDrop(dt: DataTransfer): Promise<Item[]> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files].map((f) => ({ path: f.name, type: 'file', file: f, mtimeMs: f.lastModified }));
  const out: Item[] = [];
  const walk = async (e: FileSystemEntry): Promise<void> => {
    const path = e.fullPath.replace(/^\/+/, '');
    if (e.isFile) {
      const file = await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej));
      out.push({ path, type: 'file', file, mtimeMs: file.lastModified });
      return;
    }
    out.push({ path, type: 'directory', mtimeMs: Date.now() });
    const reader = (e as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child);
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

/** Make `el` take drops (highlighted while something is dragged over it). */
export function dropTarget(el: HTMLElement, onDrop: (dt: DataTransfer) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    e.stopPropagation();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    el.classList.remove('over');
    if (e.dataTransfer) onDrop(e.dataTransfer);
  });
}
