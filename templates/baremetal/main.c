/*
 * Bare-metal driver of a firmware made by `mlf project --template <board>`. For every module
 * named on the command line (all modules by default), in order:
 *
 *   1. init: params from the firmware, or from m<k>.params when the module loads them (heap);
 *   2. inputs: m<k>.in<i>.bin, raw bytes in the model's input order (k = module index);
 *   3. one inference between two readings of the instruction counter, with the stack painted
 *      below this frame and the workspace arena painted, so both are measured afterwards;
 *   4. outputs: m<k>.out<i>.bin; one JSON line per module in mlf-report.json and on the console.
 *
 * Command line (semihosting): [-m MODULE]...   Files are relative to the host's working folder.
 * Exit status: see mlf_firmware.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tvm/runtime/c_runtime_api.h>

#include "mlf_board.h"
#include "mlf_firmware.h"
#include "mlf_runtime.h"

#define REPORT_PATH "mlf-report.json"
#define CMDLINE_BYTES 512
#define TEXT_BYTES 768

/*
 * A bounded text buffer for file names and report lines (no printf needed). The driver's buffers
 * are static, so its own stack use stays small beside the model's.
 */
typedef struct {
  char data[TEXT_BYTES];
  size_t used;
} text_t;

static void text_add(text_t* t, const char* s) {
  while (*s != '\0' && t->used + 1 < sizeof t->data) t->data[t->used++] = *s++;
  t->data[t->used] = '\0';
}

static void text_num(text_t* t, uint64_t v) {
  char digits[21];
  text_add(t, mlf_u64_text(v, digits));
}

/* A JSON string: printable ASCII as is, everything else escaped. */
static void text_json(text_t* t, const char* s) {
  text_add(t, "\"");
  for (const unsigned char* p = (const unsigned char*)s; *p != '\0'; p++) {
    char one[7] = {0};
    if (*p == '"' || *p == '\\') {
      one[0] = '\\';
      one[1] = (char)*p;
    } else if (*p >= 0x20 && *p < 0x7F) {
      one[0] = (char)*p;
    } else {
      memcpy(one, "\\u00", 4);
      one[4] = "0123456789abcdef"[*p >> 4];
      one[5] = "0123456789abcdef"[*p & 0xF];
    }
    text_add(t, one);
  }
  text_add(t, "\"");
}

/* "m<k>.<what><i>.bin" style names: only numbers from us, never names from the archive. */
static const char* file_name(text_t* t, int module, const char* what, int index, const char* ext) {
  t->used = 0;
  text_add(t, "m");
  text_num(t, (uint64_t)module);
  text_add(t, ".");
  text_add(t, what);
  if (index >= 0) text_num(t, (uint64_t)index);
  text_add(t, ext);
  return t->data;
}

static int report_handle = -1;

static void report(const text_t* line) {
  mlf_board_puts(line->data);
  mlf_board_puts("\n");
  if (report_handle >= 0) {
    mlf_board_write(report_handle, line->data, line->used);
    mlf_board_write(report_handle, "\n", 1);
  }
}

static int fail(int module, const char* what, const char* detail, int status) {
  static text_t line;
  line.used = 0;
  line.data[0] = '\0';
  text_add(&line, "{\"module\":");
  text_json(&line, module >= 0 ? mlf_modules[module].name : "");
  text_add(&line, ",\"error\":");
  static text_t msg;
  msg.used = 0;
  msg.data[0] = '\0';
  text_add(&msg, what);
  if (detail != NULL && detail[0] != '\0') {
    text_add(&msg, ": ");
    text_add(&msg, detail);
  }
  text_json(&line, msg.data);
  text_add(&line, "}");
  report(&line);
  return status;
}

/* Reads a whole file of exactly `bytes` into `data`; -1 when missing or of another size. */
static int read_exact(const char* path, void* data, size_t bytes) {
  int h = mlf_board_open(path, 0);
  if (h < 0) return -1;
  long size = mlf_board_size(h);
  int ok = size >= 0 && (size_t)size == bytes && (bytes == 0 || mlf_board_read(h, data, bytes) == 0);
  mlf_board_close(h);
  return ok ? 0 : -1;
}

