/*
 * C side of the startup: thread-local storage and constructors for picolibc, main, and the
 * reports of faults (Cortex-M) and traps (RISC-V), which end the program with MLF_EXIT_FAULT.
 * Also the stack measurement over the region painted by mlf_stack_paint (startup.S).
 */
#include <stdint.h>
#include <stdlib.h>

#include "mlf_board.h"
#include "mlf_firmware.h"

extern char __tls_base[];
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];
extern void _set_tls(void* tls);
extern void __libc_init_array(void);
extern int main(void);

void mlf_start(void);
void mlf_start(void) {
  _set_tls(__tls_base);
  __libc_init_array();
  mlf_board_exit(main());
}

uintptr_t mlf_stack_limit(void) { return (uintptr_t)__stack_limit; }
uintptr_t mlf_stack_top(void) { return (uintptr_t)__stack_top; }

uintptr_t mlf_stack_lowest(void) {
  for (const volatile uint32_t* p = __stack_limit; p < __stack_top; p++) {
    if (*p != MLF_PAINT_WORD) return (uintptr_t)p;
  }
  return (uintptr_t)__stack_top;
}

static void put_hex(const char* label, uint32_t v) {
  char text[12];
  text[0] = ' ';
  text[1] = '0';
  text[2] = 'x';
  for (int i = 0; i < 8; i++) text[3 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
  text[11] = '\0';
  mlf_board_puts(label);
  mlf_board_puts(text);
}

#if defined(__arm__)
void mlf_fault(const uint32_t* frame);
void mlf_fault(const uint32_t* frame) {
  static const char* const names[] = {"", "reset", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault", "SecureFault"};
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  uint32_t n = ipsr & 0x1FFu;
  mlf_board_puts("mlf: fault: ");
  mlf_board_puts(n < 8 ? names[n] : "exception");
  put_hex(" exception", n);
  /* The stacked frame is readable only when it lies in the stack. */
  if ((uintptr_t)frame >= (uintptr_t)__stack_limit && (uintptr_t)(frame + 8) <= (uintptr_t)__stack_top) {
    put_hex(" pc", frame[6]);
    put_hex(" lr", frame[5]);
  } else {
    mlf_board_puts(" (stack pointer outside the stack: stack overflow?)");
  }
  put_hex(" CFSR", *(volatile uint32_t*)0xE000ED28u);
  put_hex(" HFSR", *(volatile uint32_t*)0xE000ED2Cu);
  put_hex(" MMFAR", *(volatile uint32_t*)0xE000ED34u);
  put_hex(" BFAR", *(volatile uint32_t*)0xE000ED38u);
  mlf_board_puts("\n");
  /* UFSR.STKOF (Armv8-M): the stack pointer went below MSPLIM, which the reset handler set. */
  if ((*(volatile uint32_t*)0xE000ED28u & (1u << 20)) != 0u) {
    mlf_board_puts("mlf: the stack overflowed (below MSPLIM); give the board a larger stackBytes\n");
    mlf_board_exit(MLF_EXIT_STACK_OVERFLOW);
  }
  mlf_board_exit(MLF_EXIT_FAULT);
}
#elif defined(__riscv)
void mlf_trap(uint32_t cause, uint32_t epc, uint32_t tval);
void mlf_trap(uint32_t cause, uint32_t epc, uint32_t tval) {
  mlf_board_puts("mlf: trap:");
  put_hex(" mcause", cause);
  put_hex(" mepc", epc);
  put_hex(" mtval", tval);
  mlf_board_puts("\n");
  mlf_board_exit(MLF_EXIT_FAULT);
}
#endif
