/*
 * What a board gives the bare-metal driver (main.c). The QEMU boards implement it with
 * semihosting (mlf_board_semihost.c), an instruction counter (arm/ or riscv/ counter.c) and the
 * startup code; on real hardware replace mlf_board_semihost.c by a UART or flash based version.
 */
#ifndef MLF_BOARD_H_
#define MLF_BOARD_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Console text (no newline added). */
void mlf_board_puts(const char* text);

/* Files on the host: a handle >= 0, or -1. */
int mlf_board_open(const char* path, int for_write);
/* Length of an open file in bytes, or -1. */
long mlf_board_size(int handle);
/* 0 when all `bytes` were read or written, else -1. */
int mlf_board_read(int handle, void* data, size_t bytes);
int mlf_board_write(int handle, const void* data, size_t bytes);
void mlf_board_close(int handle);

/* The command line the program was started with (NUL-terminated in `buf`); 0 when none. */
size_t mlf_board_cmdline(char* buf, size_t size);

/* Ends the program with an exit status. */
_Noreturn void mlf_board_exit(int status);

/*
 * Instruction counter. mlf_counter_read() returns a raw reading; mlf_counter_instructions()
 * turns two readings into the instructions executed between them, without the cost of the
 * readings themselves (see the counter.c of the architecture for how it is exact).
 */
void mlf_counter_init(void);
uint64_t mlf_counter_read(void);
uint64_t mlf_counter_instructions(uint64_t from, uint64_t to);
/* Self-test: measured minus known instructions of a fixed loop (0 when the counter is exact). */
int64_t mlf_counter_check(void);

/* Fills the unused stack below the caller's frame with a pattern; returns the caller's SP. */
uintptr_t mlf_stack_paint(void);
/* The lowest stack address written since the last paint (the top of the stack when none). */
uintptr_t mlf_stack_lowest(void);
/* Bottom and top of the stack region the linker script reserved. */
uintptr_t mlf_stack_limit(void);
uintptr_t mlf_stack_top(void);

/* The word the stack and the arena are painted with. */
#define MLF_PAINT_WORD 0x5AA5C33Cu

#ifdef __cplusplus
}
#endif
#endif /* MLF_BOARD_H_ */
