/* status.c - status texts, OpenCL error names, the library's logger. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/rt.h"

const char *clgan_status_str(clgan_status st)
{
    switch (st) {
    case CLGAN_STATUS_INTERRUPTED:
        return "interrupted";
    case CLGAN_STATUS_OK:
        return "ok";
    case CLGAN_STATUS_INVALID_ARGUMENT:
        return "invalid argument";
    case CLGAN_STATUS_OUT_OF_HOST_MEMORY:
        return "out of host memory";
    case CLGAN_STATUS_OUT_OF_DEVICE_MEMORY:
        return "out of device memory";
    case CLGAN_STATUS_NO_DEVICE:
        return "no OpenCL device";
    case CLGAN_STATUS_OPENCL:
        return "OpenCL error";
    case CLGAN_STATUS_CLBLAST:
        return "CLBlast error";
    case CLGAN_STATUS_KERNEL_BUILD:
        return "kernel build failed";
    case CLGAN_STATUS_IO:
        return "I/O error";
    case CLGAN_STATUS_CORRUPT_FILE:
        return "corrupt file";
    case CLGAN_STATUS_UNSUPPORTED:
        return "unsupported";
    case CLGAN_STATUS_NUMERICAL:
        return "non-finite value";
    }
    return "unknown status";
}

const char *clgan_cl_errname(cl_int err)
{
#define E(x)                                                                                       \
    case x:                                                                                        \
        return #x
    switch (err) {
        E(CL_SUCCESS);
        E(CL_DEVICE_NOT_FOUND);
        E(CL_DEVICE_NOT_AVAILABLE);
        E(CL_COMPILER_NOT_AVAILABLE);
        E(CL_MEM_OBJECT_ALLOCATION_FAILURE);
        E(CL_OUT_OF_RESOURCES);
        E(CL_OUT_OF_HOST_MEMORY);
        E(CL_PROFILING_INFO_NOT_AVAILABLE);
        E(CL_MEM_COPY_OVERLAP);
        E(CL_IMAGE_FORMAT_MISMATCH);
        E(CL_IMAGE_FORMAT_NOT_SUPPORTED);
        E(CL_BUILD_PROGRAM_FAILURE);
        E(CL_MAP_FAILURE);
        E(CL_MISALIGNED_SUB_BUFFER_OFFSET);
        E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
        E(CL_COMPILE_PROGRAM_FAILURE);
        E(CL_LINKER_NOT_AVAILABLE);
        E(CL_LINK_PROGRAM_FAILURE);
        E(CL_DEVICE_PARTITION_FAILED);
        E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
        E(CL_INVALID_VALUE);
        E(CL_INVALID_DEVICE_TYPE);
        E(CL_INVALID_PLATFORM);
        E(CL_INVALID_DEVICE);
        E(CL_INVALID_CONTEXT);
        E(CL_INVALID_QUEUE_PROPERTIES);
        E(CL_INVALID_COMMAND_QUEUE);
        E(CL_INVALID_HOST_PTR);
        E(CL_INVALID_MEM_OBJECT);
        E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR);
        E(CL_INVALID_IMAGE_SIZE);
        E(CL_INVALID_SAMPLER);
        E(CL_INVALID_BINARY);
        E(CL_INVALID_BUILD_OPTIONS);
        E(CL_INVALID_PROGRAM);
        E(CL_INVALID_PROGRAM_EXECUTABLE);
        E(CL_INVALID_KERNEL_NAME);
        E(CL_INVALID_KERNEL_DEFINITION);
        E(CL_INVALID_KERNEL);
        E(CL_INVALID_ARG_INDEX);
        E(CL_INVALID_ARG_VALUE);
        E(CL_INVALID_ARG_SIZE);
        E(CL_INVALID_KERNEL_ARGS);
        E(CL_INVALID_WORK_DIMENSION);
        E(CL_INVALID_WORK_GROUP_SIZE);
        E(CL_INVALID_WORK_ITEM_SIZE);
        E(CL_INVALID_GLOBAL_OFFSET);
        E(CL_INVALID_EVENT_WAIT_LIST);
        E(CL_INVALID_EVENT);
        E(CL_INVALID_OPERATION);
        E(CL_INVALID_GL_OBJECT);
        E(CL_INVALID_BUFFER_SIZE);
        E(CL_INVALID_MIP_LEVEL);
        E(CL_INVALID_GLOBAL_WORK_SIZE);
        E(CL_INVALID_PROPERTY);
        E(CL_INVALID_IMAGE_DESCRIPTOR);
        E(CL_INVALID_COMPILER_OPTIONS);
        E(CL_INVALID_LINKER_OPTIONS);
        E(CL_INVALID_DEVICE_PARTITION_COUNT);
    case -1001:
        return "CL_PLATFORM_NOT_FOUND_KHR";
    }
#undef E
    return "CL_UNKNOWN_ERROR";
}

static clgan_log_fn log_fn;
static void *log_user;

void clgan_log_set(clgan_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
}

static void emit(enum clgan_log_level level, const char *fmt, va_list ap)
{
    char line[2048];
    vsnprintf(line, sizeof(line), fmt, ap);
    if (log_fn)
        log_fn(level, line, log_user);
    else
        fprintf(stderr, "clgan: %s\n", line);
}

void clgan_rt_log(const clgan_ctx *ctx, enum clgan_log_level level, const char *fmt, ...)
{
    int min = ctx ? (int)ctx->log_level : (int)clgan_env_defaults()->log_level;
    if ((int)level < min)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap);
    va_end(ap);
}

void clgan_log(enum clgan_log_level level, const char *fmt, ...)
{
    if ((int)level < (int)clgan_env_defaults()->log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap);
    va_end(ap);
}

int clgan_mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > (size_t)-1 / a)
        return 0;
    *out = a * b;
    return 1;
}