static int write_all(const char* path, const void* data, size_t bytes) {
  int h = mlf_board_open(path, 1);
  if (h < 0) return -1;
  int ok = bytes == 0 || mlf_board_write(h, data, bytes) == 0;
  mlf_board_close(h);
  return ok ? 0 : -1;
}

/* The arena is painted word by word; the highest word no longer holding the pattern ends its use. */
static void arena_paint(void) {
  uint32_t* words = (uint32_t*)mlf_workspace_base();
  for (size_t i = 0; i < mlf_workspace_size() / 4u; i++) words[i] = MLF_PAINT_WORD;
}

static size_t arena_touched(void) {
  const uint32_t* words = (const uint32_t*)mlf_workspace_base();
  for (size_t i = mlf_workspace_size() / 4u; i > 0; i--) {
    if (words[i - 1] != MLF_PAINT_WORD) return i * 4u;
  }
  return 0;
}

static uintptr_t lowest_stack; /* the deepest the stack has been, over the whole program */

static void note_stack(void) {
  uintptr_t low = mlf_stack_lowest();
  if (low < lowest_stack) lowest_stack = low;
}

/* Loads the params a module reads at run time into a heap buffer (freed after init). */
static int init_module(int k) {
  const mlf_module* m = &mlf_modules[k];
  static text_t name;
  name.used = 0;
  name.data[0] = '\0';
  uint8_t* params = NULL;
  size_t params_bytes = 0;
  if (m->params_required) {
    int h = mlf_board_open(file_name(&name, k, "params", -1, ""), 0);
    long size = h < 0 ? -1 : mlf_board_size(h);
    if (size < 0) return fail(k, "cannot read the params file", name.data, MLF_EXIT_USAGE);
    params = malloc(size > 0 ? (size_t)size : 1u);
    if (params == NULL) {
      mlf_board_close(h);
      return fail(k, "the heap cannot hold the params file; give the board more RAM or embed the params", name.data, MLF_EXIT_RUN_FAILED);
    }
    params_bytes = (size_t)size;
    int ok = params_bytes == 0 || mlf_board_read(h, params, params_bytes) == 0;
    mlf_board_close(h);
    if (!ok) return fail(k, "cannot read the params file", name.data, MLF_EXIT_USAGE);
  }
  int status = m->init(params, params_bytes);
  free(params);
  return status == 0 ? 0 : fail(k, "initialisation failed", TVMGetLastError(), MLF_EXIT_RUN_FAILED);
}

#ifdef MLF_STACK_PROBE
/*
 * Check of the stack measurement (built with -DMLF_STACK_PROBE=N by the tests): the inference
 * runs one call deeper, below N written bytes, so the measured peak must grow by at least N.
 */
__attribute__((noinline)) static int run_deeper(int (*run)(void)) {
  volatile uint8_t pad[MLF_STACK_PROBE];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = (uint8_t)i;
  int status = run();
  return status + (pad[0] != 0);
}
#define MLF_RUN(m) run_deeper((m)->run)
#else
#define MLF_RUN(m) (m)->run()
#endif

