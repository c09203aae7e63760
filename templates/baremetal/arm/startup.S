/*
 * Startup of the Cortex-M firmware (Armv7-M, Armv8-M Mainline, Armv8.1-M): vector table, reset
 * handler, SysTick handler, fault entry, stack painting and the semihosting trap. Written for mlf;
 * the memory symbols come from link.ld.
 */
    .syntax unified
    .thumb

/* Vector table: initial stack pointer, then the exception handlers (VTOR points at flash start). */
    .section .vectors, "a", %progbits
    .balign 128
    .global mlf_vectors
mlf_vectors:
    .word __stack_top
    .word mlf_reset
    .word mlf_fault_entry  /* NMI */
    .word mlf_fault_entry  /* HardFault */
    .word mlf_fault_entry  /* MemManage */
    .word mlf_fault_entry  /* BusFault */
    .word mlf_fault_entry  /* UsageFault */
    .word mlf_fault_entry  /* SecureFault (Armv8-M) */
    .word 0, 0, 0
    .word mlf_fault_entry  /* SVCall */
    .word mlf_fault_entry  /* DebugMonitor */
    .word 0
    .word mlf_fault_entry  /* PendSV */
    .word mlf_systick_isr  /* SysTick */
    .rept 16
    .word mlf_fault_entry  /* external interrupts: none are enabled */
    .endr

    .text

/*
 * Reset: stack limit (Armv8-M), FPU/MVE access, .data copied from flash, .bss zeroed, the stack
 * painted, then C (mlf_start in mlf_start.c). Nothing here touches the FPU before CPACR allows it.
 */
    .thumb_func
    .global mlf_reset
    .type mlf_reset, %function
mlf_reset:
    ldr r0, =__stack_top
    msr msp, r0
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
    ldr r0, =__stack_limit
    msr msplim, r0
#endif
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    ldr r0, =0xE000ED88  /* CPACR: full access to CP10 and CP11 */
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb
#endif
    ldr r0, =__data_start
    ldr r1, =__data_source
    ldr r2, =__data_end
1:  cmp r0, r2
    bhs 2f
    ldr r3, [r1], #4
    str r3, [r0], #4
    b 1b
2:  ldr r0, =__bss_start
    ldr r2, =__bss_end
    movs r3, #0
3:  cmp r0, r2
    bhs 4f
    str r3, [r0], #4
    b 3b
4:  bl mlf_stack_paint
    bl mlf_start
5:  b 5b
    .size mlf_reset, . - mlf_reset

/* uintptr_t mlf_stack_paint(void): a leaf that uses no stack, so SP is the caller's. */
    .thumb_func
    .global mlf_stack_paint
    .type mlf_stack_paint, %function
mlf_stack_paint:
    ldr r1, =__stack_limit
    mov r0, sp
    ldr r2, =0x5AA5C33C  /* MLF_PAINT_WORD */
1:  cmp r1, r0
    bhs 2f
    str r2, [r1], #4
    b 1b
2:  bx lr
    .size mlf_stack_paint, . - mlf_stack_paint

/* SysTick: counts wraps of the 24-bit counter in exactly 5 instructions (counter.c subtracts them). */
    .thumb_func
    .global mlf_systick_isr
    .type mlf_systick_isr, %function
mlf_systick_isr:
    ldr r0, =mlf_systick_wraps
    ldr r1, [r0]
    adds r1, #1
    str r1, [r0]
    bx lr
    .size mlf_systick_isr, . - mlf_systick_isr

/* Faults: hand the stacked frame to mlf_fault (mlf_start.c), which reports and exits. */
    .thumb_func
    .global mlf_fault_entry
    .type mlf_fault_entry, %function
mlf_fault_entry:
    tst lr, #4
    ite eq
    mrseq r0, msp
    mrsne r0, psp
    b mlf_fault
    .size mlf_fault_entry, . - mlf_fault_entry

/* intptr_t mlf_semihost_call(intptr_t op, void* args) */
    .thumb_func
    .global mlf_semihost_call
    .type mlf_semihost_call, %function
mlf_semihost_call:
    bkpt 0xab
    bx lr
    .size mlf_semihost_call, . - mlf_semihost_call

    .pool
