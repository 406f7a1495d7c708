/** serve(Request): the Web-standard face of src/serve's handle() over a module's store. */
import { coreRequestOf, handle, webResponseOf } from '../../serve/handle.js';
import type { ReadOnlyStore } from '../../serve/store.js';
import type { ServeOptions } from './api.js';
import type { CrunchFile } from './serve-store.js';

export async function serve(store: ReadOnlyStore<CrunchFile>, request: Request, options?: ServeOptions): Promise<Response | undefined> {
  const result = await handle(store, coreRequestOf(request), options);
  return result && webResponseOf(result);
}
