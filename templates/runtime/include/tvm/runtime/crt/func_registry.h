/*
 * The function registry of a TVM system library (docs/format.md §8.3): a names blob (u16 count, then
 * NUL-terminated names) and the functions in the same order.
 */
#ifndef TVM_RUNTIME_CRT_FUNC_REGISTRY_H_
#define TVM_RUNTIME_CRT_FUNC_REGISTRY_H_

#include <tvm/runtime/c_backend_api.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TVMFuncRegistry {
  const char* names;
  const TVMBackendPackedCFunc* funcs;
} TVMFuncRegistry;

#ifdef __cplusplus
}
#endif
#endif /* TVM_RUNTIME_CRT_FUNC_REGISTRY_H_ */
