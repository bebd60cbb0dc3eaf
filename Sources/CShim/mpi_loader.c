// MPI for running one image across machines (filterctl's --mpi), loaded at run time so that
// StyleFilter builds, installs and runs without it: Open MPI's libmpi.so.40 is dlopened on the
// first call, and its handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …), which Open MPI's mpi.h
// defines as the addresses of its global objects, are looked up by those objects' names. No
// header is needed, so no MPI package is needed to build.
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "CShim.h"

typedef void *handle;
static int (*mpi_initialized)(int *);
static int (*mpi_init)(int *, char ***);
static int (*mpi_comm_rank)(handle, int *);
static int (*mpi_comm_size)(handle, int *);
static int (*mpi_allreduce)(const void *, void *, int, handle, handle, handle);
static int (*mpi_bcast)(void *, int, handle, int, handle);
static int (*mpi_abort)(handle, int);
static int (*mpi_finalize)(void);
static handle comm_world, type_float, type_double, type_byte, op_sum;
/* Open MPI's MPI_IN_PLACE. */
#define IN_PLACE ((void *) 1)
static int rank = 0, size = 1, started = 0;
static char error[512];

const char *sf_mpi_error(void) { return error; }
int sf_mpi_rank(void) { return rank; }
int sf_mpi_size(void) { return size; }

#define FIND(var, name) \
    if (!(*(void **) &var = dlsym(lib, name))) { \
        snprintf(error, sizeof error, "%s has no %s: not Open MPI 4", library, name); \
        return 1; \
    }

int sf_mpi_start(void) {
    if (started) return 0;
    const char *library = "libmpi.so.40";
    /* RTLD_GLOBAL: Open MPI's own plugins resolve their symbols against it. */
    void *lib = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(error, sizeof error, "Open MPI is not installed (%s): scripts/setup --mpi installs it", dlerror());
        return 1;
    }
    FIND(mpi_initialized, "MPI_Initialized") FIND(mpi_init, "MPI_Init") FIND(mpi_comm_rank, "MPI_Comm_rank")
    FIND(mpi_comm_size, "MPI_Comm_size") FIND(mpi_allreduce, "MPI_Allreduce") FIND(mpi_bcast, "MPI_Bcast")
    FIND(mpi_abort, "MPI_Abort") FIND(mpi_finalize, "MPI_Finalize")
    FIND(comm_world, "ompi_mpi_comm_world") FIND(type_float, "ompi_mpi_float") FIND(type_double, "ompi_mpi_double")
    FIND(type_byte, "ompi_mpi_byte") FIND(op_sum, "ompi_mpi_op_sum")
    int already = 0;
    mpi_initialized(&already);
    if (!already && mpi_init(NULL, NULL) != 0) {
        snprintf(error, sizeof error, "MPI_Init failed");
        return 1;
    }
    mpi_comm_rank(comm_world, &rank);
    mpi_comm_size(comm_world, &size);
    started = 1;
    return 0;
}

/* Counts above INT_MAX (an image's gradient can be one) go in pieces. */
#define PIECE (1L << 28)

int sf_mpi_sum_floats(float *data, long count) {
    for (long at = 0; at < count; at += PIECE) {
        int n = (int) (count - at < PIECE ? count - at : PIECE);
        if (mpi_allreduce(IN_PLACE, data + at, n, type_float, op_sum, comm_world) != 0) return 1;
    }
    return 0;
}

int sf_mpi_sum_doubles(double *data, int count) {
    return mpi_allreduce(IN_PLACE, data, count, type_double, op_sum, comm_world) != 0;
}

int sf_mpi_broadcast(void *data, long bytes) {
    for (long at = 0; at < bytes; at += PIECE) {
        int n = (int) (bytes - at < PIECE ? bytes - at : PIECE);
        if (mpi_bcast((char *) data + at, n, type_byte, 0, comm_world) != 0) return 1;
    }
    return 0;
}

void sf_mpi_abort(int status) {
    if (started) mpi_abort(comm_world, status);
}

void sf_mpi_finish(void) {
    if (started) mpi_finalize();
    started = 0;
}
