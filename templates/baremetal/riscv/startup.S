/*
 * Startup of the RISC-V firmware (RV32, machine mode): reset code at the start of flash (QEMU's
 * virt machine with -bios none jumps there), trap entry, stack painting and the semihosting trap.
 * Written for mlf; the memory symbols come from link.ld.
 */
    .section .vectors, "ax", @progbits
    .global mlf_reset
    .type mlf_reset, @function
mlf_reset:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    .option push
    .option arch, +zicsr
    la t0, mlf_trap_entry
    csrw mtvec, t0
#ifdef __riscv_flen
    li t0, 0x2000  /* mstatus.FS = Initial: the FPU may be used */
    csrs mstatus, t0
    csrwi fcsr, 0
#endif
    .option pop
    la t0, __data_start
    la t1, __data_source
    la t2, __data_end
1:  bgeu t0, t2, 2f
    lw t3, 0(t1)
    sw t3, 0(t0)
    addi t0, t0, 4
    addi t1, t1, 4
    j 1b
2:  la t0, __bss_start
    la t2, __bss_end
3:  bgeu t0, t2, 4f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 3b
4:  call mlf_stack_paint
    call mlf_start
5:  j 5b
    .size mlf_reset, . - mlf_reset

    .text

/* uintptr_t mlf_stack_paint(void): a leaf that uses no stack, so SP is the caller's. */
    .global mlf_stack_paint
    .type mlf_stack_paint, @function
mlf_stack_paint:
    la t0, __stack_limit
    mv a0, sp
    li t1, 0x5AA5C33C  /* MLF_PAINT_WORD */
1:  bgeu t0, a0, 2f
    sw t1, 0(t0)
    addi t0, t0, 4
    j 1b
2:  ret
    .size mlf_stack_paint, . - mlf_stack_paint

/* Traps (mtvec, direct mode): cause, pc and value go to mlf_trap (mlf_start.c), which exits. */
    .balign 4
    .global mlf_trap_entry
mlf_trap_entry:
    .option push
    .option arch, +zicsr
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    .option pop
    j mlf_trap

/*
 * intptr_t mlf_semihost_call(intptr_t op, void* args): the three-instruction semihosting
 * sequence, uncompressed and inside one 16-byte block so it never straddles a page.
 */
    .section .text.mlf_semihost_call, "ax", @progbits
    .balign 16
    .global mlf_semihost_call
    .type mlf_semihost_call, @function
mlf_semihost_call:
    .option push
    .option norvc
    slli zero, zero, 0x1f
    ebreak
    srai zero, zero, 7
    .option pop
    ret
    .size mlf_semihost_call, . - mlf_semihost_call
