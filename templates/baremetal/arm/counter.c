/*
 * Instruction counter of the Cortex-M boards: SysTick on the processor clock, under QEMU's
 * -icount shift=S, where every instruction advances virtual time by exactly 2^S ns. With S chosen
 * so that one instruction lasts more than two SysTick periods, the instructions between two
 * readings are the ticks converted to ns, divided by 2^S and rounded: exact, and the same on
 * every run. Wraps of the 24-bit counter are counted by mlf_systick_isr (startup.S), whose 5
 * instructions per wrap are taken off again. These are QEMU's instructions, not cycles of a chip.
 */
#include <stdint.h>

#include "mlf_board.h"

#ifndef MLF_COUNTER_HZ
#error "MLF_COUNTER_HZ (the SysTick clock of the board) must be defined"
#endif
#ifndef MLF_ICOUNT_SHIFT
#error "MLF_ICOUNT_SHIFT (QEMU's -icount shift) must be defined"
#endif

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define SYST_MAX 0xFFFFFFu
#define ISR_INSTRUCTIONS 5u

volatile uint32_t mlf_systick_wraps;
static uint64_t read_cost;

/* Raw reading: wraps in the high bits, ticks counted down since the last wrap in the low 24. */
uint64_t mlf_counter_read(void) {
  uint32_t wraps;
  uint32_t value;
  do {
    wraps = mlf_systick_wraps;
    value = SYST_CVR;
  } while (wraps != mlf_systick_wraps);
  return ((uint64_t)wraps << 24) | (SYST_MAX - value);
}

static uint64_t ticks_to_instructions(uint64_t from, uint64_t to) {
  uint64_t ticks = to - from;
  uint64_t wraps = (to >> 24) - (from >> 24);
  /* ns = ticks * 1e9 / hz, split so that nothing overflows 64 bits. */
  uint64_t ns = (ticks / MLF_COUNTER_HZ) * 1000000000u + ((ticks % MLF_COUNTER_HZ) * 1000000000u) / MLF_COUNTER_HZ;
  uint64_t instructions = (ns + (1u << MLF_ICOUNT_SHIFT) / 2u) >> MLF_ICOUNT_SHIFT;
  return instructions - wraps * ISR_INSTRUCTIONS;
}

void mlf_counter_init(void) {
  SYST_CSR = 0;
  SYST_RVR = SYST_MAX;
  SYST_CVR = 0;
  mlf_systick_wraps = 0;
  SYST_CSR = 7u; /* processor clock, interrupt on wrap, enabled */
  /* What two back-to-back readings cost, so that it can be taken off every measurement. */
  uint64_t a = mlf_counter_read();
  uint64_t b = mlf_counter_read();
  read_cost = 0;
  read_cost = ticks_to_instructions(a, b);
}

uint64_t mlf_counter_instructions(uint64_t from, uint64_t to) { return ticks_to_instructions(from, to) - read_cost; }

/* A loop of exactly 2 instructions per round (subs, bne). */
__attribute__((noinline)) static void spin(uint32_t rounds) { __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(rounds)::"cc"); }

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
