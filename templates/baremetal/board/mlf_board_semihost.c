/*
 * Console, files, command line and exit through semihosting (Arm semihosting specification,
 * also used by RISC-V), which QEMU serves with -semihosting-config enable=on,target=native:
 * files are opened relative to QEMU's working directory. No stdio and no heap are needed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mlf_board.h"

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE0 = 0x04,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_FLEN = 0x0C,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT_EXTENDED = 0x20,
};

/* Modes of SYS_OPEN: indexes into C's fopen modes ("rb" = 1, "wb" = 5). */
enum { MODE_READ_BINARY = 1, MODE_WRITE_BINARY = 5 };

/* ADP_Stopped_ApplicationExit: with SYS_EXIT_EXTENDED the subcode is the exit status. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* The trap itself is in the architecture's startup.S (bkpt 0xab, or the RISC-V ebreak sequence). */
extern intptr_t mlf_semihost_call(intptr_t op, void* args);

void mlf_board_puts(const char* text) { mlf_semihost_call(SYS_WRITE0, (void*)text); }

int mlf_board_open(const char* path, int for_write) {
  uintptr_t args[3] = {(uintptr_t)path, for_write ? MODE_WRITE_BINARY : MODE_READ_BINARY, strlen(path)};
  intptr_t h = mlf_semihost_call(SYS_OPEN, args);
  return h < 0 ? -1 : (int)h;
}

long mlf_board_size(int handle) {
  uintptr_t args[1] = {(uintptr_t)handle};
  return (long)mlf_semihost_call(SYS_FLEN, args);
}

/* SYS_READ and SYS_WRITE return the number of bytes NOT transferred. */
int mlf_board_read(int handle, void* data, size_t bytes) {
  uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)data, bytes};
  return mlf_semihost_call(SYS_READ, args) == 0 ? 0 : -1;
}

int mlf_board_write(int handle, const void* data, size_t bytes) {
  uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)data, bytes};
  return mlf_semihost_call(SYS_WRITE, args) == 0 ? 0 : -1;
}

void mlf_board_close(int handle) {
  uintptr_t args[1] = {(uintptr_t)handle};
  mlf_semihost_call(SYS_CLOSE, args);
}

size_t mlf_board_cmdline(char* buf, size_t size) {
  uintptr_t args[2] = {(uintptr_t)buf, size};
  if (size == 0) return 0;
  if (mlf_semihost_call(SYS_GET_CMDLINE, args) != 0) {
    buf[0] = '\0';
    return 0;
  }
  buf[size - 1] = '\0';
  return strlen(buf);
}

_Noreturn void mlf_board_exit(int status) {
  uintptr_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status};
  for (;;) mlf_semihost_call(SYS_EXIT_EXTENDED, args);
}

/* picolibc's exit() and abort() end here. */
_Noreturn void _exit(int status) { mlf_board_exit(status); }
