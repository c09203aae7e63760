/** TVM's SanitizeName: every UTF-8 byte that is not an ASCII letter or digit becomes `_` (docs/format.md §8.2). */
export function sanitizeCName(name: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(name)) {
    const alnum = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
    out += alnum ? String.fromCharCode(b) : '_';
  }
  return out;
}
