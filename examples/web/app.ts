/**
 * The page: buttons, the listing, the preview and drag and drop. Everything that touches the image
 * runs in worker.ts; this side only asks it (`call`) and draws the answers.
 */
import { dropTarget, fromDrop, fromInput } from './drop.js';
import { esc, human, joinPath, parentOf, when } from './format.js';
import type { Entry, Item, Op, Reply, Requests, Summary } from './protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

// ---- the worker ----------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 1;

worker.onmessage = (e: MessageEvent<Reply>) => {
  const r = e.data;
  if ('progress' in r) return void status(r.progress);
  const p = pending.get(r.id);
  pending.delete(r.id);
  if (!p) return;
  if (r.ok) p.resolve(r.value);
  else p.reject(Object.assign(new Error(r.error.message), { code: r.error.code }));
};
worker.onerror = (e) => status(`the worker failed: ${e.message}`, true);

function call<K extends Op>(op: K, args: Requests[K]['args']): Promise<Requests[K]['result']> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    worker.postMessage({ id, op, args });
  });
}

/** Run a request, showing "working" while it runs and a one-line `fat: ...` error if it fails. */
async function run<T>(what: string, job: () => Promise<T>): Promise<T | undefined> {
  document.body.setAttribute('aria-busy', 'true');
  status(`${what}…`);
  try {
    const v = await job();
    status('');
    return v;
  } catch (e) {
    status(`fat: ${(e as Error).message}`, true);
    return undefined;
  } finally {
    document.body.removeAttribute('aria-busy');
  }
}

function status(text: string, error = false): void {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', error);
}

// ---- state and drawing ---------------------------------------------------------------------------

let summary: Summary | undefined;
let cwd = '/';
let rows: Entry[] = [];
let selected = -1; // index into the visible rows (0 is ".." below the root)
let previewUrl: string | undefined;

function drawSummary(): void {
  const s = summary!;
  const parts = [
    `<b>${esc(s.name)}</b>`, `FAT${s.fatType}`, `${human(s.size)} image`, `${human(s.freeBytes)} free of ${human(s.totalBytes)}`,
    s.label ? `label <b>${esc(s.label)}</b>` : 'no label', `id ${s.volumeIdHex}`,
  ];
  if (s.partition) parts.push(s.partition);
  parts.push(s.storage === 'file' ? 'read in place (a change makes an editable copy)' : s.storage === 'opfs' ? 'editing a copy in browser storage' : 'editing a copy in memory');
  if (s.problems) parts.push(`${s.problems} damaged entries skipped`);
  $('summary').innerHTML = parts.join(' · ');
  $<HTMLButtonElement>('image-button').disabled = false;
}

/** The rows as shown: ".." first below the root. */
const visible = (): (Entry | 'up')[] => (cwd === '/' ? rows : ['up' as const, ...rows]);

async function show(path: string, focusName?: string): Promise<void> {
  const list = await run(`reading ${path}`, () => call('list', { path }));
  if (!list) return;
  cwd = path;
  rows = list.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1));
  drawCrumbs();
  drawRows();
  const v = visible();
  const i = focusName === undefined ? -1 : v.findIndex((r) => r !== 'up' && r.name === focusName);
  select(i >= 0 ? i : v.length > 0 ? 0 : -1, true);
}

function drawCrumbs(): void {
  const nav = $('crumbs');
  nav.replaceChildren();
  const parts = cwd.split('/').filter(Boolean);
  const add = (label: string, path: string, last: boolean): void => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    if (last) b.setAttribute('aria-current', 'location');
    b.onclick = () => void show(path);
    nav.append(b);
  };
  add(summary?.label ?? summary?.name ?? '/', '/', parts.length === 0);
  parts.forEach((p, i) => {
    const sep = document.createElement('span');
    sep.textContent = '/';
    nav.append(sep);
    add(p, `/${parts.slice(0, i + 1).join('/')}`, i === parts.length - 1);
  });
}