static int run_module(int k) {
  const mlf_module* m = &mlf_modules[k];
  static text_t name;
  name.used = 0;
  name.data[0] = '\0';
  int status = init_module(k);
  if (status != 0) return status;
  for (int i = 0; i < m->num_inputs; i++) {
    if (read_exact(file_name(&name, k, "in", i, ".bin"), m->inputs[i].data, m->inputs[i].bytes) != 0) {
      return fail(k, "missing input file, or its size differs from the model input", name.data, MLF_EXIT_USAGE);
    }
  }
  arena_paint();
  note_stack();
  uintptr_t sp = mlf_stack_paint();
  uint64_t t0 = mlf_counter_read();
  status = MLF_RUN(m);
  uint64_t t1 = mlf_counter_read();
  uintptr_t low = mlf_stack_lowest();
  if (low < lowest_stack) lowest_stack = low;
  if (low <= mlf_stack_limit()) return fail(k, "the stack overflowed (all of it was used); give the board a larger stackBytes", NULL, MLF_EXIT_STACK_OVERFLOW);
  if (status != 0) return fail(k, "inference failed", TVMGetLastError(), MLF_EXIT_RUN_FAILED);
  for (int i = 0; i < m->num_outputs; i++) {
    if (write_all(file_name(&name, k, "out", i, ".bin"), m->outputs[i].data, m->outputs[i].bytes) != 0) {
      return fail(k, "cannot write", name.data, MLF_EXIT_USAGE);
    }
  }
  static text_t line;
  line.used = 0;
  line.data[0] = '\0';
  text_add(&line, "{\"module\":");
  text_json(&line, m->name);
  text_add(&line, ",\"index\":");
  text_num(&line, (uint64_t)k);
  text_add(&line, ",\"instructions\":");
  text_num(&line, mlf_counter_instructions(t0, t1));
  text_add(&line, ",\"stack_peak\":");
  text_num(&line, sp - low);
  text_add(&line, ",\"arena_bytes\":");
  text_num(&line, mlf_workspace_size());
  text_add(&line, ",\"arena_peak\":");
  text_num(&line, mlf_workspace_peak());
  text_add(&line, ",\"arena_touched\":");
  text_num(&line, arena_touched());
  text_add(&line, "}");
  report(&line);
  return 0;
}

/* Which modules to run: the -m names, or every module. */
static int choose(char* cmdline, unsigned char* chosen) {
  int any = 0;
  static char* words[CMDLINE_BYTES / 2];
  int n = 0;
  for (char* p = cmdline; *p != '\0';) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    words[n++] = p;
    while (*p != '\0' && *p != ' ') p++;
  }
  for (int w = 1; w < n; w++) { /* words[0] is the program name */
    if (strcmp(words[w], "-m") != 0 || w + 1 == n) return fail(-1, "usage: [-m MODULE]...; got", words[w], MLF_EXIT_USAGE);
    const char* want = words[++w];
    int found = 0;
    for (int k = 0; k < mlf_num_modules; k++) {
      if (strcmp(mlf_modules[k].name, want) == 0) chosen[k] = found = any = 1;
    }
    if (!found) return fail(-1, "no module named", want, MLF_EXIT_USAGE);
  }
  if (!any) memset(chosen, 1, (size_t)mlf_num_modules);
  return 0;
}

int main(void) {
  static char cmdline[CMDLINE_BYTES];
  static unsigned char chosen[256];
  lowest_stack = mlf_stack_top();
  mlf_counter_init();
  report_handle = mlf_board_open(REPORT_PATH, 1);
  if (report_handle < 0) return fail(-1, "cannot write", REPORT_PATH, MLF_EXIT_USAGE);
  if (mlf_num_modules > (int)sizeof chosen) return fail(-1, "too many modules for this driver", NULL, MLF_EXIT_USAGE);
  mlf_board_cmdline(cmdline, sizeof cmdline);
  int status = choose(cmdline, chosen);
  for (int k = 0; status == 0 && k < mlf_num_modules; k++) {
    if (chosen[k]) status = run_module(k);
  }
  note_stack();
  static text_t line;
  line.used = 0;
  line.data[0] = '\0';
  text_add(&line, "{\"firmware\":{\"status\":");
  text_num(&line, (uint64_t)status);
  text_add(&line, ",\"counter_error\":");
  int64_t error = mlf_counter_check();
  text_add(&line, error < 0 ? "-" : "");
  text_num(&line, (uint64_t)(error < 0 ? -error : error));
  text_add(&line, ",\"stack_bytes\":");
  text_num(&line, mlf_stack_top() - mlf_stack_limit());
  text_add(&line, ",\"stack_peak\":");
  text_num(&line, mlf_stack_top() - lowest_stack);
  text_add(&line, "}}");
  report(&line);
  mlf_board_close(report_handle);
  return status;
}
