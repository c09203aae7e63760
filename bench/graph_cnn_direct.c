/*
 * Hand-written baseline for bench/runner.js: calls graph-cnn's generated operators directly, in
 * node order, on DLTensors set up by hand (no generated plan). Compiled with the archive's
 * codegen and mlf's workspace arena (runtime/src/mlf_backend.c).
 *
 *   graph_cnn_direct INPUT.bin P0.bin P1.bin P2.bin P3.bin REPEAT   -> {"ns":[...]} on stdout
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <tvm/runtime/c_backend_api.h>

#include "mlf_runtime.h"

#define OP(name) int32_t name(TVMValue* args, int* codes, int n, TVMValue* ret, int* ret_code, void* handle)
OP(tvmgen_default_fused_layout_transform);
OP(tvmgen_default_fused_layout_transform_1);
OP(tvmgen_default_fused_expand_dims_expand_dims_layout_transform);
OP(tvmgen_default_fused_nn_contrib_conv2d_NCHWc_add_nn_relu);
OP(tvmgen_default_fused_nn_max_pool2d);
OP(tvmgen_default_fused_layout_transform_nn_batch_flatten);
OP(tvmgen_default_fused_layout_transform_2);
OP(tvmgen_default_fused_nn_contrib_dense_pack_expand_dims_add);
OP(tvmgen_default_fused_nn_softmax);

static float input[768], p0[216], p1[8], p2[5120], p3[10];
static float t_in[768], t_w[216], t_b[8], t_conv[2048], t_pool[512], t_flat[512], t_wp[5120], t_dense[10], t_out[10];
static uint8_t arena[8192] __attribute__((aligned(64)));

static int64_t s_in[] = {1, 3, 16, 16}, s_lt[] = {1, 1, 16, 16, 3}, s_p0[] = {8, 3, 3, 3}, s_w[] = {2, 1, 3, 3, 3, 4};
static int64_t s_p1[] = {8}, s_b[] = {1, 2, 1, 1, 4}, s_conv[] = {1, 2, 16, 16, 4}, s_pool[] = {1, 2, 8, 8, 4};
static int64_t s_flat[] = {1, 512}, s_p2[] = {10, 512}, s_wp[] = {2, 512, 5}, s_p3[] = {10}, s_out[] = {1, 10};

#define T(data, shape) {data, {kDLCPU, 0}, (int32_t)(sizeof shape / sizeof shape[0]), {kDLFloat, 32, 1}, shape, NULL, 0}

static int load(const char* path, void* into, size_t bytes) {
  FILE* f = fopen(path, "rb");
  size_t got = f != NULL ? fread(into, 1, bytes, f) : 0;
  if (f != NULL) fclose(f);
  return got == bytes ? 0 : -1;
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 7 || load(argv[1], input, sizeof input) || load(argv[2], p0, sizeof p0) || load(argv[3], p1, sizeof p1) ||
      load(argv[4], p2, sizeof p2) || load(argv[5], p3, sizeof p3)) {
    fprintf(stderr, "usage: graph_cnn_direct INPUT.bin P0.bin P1.bin P2.bin P3.bin REPEAT\n");
    return 1;
  }
  long repeat = strtol(argv[6], NULL, 10);
  DLTensor in = T(input, s_in), lt = T(t_in, s_lt), w0 = T(p0, s_p0), w = T(t_w, s_w), b0 = T(p1, s_p1), b = T(t_b, s_b);
  DLTensor conv = T(t_conv, s_conv), pool = T(t_pool, s_pool), flat = T(t_flat, s_flat), d0 = T(p2, s_p2), dw = T(t_wp, s_wp);
  DLTensor db = T(p3, s_p3), dense = T(t_dense, s_out), out = T(t_out, s_out);
  TVMValue a1[] = {{.v_handle = &in}, {.v_handle = &lt}}, a3[] = {{.v_handle = &w0}, {.v_handle = &w}};
  TVMValue a5[] = {{.v_handle = &b0}, {.v_handle = &b}}, a6[] = {{.v_handle = &lt}, {.v_handle = &w}, {.v_handle = &b}, {.v_handle = &conv}};
  TVMValue a7[] = {{.v_handle = &conv}, {.v_handle = &pool}}, a8[] = {{.v_handle = &pool}, {.v_handle = &flat}};
  TVMValue a10[] = {{.v_handle = &d0}, {.v_handle = &dw}}, a12[] = {{.v_handle = &flat}, {.v_handle = &dw}, {.v_handle = &db}, {.v_handle = &dense}};
  TVMValue a13[] = {{.v_handle = &dense}, {.v_handle = &out}};
  int codes[4] = {kTVMDLTensorHandle, kTVMDLTensorHandle, kTVMDLTensorHandle, kTVMDLTensorHandle};
  TVMValue ret;
  int ret_code;
  int64_t* times = malloc((size_t)repeat * sizeof *times);
  mlf_workspace_init(arena, sizeof arena);
  for (long r = -1; r < repeat; r++) {
    int64_t t0 = now_ns();
    int bad = tvmgen_default_fused_layout_transform(a1, codes, 2, &ret, &ret_code, NULL) |
              tvmgen_default_fused_layout_transform_1(a3, codes, 2, &ret, &ret_code, NULL) |
              tvmgen_default_fused_expand_dims_expand_dims_layout_transform(a5, codes, 2, &ret, &ret_code, NULL) |
              tvmgen_default_fused_nn_contrib_conv2d_NCHWc_add_nn_relu(a6, codes, 4, &ret, &ret_code, NULL) |
              tvmgen_default_fused_nn_max_pool2d(a7, codes, 2, &ret, &ret_code, NULL) |
              tvmgen_default_fused_layout_transform_nn_batch_flatten(a8, codes, 2, &ret, &ret_code, NULL) |
              tvmgen_default_fused_layout_transform_2(a10, codes, 2, &ret, &ret_code, NULL) |
              tvmgen_default_fused_nn_contrib_dense_pack_expand_dims_add(a12, codes, 4, &ret, &ret_code, NULL) |
              tvmgen_default_fused_nn_softmax(a13, codes, 2, &ret, &ret_code, NULL);
    int64_t t1 = now_ns();
    if (bad != 0) {
      fprintf(stderr, "an operator failed: %s\n", TVMGetLastError());
      return 1;
    }
    if (r >= 0) times[r] = t1 - t0;
  }
  printf("{\"out0\":%.9g,\"ns\":[", (double)t_out[0]);
  for (long r = 0; r < repeat; r++) printf("%s%lld", r > 0 ? "," : "", (long long)times[r]);
  printf("]}\n");
  free(times);
  return 0;
}