function drawRows(): void {
  const body = $('listing').querySelector('tbody')!;
  body.replaceChildren();
  visible().forEach((r, i) => {
    const tr = document.createElement('tr');
    tr.tabIndex = -1;
    tr.setAttribute('aria-selected', 'false');
    if (r === 'up') {
      tr.className = 'up';
      tr.innerHTML = `<td class="name">..</td><td class="num"></td><td></td>`;
    } else {
      tr.className = r.type === 'directory' ? 'dir' : 'file';
      tr.dataset.name = r.name;
      tr.dataset.size = String(r.size);
      tr.innerHTML = `<td class="name">${esc(r.name)}</td><td class="num" title="${r.size} bytes">${r.type === 'directory' ? '' : human(r.size)}</td><td>${when(r.mtime)}</td>`;
    }
    tr.onclick = () => select(i, true);
    tr.ondblclick = () => void activate(i);
    body.append(tr);
  });
  if (visible().length === 0) body.innerHTML = '<tr><td colspan="3" class="quiet">This folder is empty: drop files here to add them.</td></tr>';
}

function current(): Entry | undefined {
  const r = visible()[selected];
  return r === 'up' ? undefined : r;
}

function select(i: number, focus: boolean): void {
  const trs = [...$('listing').querySelectorAll<HTMLTableRowElement>('tbody tr')];
  selected = Math.max(-1, Math.min(i, visible().length - 1));
  trs.forEach((tr, k) => {
    tr.setAttribute('aria-selected', String(k === selected));
    tr.tabIndex = k === selected ? 0 : -1;
  });
  if (selected >= 0 && focus) {
    trs[selected].focus({ preventScroll: true });
    trs[selected].scrollIntoView({ block: 'nearest' });
  }
  const e = current();
  for (const id of ['rename-button', 'delete-button']) $<HTMLButtonElement>(id).disabled = !e;
  $<HTMLButtonElement>('download-button').disabled = !e || e.type !== 'file';
  void preview(e);
}

async function activate(i: number): Promise<void> {
  const r = visible()[i];
  if (r === undefined) return;
  if (r === 'up') return show(parentOf(cwd), cwd.slice(cwd.lastIndexOf('/') + 1));
  if (r.type === 'directory') return show(r.path);
  return download(r);
}

// ---- preview and downloads -----------------------------------------------------------------------

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml',
  bmp: 'image/bmp', ico: 'image/x-icon', avif: 'image/avif',
};
const TEXT_MAX = 256 << 10;
let previewFor = '';

async function preview(e: Entry | undefined): Promise<void> {
  const box = $('preview');
  const key = e ? `${e.path}\0${e.mtime}\0${e.size}` : '';
  if (key === previewFor) return;
  previewFor = key;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = undefined;
  if (!e || e.type !== 'file') {
    box.hidden = true;
    document.querySelector('main')!.classList.remove('with-preview');
    return;
  }
  box.hidden = false;
  document.querySelector('main')!.classList.add('with-preview');
  box.innerHTML = `<h2>${esc(e.name)}</h2><p class="quiet">${human(e.size)}${e.size >= 1024 ? ` (${e.size} bytes)` : ''} · modified ${when(e.mtime)} UTC</p>`;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Download';
  button.onclick = () => void download(e);
  box.append(button);
  const ext = e.name.includes('.') ? e.name.slice(e.name.lastIndexOf('.') + 1).toLowerCase() : '';
  try {
    if (IMAGE_TYPES[ext] && e.size <= 32 << 20) {
      const blob = await call('file', { path: e.path });
      if (previewFor !== key) return;
      previewUrl = URL.createObjectURL(new Blob([blob], { type: IMAGE_TYPES[ext] }));
      const img = document.createElement('img');
      img.alt = e.name;
      img.src = previewUrl;
      box.append(img);
      return;
    }
    const { bytes } = await call('head', { path: e.path, max: TEXT_MAX });
    if (previewFor !== key) return;
    const sample = bytes.subarray(0, 8192);
    if (e.size > 0 && sample.some((b) => b === 0)) {
      box.insertAdjacentHTML('beforeend', '<p class="quiet">A binary file: no preview.</p>');
      return;
    }
    const pre = document.createElement('pre');
    pre.textContent = new TextDecoder().decode(bytes) + (e.size > bytes.length ? `\n… (first ${human(bytes.length)} of ${human(e.size)})` : '');
    box.append(pre);
  } catch (err) {
    box.insertAdjacentHTML('beforeend', `<p class="quiet">fat: ${esc((err as Error).message)}</p>`);
  }
}

