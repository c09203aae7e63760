/*
 * Host driver of a model project made by `mlf project`: reads inputs from raw files, runs one
 * module of the project REPEAT times timing each run with clock_gettime, writes the outputs as raw
 * files and prints the timings as one JSON line on stdout.
 *
 *   mlf_model [-m MODULE | -k INDEX] [-p model.params] [-n REPEAT] [-i input.bin]... [-o OUTDIR]
 *
 * The module is chosen by name or by its index in mlf_modules[]; a project of one module needs
 * neither. Inputs are given in the module's input order; missing ones stay zero. Outputs are
 * written as OUTDIR/output<i>.bin in the module's output order.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tvm/runtime/c_runtime_api.h>

#include "mlf_model.h"
#include "mlf_runtime.h"


static int fail(const char* what, const char* detail) {
  fprintf(stderr, "mlf_model: error: %s%s%s\n", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
  return 1;
}

/* Reads a whole file into a fresh buffer. */
static uint8_t* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  uint8_t* data = NULL;
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    data = malloc(n > 0 ? (size_t)n : 1u);
    if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
      free(data);
      data = NULL;
    }
  }
  fclose(f);
  *size = n >= 0 ? (size_t)n : 0u;
  return data;
}

static int write_file(const char* path, const void* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (f == NULL) return -1;
  size_t written = fwrite(data, 1, size, f);
  return fclose(f) == 0 && written == size ? 0 : -1;
}

/* A JSON string: printable ASCII as is, everything else escaped. */
static void print_json_string(const char* s) {
  putchar('"');
  for (const unsigned char* p = (const unsigned char*)s; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p >= 0x20 && *p < 0x7f) putchar(*p);
    else printf("\\u%04x", *p);
  }
  putchar('"');
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The module named by -m or numbered by -k, or the only one; NULL with a message otherwise. */
static const mlf_module* choose(const char* name, const char* index) {
  if (name != NULL) {
    for (int k = 0; k < mlf_num_modules; k++) {
      if (strcmp(mlf_modules[k].name, name) == 0) return &mlf_modules[k];
    }
    fail("no module named", name);
    return NULL;
  }
  if (index != NULL) {
    char* end = NULL;
    long k = strtol(index, &end, 10);
    if (*index != '\0' && *end == '\0' && k >= 0 && k < mlf_num_modules) return &mlf_modules[k];
    fail("-k needs a module index below the number of modules", index);
    return NULL;
  }
  if (mlf_num_modules == 1) return &mlf_modules[0];
  fail("the project holds several modules; choose one with -m NAME or -k INDEX", NULL);
  return NULL;
}

int main(int argc, char** argv) {
  /* Every path out goes through `done`, which frees what was allocated (no leak on errors). */
  int status = 1;
  const char* module_name = NULL;
  const char* module_index = NULL;
  const char* params_path = NULL;
  const char* out_dir = NULL;
  size_t params_size = 0;
  uint8_t* params = NULL;
  int64_t* times = NULL;
  int num_files = 0;
  long repeat = 1;
  const mlf_module* m = NULL;
  /* One slot per argument at most: a model may have hundreds of inputs (checked once chosen). */
  size_t slots = (size_t)(argc > 0 ? argc : 1);
  const char** inputs = malloc(slots * sizeof *inputs);
  uint8_t** saved = calloc(slots, sizeof *saved);
  if (inputs == NULL || saved == NULL) {
    status = fail("out of memory", NULL);
    goto done;
  }
  for (int a = 1; a < argc; a += 2) { /* every option takes one value */
    const char* v = a + 1 < argc ? argv[a + 1] : NULL;
    if (v == NULL) {
      status = fail("missing value after", argv[a]);
      goto done;
    }
    if (strcmp(argv[a], "-m") == 0) module_name = v;
    else if (strcmp(argv[a], "-k") == 0) module_index = v;
    else if (strcmp(argv[a], "-p") == 0) params_path = v;
    else if (strcmp(argv[a], "-o") == 0) out_dir = v;
    else if (strcmp(argv[a], "-n") == 0) repeat = strtol(v, NULL, 10);
    else if (strcmp(argv[a], "-i") == 0) inputs[num_files++] = v;
    else {
      status = fail(
          "unknown option (usage: mlf_model [-m module | -k index] [-p params] [-n repeat] [-i input.bin]... [-o outdir])",
          argv[a]);
      goto done;
    }
  }
  if (repeat < 1) {
    status = fail("-n needs a positive count", NULL);
    goto done;
  }
  m = choose(module_name, module_index);
  if (m == NULL) goto done;
  if (num_files > m->num_inputs) {
    status = fail("more -i files than model inputs", NULL);
    goto done;
  }

  if (m->params_required) {
    if (params_path == NULL) {
      status = fail("this model needs its parameters", "give -p model.params");
      goto done;
    }
    params = read_file(params_path, &params_size);
    if (params == NULL) {
      status = fail("cannot read", params_path);
      goto done;
    }
  }
  if (m->init(params, params_size) != 0) {
    status = fail("initialisation failed", TVMGetLastError());
    goto done;
  }
  free(params); /* copied into the model's storage */
  params = NULL;

  /* Inputs are kept aside and copied in before every run: a run may reuse input memory. */
  for (int i = 0; i < num_files; i++) {
    size_t size = 0;
    saved[i] = read_file(inputs[i], &size);
    if (saved[i] == NULL) {
      status = fail("cannot read", inputs[i]);
      goto done;
    }
    if (size != m->inputs[i].bytes) {
      status = fail("input file size differs from the model input", m->inputs[i].name);
      goto done;
    }
  }

  times = malloc((size_t)repeat * sizeof *times);
  if (times == NULL) {
    status = fail("out of memory", NULL);
    goto done;
  }
  for (long r = -1; r < repeat; r++) { /* r = -1: untimed warm-up run */
    for (int i = 0; i < num_files; i++) memcpy(m->inputs[i].data, saved[i], m->inputs[i].bytes);
    int64_t t0 = now_ns();
    int run = m->run();
    int64_t t1 = now_ns();
    if (run != 0) {
      status = fail("inference failed", TVMGetLastError());
      goto done;
    }
    if (r >= 0) times[r] = t1 - t0;
  }

  for (int i = 0; out_dir != NULL && i < m->num_outputs; i++) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/output%d.bin", out_dir, i);
    if (n < 0 || (size_t)n >= sizeof path || write_file(path, m->outputs[i].data, m->outputs[i].bytes) != 0) {
      status = fail("cannot write", path);
      goto done;
    }
  }

  printf("{\"module\":");
  print_json_string(m->name);
  printf(",\"repeat\":%ld,\"workspace_bytes\":%zu,\"workspace_peak\":%zu,\"ns\":[", repeat, mlf_workspace_size(),
         mlf_workspace_peak());
  for (long r = 0; r < repeat; r++) printf("%s%lld", r > 0 ? "," : "", (long long)times[r]);
  printf("]}\n");
  status = 0;
done:
  free(params);
  free(times);
  for (int i = 0; saved != NULL && i < num_files; i++) free(saved[i]);
  free(saved);
  free(inputs);
  return status;
}
