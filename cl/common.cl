/*
 * common.cl - put in front of every kernel family (after the device prelude).
 * Buffers are passed as (global float *p, ulong p_off): offsets in elements, since sub-buffer
 * origins must be aligned. Every kernel guards its global id against the item count.
 */
#define GID0 get_global_id(0)

/* Sum of v over the work-group (size a power of two); every work-item gets the result. */
float wg_sum(local float *s, float v)
{
    uint l = get_local_id(0);
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = get_local_size(0) / 2; h > 0; h /= 2) {
        if (l < h)
            s[l] += s[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