function save(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

async function download(e: Entry): Promise<void> {
  const blob = await run(`reading ${e.path}`, () => call('file', { path: e.path }));
  if (blob) save(blob, e.name);
}

// ---- opening, editing, building --------------------------------------------------------------

async function opened(s: Summary | undefined, path = '/', focusName?: string): Promise<void> {
  if (!s) return;
  summary = s;
  drawSummary();
  $('welcome').hidden = true;
  $('browser').hidden = false;
  await show(path, focusName);
}

async function openImage(file: File): Promise<void> {
  previewFor = '';
  const s = await run(`opening ${file.name}`, () => call('open', { file }));
  if (s) return opened(s);
  // The worker let go of the previous image before trying this one: back to the start.
  summary = undefined;
  $('summary').textContent = '';
  $('welcome').hidden = false;
  $('browser').hidden = true;
  void preview(undefined);
  $<HTMLButtonElement>('image-button').disabled = true;
}

async function change<K extends 'add' | 'mkdir' | 'rm' | 'rename'>(what: string, op: K, args: Requests[K]['args'], focusName?: string): Promise<void> {
  const s = await run(what, () => call(op, args) as Promise<Summary>);
  if (s) await opened(s, cwd, focusName);
}

/** Ask for a line of text in a modal dialog; undefined when cancelled. */
function ask(title: string, prompt: string, value: string): Promise<string | undefined> {
  const dialog = $<HTMLDialogElement>('ask-dialog');
  $('ask-title').textContent = title;
  $('ask-prompt').textContent = prompt;
  const input = $<HTMLInputElement>('ask-input');
  input.value = value;
  dialog.returnValue = '';
  dialog.showModal();
  const dot = value.lastIndexOf('.');
  input.setSelectionRange(0, dot > 0 ? dot : value.length);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' && input.value.trim() !== '' ? input.value.trim() : undefined), { once: true });
  });
}

async function rename(): Promise<void> {
  const e = current();
  if (!e) return;
  const name = await ask(`Rename ${e.name}`, 'New name', e.name);
  if (name && name !== e.name) await change(`renaming ${e.path}`, 'rename', { from: e.path, to: joinPath(cwd, name) }, name);
}

