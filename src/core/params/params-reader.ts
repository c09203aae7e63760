import type { MlfArchive, MlfModule } from '../archive/archive.js';
import { MlfError } from '../errors/errors.js';
import { indexParams, type ParamIndex, type RangeRead, withParamsMember } from './tensor-index.js';

/** A module's params read in parts: the header-only index and a reader of the file's bytes. */
export interface ParamsReader {
  index: ParamIndex;
  read: RangeRead;
}

/**
 * A module's params as a {@link ParamsReader}: indexed header-only, read by ranges where the
 * archive allows (every reader in this package does), else from the member's bytes. Errors name
 * the member. Null when the module has no params.
 */
export async function openParamsReader(archive: MlfArchive, module: MlfModule): Promise<ParamsReader | null> {
  const path = module.files.params;
  const member = path === null ? undefined : archive.contents.members.get(path);
  if (path === null || member === undefined) return null;
  const located =
    (f: RangeRead): RangeRead =>
    async (o, n) => {
      try {
        return await f(o, n);
      } catch (e) {
        throw e instanceof MlfError ? e.inMember(path) : e;
      }
    };
  let read: RangeRead;
  if (member.readRange !== undefined) read = member.readRange.bind(member);
  else {
    const bytes = await member.read();
    read = async (o, n) => bytes.subarray(o, o + n);
  }
  const index = await withParamsMember(archive, module, (r, size) => indexParams(r, size));
  return index === null ? null : { index, read: located(read) };
}
