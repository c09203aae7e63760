/*
 * Runtime support of the mlf host runner (not part of TVM's API): the workspace arena behind
 * TVMBackendAllocWorkspace and the .params loader used by generated model plans.
 */
#ifndef MLF_RUNTIME_H_
#define MLF_RUNTIME_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hands the arena (64-byte aligned) to TVMBackendAllocWorkspace; resets it. */
void mlf_workspace_init(void* arena, size_t bytes);

/* Size of the arena and the most of it ever in use, in bytes. */
size_t mlf_workspace_size(void);
size_t mlf_workspace_peak(void);

/* Where one named parameter goes, and what it must be. */
typedef struct {
  const char* name;
  void* data;
  size_t bytes;
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
  int32_t ndim;
  const int64_t* shape;
} mlf_param_slot;

/*
 * Copies the tensors of a TVM param dict (docs/format.md §6) into their slots, which must be sorted
 * by name (byte order; slots may share a name). `seen` is scratch space of num_slots bytes. Names
 * that match no slot are ignored, as TVM's graph executor does; a slot without a tensor, a tensor
 * given twice, a dtype, shape or size mismatch, or a malformed blob is an error (-1, message in
 * TVMGetLastError()), and nothing is ever written past a slot's `bytes`.
 */
int mlf_params_load(const uint8_t* blob, size_t size, const mlf_param_slot* slots, uint8_t* seen, int num_slots);

/* Error helper: sets the last error to `a` + `b` + `c` (any may be NULL) and returns -1. */
int mlf_fail(const char* a, const char* b, const char* c);

/* Decimal text of `v` in `buf` (at least 21 bytes); returns buf. */
char* mlf_u64_text(uint64_t v, char* buf);

#ifdef __cplusplus
}
#endif
#endif /* MLF_RUNTIME_H_ */