async function remove(): Promise<void> {
  const e = current();
  if (!e) return;
  const dialog = $<HTMLDialogElement>('ask-dialog');
  $('ask-title').textContent = `Delete ${e.name}${e.type === 'directory' ? ' and everything in it' : ''}?`;
  $('ask-label').hidden = true;
  dialog.returnValue = '';
  dialog.showModal();
  $('ask-ok').focus();
  const ok = await new Promise<boolean>((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
  $('ask-label').hidden = false;
  if (!ok) return;
  const next = visible()[selected + 1] ?? visible()[selected - 1];
  await change(`deleting ${e.path}`, 'rm', { path: e.path }, next && next !== 'up' ? next.name : undefined);
}

async function mkdir(): Promise<void> {
  const name = await ask('New folder', 'Name', 'New folder');
  if (name) await change(`making ${joinPath(cwd, name)}`, 'mkdir', { path: joinPath(cwd, name) }, name);
}

async function add(items: Item[]): Promise<void> {
  if (items.length === 0) return;
  const top = items.find((i) => !i.path.includes('/'))?.path ?? items[0].path.split('/')[0];
  await change(`adding ${items.filter((i) => i.type === 'file').length} files to ${cwd}`, 'add', { to: cwd, items }, top);
}

// ---- the new-image dialog ---------------------------------------------------------------------

let chosen: Item[] = [];

/** One dropped or chosen folder becomes the image's root, as `fat make --from DIR` does. */
function choose(items: Item[]): void {
  const tops = new Set(items.map((i) => i.path.split('/')[0]));
  const single = tops.size === 1 && items.some((i) => i.path.includes('/'));
  const folder = single ? [...tops][0] : '';
  chosen = single
    ? items.filter((i) => i.path.includes('/')).map((i) => ({ ...i, path: i.path.slice(folder.length + 1) }))
    : items;
  const files = chosen.filter((i) => i.type === 'file');
  const bytes = files.reduce((s, i) => s + (i.file?.size ?? 0), 0);
  $('new-chosen').textContent = chosen.length
    ? `${files.length} files, ${human(bytes)}${folder ? ` from ${folder}/` : ''}`
    : 'Nothing chosen yet.';
  $<HTMLButtonElement>('new-build').disabled = chosen.length === 0;
  // Once something is chosen, Enter builds.
  if (chosen.length > 0 && $<HTMLDialogElement>('new-dialog').open) $('new-build').focus();
  if (folder) {
    const label = folder.toUpperCase().replace(/[^A-Z0-9 _-]/g, '').slice(0, 11).trim();
    $<HTMLInputElement>('new-label').value = label;
    $<HTMLInputElement>('new-name').value = `${folder}.img`;
  }
}

function newImage(items: Item[] = []): void {
  $<HTMLDialogElement>('new-dialog').showModal();
  choose(items);
}

$<HTMLDialogElement>('new-dialog').addEventListener('close', () => {
  const dialog = $<HTMLDialogElement>('new-dialog');
  if (dialog.returnValue !== 'build' || chosen.length === 0) return;
  dialog.returnValue = '';
  const fat = $<HTMLSelectElement>('new-fat').value;
  const args = {
    items: chosen,
    fatType: fat ? (Number(fat) as 12 | 16 | 32) : null,
    label: $<HTMLInputElement>('new-label').value.trim(),
    name: $<HTMLInputElement>('new-name').value.trim() || 'image.img',
  };
  previewFor = '';
  void run(`building ${args.name}`, () => call('build', args)).then((s) => opened(s));
});

// ---- wiring --------------------------------------------------------------------------------------

const clickInput = (button: string, input: string): void => {
  $(button).onclick = () => $<HTMLInputElement>(input).click();
};
clickInput('open-button', 'open-input');
clickInput('add-files', 'add-files-input');
clickInput('add-folder', 'add-folder-input');
clickInput('new-folder', 'new-folder-input');
clickInput('new-files', 'new-files-input');

const onFiles = (id: string, use: (items: Item[], input: HTMLInputElement) => void): void => {
  const input = $<HTMLInputElement>(id);
  input.onchange = () => {
    const items = fromInput(input);
    use(items, input);
    input.value = '';
  };
};
onFiles('open-input', (items) => items[0]?.file && void openImage(items[0].file));
onFiles('add-files-input', (items) => void add(items));
onFiles('add-folder-input', (items) => void add(items));
onFiles('new-folder-input', (items) => choose(items));
onFiles('new-files-input', (items) => choose(items));

$('new-button').onclick = () => newImage();
// Cancel is not a submit button, so that Enter in a field submits the dialog rather than cancelling it.
for (const b of document.querySelectorAll<HTMLButtonElement>('dialog button.cancel')) b.onclick = () => b.closest('dialog')!.close('cancel');
$('image-button').onclick = async () => {
  const file = await run('preparing the image', () => call('image', {}));
  if (file) save(file, summary?.name ?? 'image.img');
};
$('mkdir-button').onclick = () => void mkdir();
$('rename-button').onclick = () => void rename();
$('delete-button').onclick = () => void remove();
$('download-button').onclick = () => {
  const e = current();
  if (e?.type === 'file') void download(e);
};

$('listing').addEventListener('keydown', (ev) => {
  const n = visible().length;
  const keys: Record<string, () => void> = {
    ArrowDown: () => select(Math.min(n - 1, selected + 1), true),
    ArrowUp: () => select(Math.max(0, selected - 1), true),
    Home: () => select(0, true),
    End: () => select(n - 1, true),
    PageDown: () => select(Math.min(n - 1, selected + 10), true),
    PageUp: () => select(Math.max(0, selected - 10), true),
    Enter: () => void activate(selected),
    Backspace: () => cwd !== '/' && void activate(0),
    F2: () => void rename(),
    Delete: () => void remove(),
  };
  const k = keys[ev.key];
  if (!k || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  ev.preventDefault();
  k();
});

// Drops: on the new-image dialog, its files; with an image open, added here; else open or build.
dropTarget($('new-drop'), async (dt) => choose(await fromDrop(dt)));
dropTarget(document.body, async (dt) => {
  const items = await fromDrop(dt);
  if (items.length === 0) return;
  if (summary) return void add(items);
  const single = items.length === 1 && items[0].type === 'file' && items[0].file;
  if (single) return void openImage(single);
  newImage(items);
});

status('Open an image, or make a new one.');
