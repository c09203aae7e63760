/*
 * Loader for TVM's param dict format (docs/format.md §6): little-endian u64 list magic, reserved,
 * names, then one NDArray record per name. Reads byte by byte, so the blob needs no alignment.
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

static int take(reader* r, size_t n, const uint8_t** out) {
  if (n > r->left) return -1;
  *out = r->p;
  r->p += n;
  r->left -= n;
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

/* Reads one NDArray record and copies it into `slot` (when not NULL). */
static int load_array(reader* r, const char* name, const mlf_param_slot* slot) {
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
  for (uint32_t d = 0; d < ndim; d++) {
    uint64_t dim;
    if (read_u64(r, &dim)) return truncated();
  }
  const uint8_t* data;
  if (read_u64(r, &size) || take(r, (size_t)size, &data)) return truncated();
  if (slot == NULL) return 0;
  uint8_t code = (uint8_t)(dtype & 0xffu), bits = (uint8_t)((dtype >> 8) & 0xffu);
  uint16_t lanes = (uint16_t)(dtype >> 16);
  if (code != slot->code || bits != slot->bits || lanes != slot->lanes) {
    return mlf_fail("params: ", name, " has a different dtype than the graph expects");
  }
  if (size != (uint64_t)slot->bytes) return mlf_fail("params: ", name, " has a different byte size than the graph expects");
  memcpy(slot->data, data, slot->bytes);
  return 0;
}

/* Reads the next name of the name list. */
static int next_name(reader* names, const uint8_t** name, size_t* len) {
  uint64_t n;
  if (read_u64(names, &n) || take(names, (size_t)n, name)) return -1;
  *len = (size_t)n;
  return 0;
}

static const mlf_param_slot* find_slot(const uint8_t* name, size_t len, const mlf_param_slot* slots, int num_slots) {
  for (int s = 0; s < num_slots; s++) {
    if (strlen(slots[s].name) == len && memcmp(slots[s].name, name, len) == 0) return &slots[s];
  }
  return NULL;
}

int mlf_params_load(const uint8_t* blob, size_t size, const mlf_param_slot* slots, int num_slots) {
  reader r = {blob, size};
  uint64_t magic, reserved, count, arrays;
  const uint8_t* name;
  size_t len;
  if (blob == NULL) return mlf_fail("params: no params given", NULL, NULL);
  if (read_u64(&r, &magic) || read_u64(&r, &reserved) || read_u64(&r, &count)) return truncated();
  (void)reserved;
  if (magic != LIST_MAGIC) return mlf_fail("params: not a TVM param dict (bad magic)", NULL, NULL);
  /* Walk the names once to find the arrays; `names` then walks them again beside the arrays. */
  reader names = r;
  for (uint64_t i = 0; i < count; i++) {
    if (next_name(&r, &name, &len)) return truncated();
  }
  if (read_u64(&r, &arrays)) return truncated();
  if (arrays != count) return mlf_fail("params: name and array counts differ", NULL, NULL);
  int matched = 0;
  for (uint64_t i = 0; i < count; i++) {
    if (next_name(&names, &name, &len)) return truncated();
    const mlf_param_slot* slot = find_slot(name, len, slots, num_slots);
    if (slot != NULL) matched++;
    if (load_array(&r, slot != NULL ? slot->name : "a tensor", slot) != 0) return -1;
  }
  if (matched < num_slots) {
    /* Name the first slot the blob lacks. */
    for (int s = 0; s < num_slots; s++) {
      reader again = {blob + 24, size - 24};
      int seen = 0;
      for (uint64_t i = 0; i < count && !seen; i++) {
        if (next_name(&again, &name, &len)) return truncated();
        seen = strlen(slots[s].name) == len && memcmp(slots[s].name, name, len) == 0;
      }
      if (!seen) return mlf_fail("params: the blob has no tensor named ", slots[s].name, NULL);
    }
  }
  return 0;
}
