/*
 * common.cl - put in front of every kernel family (after the device prelude).
 * Buffers are passed as (global float *p, ulong p_off): offsets in elements, since sub-buffer
 * origins must be aligned. Every kernel guards its global id against the item count.
 */
#define GID0 get_global_id(0)
