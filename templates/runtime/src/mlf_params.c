/*
 * Loader for TVM's param dict format (docs/format.md §6): little-endian u64 list magic, reserved,
 * names, then one NDArray record per name. Reads byte by byte, so the blob needs no alignment;
 * every length is checked against the bytes left before it is used.
 *
 * Slots are sorted by name (byte order), so each name is found by binary search, and `seen`
 * marks each slot once: a tensor the blob holds twice, a slot the blob lacks, or a tensor whose
 * dtype, shape or size differs from its slot is an error, and nothing is copied past a slot.
 */
#include <string.h>
#include <tvm/runtime/c_runtime_api.h>

#include "mlf_runtime.h"

#define LIST_MAGIC 0xF7E58D4F05049CB7ull
#define ARRAY_MAGIC 0xDD5E40F096B4A13Full

typedef struct {
  const uint8_t* p;
  size_t left;
} reader;

static int take(reader* r, uint64_t n, const uint8_t** out) {
  if (n > (uint64_t)r->left) return -1;
  *out = r->p;
  r->p += (size_t)n;
  r->left -= (size_t)n;
  return 0;
}

static int read_u64(reader* r, uint64_t* v) {
  const uint8_t* b;
  if (take(r, 8, &b) != 0) return -1;
  *v = 0;
  for (int i = 7; i >= 0; i--) *v = (*v << 8) | b[i];
  return 0;
}

static int read_u32(reader* r, uint32_t* v) {
  const uint8_t* b;
  if (take(r, 4, &b) != 0) return -1;
  *v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
  return 0;
}

static int truncated(void) { return mlf_fail("params: the blob ends inside a record", NULL, NULL); }

/* Orders a blob name (not NUL-terminated) against a slot name: <0, 0, >0 like memcmp. */
static int compare(const uint8_t* name, size_t len, const char* slot) {
  size_t n = strlen(slot);
  int c = memcmp(name, slot, len < n ? len : n);
  if (c != 0) return c;
  return len < n ? -1 : len > n ? 1 : 0;
}

/* First slot whose name is not below `name` (binary search over the sorted slots). */
static int lower_bound(const uint8_t* name, size_t len, const mlf_param_slot* slots, int num_slots) {
  int lo = 0, hi = num_slots;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (compare(name, len, slots[mid].name) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Reads one NDArray record and copies it into slots[first..last) (none when first == last). */
static int load_array(reader* r, const char* name, const mlf_param_slot* slots, int first, int last) {
  uint64_t magic, reserved, size;
  uint32_t device_type, device_id, ndim, dtype;
  if (read_u64(r, &magic) || read_u64(r, &reserved) || read_u32(r, &device_type) || read_u32(r, &device_id) ||
      read_u32(r, &ndim) || read_u32(r, &dtype)) {
    return truncated();
  }
  (void)reserved;
  (void)device_id;
  if (magic != ARRAY_MAGIC) return mlf_fail("params: bad array magic for ", name, NULL);
  if (device_type != kDLCPU) return mlf_fail("params: ", name, " is not a CPU tensor");
  int shape_ok = 1;
  for (uint32_t d = 0; d < ndim; d++) {
    uint64_t dim;
    if (read_u64(r, &dim)) return truncated();
    for (int s = first; s < last; s++)
      if ((int64_t)d >= (int64_t)slots[s].ndim || (uint64_t)slots[s].shape[d] != dim) shape_ok = 0;
  }
  const uint8_t* data;
  if (read_u64(r, &size) || take(r, size, &data)) return truncated();
  uint8_t code = (uint8_t)(dtype & 0xffu), bits = (uint8_t)((dtype >> 8) & 0xffu);
  uint16_t lanes = (uint16_t)(dtype >> 16);
  for (int s = first; s < last; s++) {
    const mlf_param_slot* slot = &slots[s];
    if (code != slot->code || bits != slot->bits || lanes != slot->lanes)
      return mlf_fail("params: ", name, " has a different dtype than the graph expects");
    if (!shape_ok || (int64_t)ndim != (int64_t)slot->ndim)
      return mlf_fail("params: ", name, " has a different shape than the graph expects");
    if (size != (uint64_t)slot->bytes)
      return mlf_fail("params: ", name, " has a different byte size than the graph expects");
  }
  for (int s = first; s < last; s++) memcpy(slots[s].data, data, slots[s].bytes);
  return 0;
}

/* Reads the next name of the name list. */
static int next_name(reader* names, const uint8_t** name, size_t* len) {
  uint64_t n;
  if (read_u64(names, &n) || take(names, n, name)) return -1;
  *len = (size_t)n;
  return 0;
}

int mlf_params_load(const uint8_t* blob, size_t size, const mlf_param_slot* slots, uint8_t* seen, int num_slots) {
  reader r = {blob, size};
  uint64_t magic, reserved, count, arrays;
  const uint8_t* name;
  size_t len;
  if (blob == NULL) return mlf_fail("params: no params given", NULL, NULL);
  for (int s = 0; s + 1 < num_slots; s++)
    if (strcmp(slots[s].name, slots[s + 1].name) > 0) return mlf_fail("params: slots are not sorted by name", NULL, NULL);
  if (num_slots > 0) memset(seen, 0, (size_t)num_slots);
  if (read_u64(&r, &magic) || read_u64(&r, &reserved) || read_u64(&r, &count)) return truncated();
  (void)reserved;
  if (magic != LIST_MAGIC) return mlf_fail("params: not a TVM param dict (bad magic)", NULL, NULL);
  /* Walk the names once to find the arrays; `names` then walks them again beside the arrays.
   * Each name takes at least 8 bytes, so `count` is bounded by the blob. */
  reader names = r;
  for (uint64_t i = 0; i < count; i++) {
    if (next_name(&r, &name, &len)) return truncated();
  }
  if (read_u64(&r, &arrays)) return truncated();
  if (arrays != count) return mlf_fail("params: name and array counts differ", NULL, NULL);
  for (uint64_t i = 0; i < count; i++) {
    if (next_name(&names, &name, &len)) return truncated();
    int first = lower_bound(name, len, slots, num_slots), last = first;
    while (last < num_slots && compare(name, len, slots[last].name) == 0) last++;
    if (first < last && seen[first]) return mlf_fail("params: the blob holds ", slots[first].name, " twice");
    if (load_array(&r, first < last ? slots[first].name : "a tensor", slots, first, last) != 0) return -1;
    for (int s = first; s < last; s++) seen[s] = 1;
  }
  for (int s = 0; s < num_slots; s++)
    if (!seen[s]) return mlf_fail("params: the blob has no tensor named ", slots[s].name, NULL);
  return 0;
}
