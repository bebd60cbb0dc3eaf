// Non-variadic C wrappers for the libvips calls Swift cannot import (every vips operation takes a
// NULL-terminated option list), the header of lcms2 for the Swift side, and the BLAS, which is
// loaded at run time (blas_loader.c).
#ifndef STYLEFILTER_CSHIM_H
#define STYLEFILTER_CSHIM_H

#include <vips/vips.h>
#include <lcms2.h>
#include <stdbool.h>
#include <stddef.h>
#include "stylefilter.h"

/* The BLAS (OpenBLAS, loaded on first use, its kernels named from the CPU's features unless the
 * environment names kernels of the CPU's class or the host loaded OpenBLAS first). */
enum { SF_CPU_AVX = 1, SF_CPU_FMA = 2, SF_CPU_AVX2 = 4, SF_CPU_AVX512 = 8 /* F CD BW DQ VL */,
       SF_CPU_AVX512_BF16 = 16, SF_CPU_AMD = 32 };
enum { SF_BLAS_NOT_LOADED = 0, SF_BLAS_CHOSEN_FROM_FEATURES, SF_BLAS_CHOSEN_BY_ENVIRONMENT,
       SF_BLAS_CHOSEN_BY_OPENBLAS, SF_BLAS_LOADED_BY_HOST, SF_BLAS_CHOSEN_BY_STYLEFILTER_VARIABLE };
/* What this CPU and its OS support (SF_CPU_* bits). */
unsigned sf_cpu_features(void);
/* 1 SSE, 2 AVX, 3 AVX2+FMA, 4 AVX-512: of a CPU's features, and of an OpenBLAS core name (0: unknown). */
int sf_cpu_vector_class(unsigned features);
/* The widest of them as a name: "AVX-512 with BF16", "AVX-512", "AVX2+FMA", "AVX", "SSE only". */
const char *sf_cpu_vector_name(unsigned features);
int sf_blas_kernel_class(const char *core);
/* The OPENBLAS_CORETYPE for these features, or NULL to leave the choice to OpenBLAS. */
const char *sf_blas_core_for(unsigned features);
/* The real path of the file this code was loaded from (the library or the executable); 0 on
 * success, -1 when it cannot be told or does not fit in `capacity`. */
int sf_loaded_from(char *path, size_t capacity);
/* Loads OpenBLAS once; 0 on success, else sf_blas_error() says why. */
int sf_blas_load(void);
const char *sf_blas_error(void);
int sf_blas_choice(void);
const char *sf_blas_config(void);
const char *sf_blas_kernels(void);
/* An OPENBLAS_CORETYPE of an older vector class than the CPU's, set aside ("": none). */
const char *sf_blas_set_aside(void);
int sf_blas_set_threads(int count);
/* Row-major single-precision products with unit strides: all the engine uses. */
void sf_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);
void sf_saxpy(int n, float alpha, const float *x, float *y);
void sf_sscal(int n, float alpha, float *x);
double sf_dsdot(int n, const float *x, const float *y);

/* MPI (Open MPI, loaded at run time by sf_mpi_start: 0 on success, else sf_mpi_error() says why).
 * The sums and the broadcast (from rank 0) return 0 on success. */
int sf_mpi_start(void);
const char *sf_mpi_error(void);
int sf_mpi_rank(void);
int sf_mpi_size(void);
int sf_mpi_sum_floats(float *data, long count);
int sf_mpi_sum_doubles(double *data, int count);
int sf_mpi_broadcast(void *data, long bytes);
void sf_mpi_abort(int status);
void sf_mpi_finish(void);

/* Starts libvips once per process (and nothing else); returns 0 on success. */
int sf_vips_start(void);

/* libvips' worker threads and operation cache size, process-wide: for applications only. */
void sf_vips_set_process_limits(int concurrency, int cache_max);

/* Opens an image lazily; decode errors and truncation fail rather than produce grey areas.
 * Sequential access decodes as the pixels are pulled (no whole decoded copy in memory or on
 * disk), which suits a top-to-bottom resample; rotating needs random access. `shrink` > 1
 * (2, 4, 8) is JPEG's shrink-on-load and only for JPEG. The buffer must outlive the image. */
VipsImage *sf_vips_open_file(const char *path, int sequential, int shrink);
VipsImage *sf_vips_open_buffer(const void *data, size_t length, int sequential, int shrink);

/* The loader libvips picks for a file (path) or for these bytes (path NULL), or NULL. */
const char *sf_vips_loader(const char *path, const void *data, size_t length);

/* Whether libvips marks that loader as not safe with untrusted input (or does not know it). */
int sf_vips_loader_is_untrusted(const char *loader);
int sf_vips_decodes(const char *path);

/* The EXIF orientation, 1 (upright) … 8. */
int sf_vips_orientation(VipsImage *image);

