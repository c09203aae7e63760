/*
 * The modules linked into a firmware made by `mlf project --template <board>`: mlf_modules.c
 * (generated) lists them, each plan (model_plan_<k>.c) implements one, and main.c drives them.
 */
#ifndef MLF_FIRMWARE_H_
#define MLF_FIRMWARE_H_

#include <stddef.h>
#include <stdint.h>

#include "mlf_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One module: its interface and entry points (see mlf_model.h for the tensor table). */
typedef struct {
  const char* name;
  const mlf_tensor* inputs;
  int num_inputs;
  const mlf_tensor* outputs;
  int num_outputs;
  /* 1 when init needs the module's .params blob (read from m<k>.params at run time). */
  int params_required;
  int (*init)(const uint8_t* params, size_t params_bytes);
  int (*run)(void);
} mlf_module;

extern const mlf_module mlf_modules[];
extern const int mlf_num_modules;

/* Exit statuses of the firmware. */
#define MLF_EXIT_OK 0
#define MLF_EXIT_RUN_FAILED 1    /* a module failed to initialise or run (see the report) */
#define MLF_EXIT_USAGE 2         /* bad command line, or an input/output file problem */
#define MLF_EXIT_FAULT 3         /* a CPU fault or trap (reported on the console) */
#define MLF_EXIT_STACK_OVERFLOW 4 /* the painted stack was used up to its limit */

#ifdef __cplusplus
}
#endif
#endif /* MLF_FIRMWARE_H_ */
