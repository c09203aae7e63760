/*
 * Runtime functions TVM-generated code calls (docs/format.md §8.1), without stdio so that the file
 * also builds for bare-metal targets: a stack-like workspace arena, the last-error buffer and
 * TVMPlatformAbort.
 */
#include <stdlib.h>
#include <string.h>
#include <tvm/runtime/c_backend_api.h>
#include <tvm/runtime/crt/platform.h>

#include "mlf_runtime.h"

#define MLF_WS_ALIGN 64u /* kTempAllocaAlignment */
#ifndef MLF_WS_MAX_BLOCKS
#define MLF_WS_MAX_BLOCKS 64 /* workspace blocks in use at once (AOT mains hold one per tensor) */
#endif

static char last_error[256];

static uint8_t* ws_base;
static size_t ws_size;
static size_t ws_top;
static size_t ws_peak;
static int ws_count;
static struct {
  size_t start; /* ws_top before the block: freeing it gives this back, padding included */
  int live;
} ws_blocks[MLF_WS_MAX_BLOCKS];

void TVMAPISetLastError(const char* msg) {
  size_t n = strlen(msg);
  if (n >= sizeof last_error) n = sizeof last_error - 1;
  memcpy(last_error, msg, n);
  last_error[n] = '\0';
}

const char* TVMGetLastError(void) { return last_error; }

void TVMPlatformAbort(tvm_crt_error_t code) {
  (void)code;
  abort();
}

char* mlf_u64_text(uint64_t v, char* buf) {
  char tmp[21];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0u);
  for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return buf;
}

/* Appends `s` to the NUL-terminated message in `msg` (capacity: the last-error buffer). */
static void append(char* msg, size_t* used, const char* s) {
  for (const char* p = s; p != NULL && *p != '\0' && *used + 1 < sizeof last_error; p++) msg[(*used)++] = *p;
  msg[*used] = '\0';
}

int mlf_fail(const char* a, const char* b, const char* c) {
  char msg[sizeof last_error];
  size_t used = 0;
  msg[0] = '\0';
  append(msg, &used, a);
  append(msg, &used, b);
  append(msg, &used, c);
  TVMAPISetLastError(msg);
  return -1;
}

void mlf_workspace_init(void* arena, size_t bytes) {
  ws_base = (uint8_t*)arena;
  ws_size = bytes;
  ws_top = 0;
  ws_peak = 0;
  ws_count = 0;
}

size_t mlf_workspace_size(void) { return ws_size; }

size_t mlf_workspace_peak(void) { return ws_peak; }

void* TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes, int dtype_code_hint,
                               int dtype_bits_hint) {
  char num[21];
  (void)device_id;
  (void)dtype_code_hint;
  (void)dtype_bits_hint;
  if (device_type != kDLCPU) {
    mlf_fail("TVMBackendAllocWorkspace: only CPU memory (device type 1) is available", NULL, NULL);
    return NULL;
  }
  if (ws_count == MLF_WS_MAX_BLOCKS) {
    mlf_fail("TVMBackendAllocWorkspace: too many workspace blocks in use; rebuild with a larger -DMLF_WS_MAX_BLOCKS", NULL, NULL);
    return NULL;
  }
  /* Blocks start on 64-byte boundaries of a 64-byte aligned arena. */
  size_t start = (ws_top + (MLF_WS_ALIGN - 1u)) & ~(size_t)(MLF_WS_ALIGN - 1u);
  if (start > ws_size || nbytes > (uint64_t)(ws_size - start)) {
    char msg[sizeof last_error];
    size_t used = 0;
    append(msg, &used, "workspace arena exhausted: an operator asked for ");
    append(msg, &used, mlf_u64_text(nbytes, num));
    append(msg, &used, " bytes while ");
    append(msg, &used, mlf_u64_text(ws_top, num));
    append(msg, &used, " of ");
    append(msg, &used, mlf_u64_text(ws_size, num));
    append(msg, &used, " were in use; rebuild with a larger -DMLF_WORKSPACE_BYTES");
    TVMAPISetLastError(msg);
    return NULL;
  }
  ws_blocks[ws_count].start = ws_top;
  ws_blocks[ws_count].live = 1;
  ws_count++;
  ws_top = start + (size_t)nbytes;
  if (ws_top > ws_peak) ws_peak = ws_top;
  return ws_base + start;
}

int TVMBackendFreeWorkspace(int device_type, int device_id, void* ptr) {
  (void)device_type;
  (void)device_id;
  for (int i = ws_count - 1; i >= 0; i--) {
    size_t start = (ws_blocks[i].start + (MLF_WS_ALIGN - 1u)) & ~(size_t)(MLF_WS_ALIGN - 1u);
    if (ws_blocks[i].live && ws_base + start == (uint8_t*)ptr) {
      ws_blocks[i].live = 0;
      /* Frees usually come in reverse order; others wait until the blocks above them go. */
      while (ws_count > 0 && !ws_blocks[ws_count - 1].live) {
        ws_count--;
        ws_top = ws_blocks[ws_count].start;
      }
      return 0;
    }
  }
  return mlf_fail("TVMBackendFreeWorkspace: pointer was not allocated from the workspace", NULL, NULL);
}
