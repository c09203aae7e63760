/*
 * Exit statuses of a firmware made by `mlf project --template <board>` (its modules are listed in
 * mlf_modules[], see mlf_model.h).
 */
#ifndef MLF_FIRMWARE_H_
#define MLF_FIRMWARE_H_

#include <stddef.h>
#include <stdint.h>

#include "mlf_model.h"

#ifdef __cplusplus
extern "C" {
#endif

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
