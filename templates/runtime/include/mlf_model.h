/*
 * Interface of a model compiled by `mlf project`: the generated model_plan.c implements it,
 * main.c (or your application) uses it. The same for every model. A project holding several
 * modules has one plan per module (model_plan_<k>.c, names prefixed mlf_m<k>_) and lists them in
 * mlf_modules[] (mlf_modules.c), which every project has.
 */
#ifndef MLF_MODEL_H_
#define MLF_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLF_ALIGNED(n) __attribute__((aligned(n)))

/* One input or output: where its bytes live and what they are. */
typedef struct {
  const char* name;
  const char* dtype; /* TVM dtype name, e.g. "float32" */
  int32_t ndim;
  const int64_t* shape;
  size_t bytes;
  void* data; /* write inputs here before mlf_model_run; read outputs after */
} mlf_tensor;

extern const char mlf_model_name[];
extern const mlf_tensor mlf_inputs[];
extern const int mlf_num_inputs;
extern const mlf_tensor mlf_outputs[];
extern const int mlf_num_outputs;
/* 1 when mlf_model_init needs a TVM .params blob (graph executor without embedded params). */
extern const int mlf_params_required;

/* Prepares the model; `params` is the .params file content (NULL when not required). 0 = ok. */
int mlf_model_init(const uint8_t* params, size_t params_bytes);

/* Runs one inference on the data in mlf_inputs[i].data. 0 = ok, else see TVMGetLastError(). */
int mlf_model_run(void);

/* One module of the project: its interface and entry points, as the plan defines them. */
typedef struct {
  const char* name;
  const mlf_tensor* inputs;
  int num_inputs;
  const mlf_tensor* outputs;
  int num_outputs;
  int params_required; /* 1 when init needs the module's .params blob */
  int (*init)(const uint8_t* params, size_t params_bytes);
  int (*run)(void);
} mlf_module;

/* Every module of the project, in the archive's order (mlf_modules.c). */
extern const mlf_module mlf_modules[];
extern const int mlf_num_modules;

#ifdef __cplusplus
}
#endif
#endif /* MLF_MODEL_H_ */