/* Writes the image to a file (options in [] allowed) or, with to_buffer, to memory in the
 * format of that suffix: what a real save would do, to try the name and options first. */
int sf_vips_check_save(VipsImage *image, const char *path_or_suffix, int to_buffer);

/* Resamples with separate horizontal and vertical scale (linear, antialiased when shrinking). */
int sf_vips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale);

/* Fills `width` × `height` RGB floats 0 … 1 at (x, y), rows `stride` bytes apart; 0 on success. */
typedef int (*sf_source_read_fn)(void *user_data, int x, int y, int width, int height, float *pixels, size_t stride);

/* A 3-band float sRGB image (0 … 1) whose pixels `read` gives when libvips asks, one call at a
 * time; user_data must outlive the image and every image made from it. Drop it with
 * sf_vips_source_drop, which marks the operations made from it invalid in libvips' cache: a host's
 * cache may keep them (up to its own limits) but never reuses one, whose callback's user_data is
 * gone. */
VipsImage *sf_vips_source(int width, int height, sf_source_read_fn read, void *user_data);
void sf_vips_source_drop(VipsImage *image);

/* Gives the memory malloc holds free back to the system (malloc_trim): after a scale's set-up
 * the freed buffers would otherwise stay in the process's size through the long optimization. */
void sf_release_free_memory(void);

/* Wraps interleaved pixels (copied) of any band count and format, tagged with `interpretation`. */
VipsImage *sf_vips_from_memory(const void *pixels, int width, int height, int bands,
                               VipsBandFormat format, VipsInterpretation interpretation);

/* Applies EXIF orientation only. */
int sf_vips_autorot(VipsImage *in, VipsImage **out);

/* Any colour space libvips knows (Lab, XYZ, HSV …) to sRGB, alpha kept, for inputs that carry no
 * device profile to convert from. */
int sf_vips_colourspace_srgb(VipsImage *in, VipsImage **out);

/* Samples as floats divided by `divisor`, resampled by (hscale, vscale) when either is not 1. */
int sf_vips_float_scaled(VipsImage *in, VipsImage **out, double divisor, double hscale, double vscale);

/* One of libvips' built-in ICC profiles ("srgb", "cmyk", "p3"): a g_malloc'd copy, or NULL. */
void *sf_vips_named_profile(const char *name, size_t *length);

/* Writes by file name (format from the suffix, options in [] allowed) or to a descriptor. */
int sf_vips_save_file(VipsImage *image, const char *path);
int sf_vips_save_fd(VipsImage *image, int fd, const char *suffix);

/* The pending libvips error text (may be empty); clears it. Caller frees with g_free. */
char *sf_vips_take_error(void);

/* The image geometry, for Swift which cannot see the struct fields through macros. */
int sf_vips_width(const VipsImage *image);
int sf_vips_height(const VipsImage *image);
int sf_vips_bands(const VipsImage *image);

/* A caption: dark text on white, `width` pixels wide, 3-band sRGB; NULL if text rendering fails. */
VipsImage *sf_vips_caption(const char *text, int width);

/* `bottom` under `top`, on white. */
int sf_vips_join_below(VipsImage *top, VipsImage *bottom, VipsImage **out);

/* Images in rows of `across`, `spacing` pixels apart and around, on white. */
int sf_vips_grid(VipsImage **images, int count, int across, int spacing, VipsImage **out);

/* Equal-sized frames stacked as the pages of an animation (GIF, WebP), `delay_ms` each, looping. */
int sf_vips_pages(VipsImage **frames, int count, int delay_ms, VipsImage **out);

/* What the float transforms carry: RGB and grey samples 0…1, CMYK 0…100 (% ink, lcms2's
 * convention), Lab as L* a* b*. */
typedef enum { SF_SPACE_RGB = 0, SF_SPACE_GREY = 1, SF_SPACE_CMYK = 2, SF_SPACE_LAB = 3 } sf_space;

/* A float transform between two profiles; NULL if lcms2 refuses (a profile of another colour
 * space, an output-only profile …). Matrix-shaper profiles convert unbounded: colours outside the
 * destination's gamut come out below 0 or above 1 rather than clipped. */
cmsHTRANSFORM sf_lcms_float_transform(cmsHPROFILE from, sf_space from_space, cmsHPROFILE to, sf_space to_space);

/* sRGB primaries and white with a linear tone curve: what scRGB (float, linear) files mean. */
cmsHPROFILE sf_lcms_linear_srgb_profile(void);

/* D50 grey with the sRGB tone curve: what an untagged grey image means. */
cmsHPROFILE sf_lcms_grey_profile(void);

/* SIGINT and SIGTERM set a flag instead of ending the process, so a long run can stop at its
 * next iteration and leave its work directory resumable. The signal number, or 0. */
void sf_catch_termination(void);
int sf_termination_signal(void);

#endif
