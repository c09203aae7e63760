/*
 * Instruction counter of the RISC-V boards: minstret. Under QEMU's -icount (shift 0) it is the
 * instruction count QEMU keeps, so the difference of two readings is exact and the same on every
 * run (without -icount QEMU derives it from host time instead). The cost of the readings
 * themselves is measured once and taken off. These are QEMU's instructions, not cycles of a chip.
 */
#include <stdint.h>

#include "mlf_board.h"

#define READ_CSR(name)                                                                             \
  __extension__({                                                                                  \
    uint32_t v_;                                                                                   \
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, " #name "\n.option pop" : "=r"(v_)); \
    v_;                                                                                            \
  })

static uint64_t read_cost;

uint64_t mlf_counter_read(void) {
  uint32_t hi;
  uint32_t lo;
  do {
    hi = READ_CSR(minstreth);
    lo = READ_CSR(minstret);
  } while (hi != READ_CSR(minstreth));
  return ((uint64_t)hi << 32) | lo;
}

void mlf_counter_init(void) {
  uint64_t a = mlf_counter_read();
  uint64_t b = mlf_counter_read();
  read_cost = b - a;
}

uint64_t mlf_counter_instructions(uint64_t from, uint64_t to) { return to - from - read_cost; }

/* A loop of exactly 2 instructions per round (addi, bnez). */
__attribute__((noinline)) static void spin(uint32_t rounds) { __asm__ volatile("1: addi %0, %0, -1\n bnez %0, 1b" : "+r"(rounds)); }

/* One measured spin: the same code for every count, so only the rounds differ between calls. */
__attribute__((noinline)) static uint64_t measure_spin(uint32_t rounds) {
  uint64_t a = mlf_counter_read();
  spin(rounds);
  uint64_t b = mlf_counter_read();
  return mlf_counter_instructions(a, b);
}

int64_t mlf_counter_check(void) {
  uint64_t short_run = measure_spin(1000u);
  uint64_t long_run = measure_spin(4000000u); /* long enough to span wraps of SysTick on every board */
  return (int64_t)(long_run - short_run) - 2 * (4000000 - 1000);
}
