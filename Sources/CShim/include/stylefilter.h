/*
 * stylefilter.h — the C ABI of StyleFilter: neural style transfer (Gatys et al.) on pixel buffers.
 *
 * Use:
 *     sf_options options;
 *     sf_options_init(&options);             // defaults; sets options.struct_size
 *     options.iterations = 100;
 *     sf_context *ctx = NULL;
 *     if (sf_context_create(&options, &ctx) != SF_OK) { ... sf_context_last_error(ctx) ... }
 *     sf_context_load_preset(ctx, "swirls", NULL);     // or sf_context_load_style(ctx, "painting.jpg")
 *     sf_image in = {pixels, width, height, width * 3, 3, SF_FORMAT_U8};
 *     sf_image out = {result, width, height, width * 3, 3, SF_FORMAT_U8};
 *     sf_stylize(ctx, &in, &out);            // or sf_stylize_regions for an image never held whole
 *     sf_context_destroy(ctx);
 *
 * sf_stylize and sf_stylize_regions run the same job as `filterctl stylize` and `filterctl apply`:
 * the picture is composed at options.base_size (a preset: at its last scale) with `iterations`
 * L-BFGS steps, then refined coarse-to-fine at twice the size each time up to the image's own
 * size; scales that do not fit options.max_memory in one pass are optimized in tiles with the
 * whole image's style statistics. The same photo and settings give the same picture through
 * every door (within rounding; the tests hold them to it).
 *
 * Rules:
 * - Every function returns a status (or, for the two getters, a value that is never NULL) and
 *   never aborts or exits the host: NULL pointers, bad sizes and strides, wrong struct sizes and
 *   failures inside (a missing weight file, an unreadable style image) are reported as statuses,
 *   with a message from sf_context_last_error. Before allocating for a call, the library
 *   estimates the memory it needs and compares it with what the process can have (its
 *   RLIMIT_AS and the machine's memory): too much is a status, not an allocation failure.
 * - A context is used by one thread at a time; different contexts run in parallel safely. Each
 *   call spreads its work over one thread per core ($STYLEFILTER_THREADS caps it) and calls
 *   OpenBLAS from each. The library changes no process-wide setting: libvips' thread pool and
 *   cache stay as the host set them, and so does OpenBLAS's thread count, which a host whose
 *   main work is style transfer sets to 1 with sf_set_blas_threads (the fastest: OpenBLAS's own
 *   threads would only compete with the engine's). A host's libvips cache keeps, up to its own
 *   limits, the operations the library ran, with their images (a scale's result as the next
 *   scale's start: 54 MB at 18 megapixels); such a host also sets vips_cache_set_max(0), as
 *   filterctl does. Once a scale's set-up is done the library calls malloc_trim(0), which hands
 *   the free memory of every malloc pool in the process back to the system, the host's included.
 * - OpenBLAS is loaded by the library on first use, not linked: its kernels are named from the
 *   CPU's features (AVX-512 → SkylakeX or Cooperlake, AVX2 → Haswell or Zen), since OpenBLAS's
 *   own table of CPU models falls back to slow SSE3 kernels on CPUs newer than itself. For that
 *   moment OPENBLAS_CORETYPE is set in the environment and then removed again. A host that set
 *   OPENBLAS_CORETYPE itself, or that loaded OpenBLAS before the library, keeps its choice.
 * - Colours are sRGB. Alpha (4 bands) is passed through untouched. The optimizer works in floats:
 *   u16 and f32 inputs are read and results written at their full precision (sf_stylize_tile,
 *   the per-tile preview, works in 8 bits). f32 samples are 0 … 1.
 * - The library may be loaded with dlopen. Keep it loaded until the process ends: the Swift
 *   runtime linked into it does not free its one-time allocations (about 4 KB) on dlclose.
 * - The weights are the VGG19 file `scripts/setup` installs; options.weights_path (or
 *   $STYLEFILTER_WEIGHTS) points elsewhere. Nothing is downloaded.
 */
#ifndef STYLEFILTER_H
#define STYLEFILTER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An opaque handle: the loaded network, the style and the settings. */
typedef struct sf_context sf_context;

typedef enum {
    SF_OK = 0,
    SF_ERROR_ARGUMENT = 1,  /* a NULL pointer, a bad size, stride, format or option, or a buffer
                               too large for the memory this process can have */
    SF_ERROR_WEIGHTS = 2,   /* the weight file is missing, truncated or altered */
    SF_ERROR_STYLE = 3,     /* the style image or preset could not be found or loaded (missing,
                               malformed, unreadable, too large for this process) */
    SF_ERROR_NO_STYLE = 4,  /* stylize was called before a style was loaded */
    SF_ERROR_CANCELLED = 5, /* the progress callback asked to stop; the output is untouched */
    SF_ERROR_FAILED = 6     /* anything else; see sf_context_last_error */
} sf_status;

typedef enum {
    SF_FORMAT_U8 = 1,
    SF_FORMAT_U16 = 2,  /* native-endian 0 … 65535 */
    SF_FORMAT_F32 = 3   /* native-endian float, 0 … 1 */
} sf_format;

/* A pixel buffer: rows of width × bands samples, interleaved, `stride` bytes apart. */
typedef struct {
    void *data;
    int width;
    int height;
    size_t stride;    /* bytes from one row to the next, at least width × bands × sample size */
    int bands;        /* 3 (RGB) or 4 (RGBA) */
    sf_format format;
} sf_image;

/* Called after each optimizer iteration (0 is the start) of every scale. Return nonzero to cancel. */
typedef int (*sf_progress_fn)(void *user_data, int iteration, int iterations, double loss);

/* Where a job is: given to options.progress_ex after each iteration and before each window of a
 * tiled iteration (an iteration of an 18-megapixel scale takes minutes). */
typedef struct {
    int scale;              /* 1 … scales */
    int scales;
    int width, height;      /* this scale's size */
    int iteration;          /* iterations done at this scale, 0 … iterations */
    int iterations;
    int window;             /* 1 … windows inside a tiled iteration; 0 outside one */
    int windows;
    double loss;            /* after the last iteration; 0 before the first */
    double seconds;         /* since the call started */
    double eta_seconds;     /* of the whole job; negative until an iteration has been timed */
    double fraction_done;   /* 0 … 1, by pixel-iterations */
} sf_progress_info;

/* Return nonzero to cancel (the output is then untouched). */
typedef int (*sf_progress_ex_fn)(void *user_data, const sf_progress_info *info);

/* Settings of a context. The first field is the struct's own size, so later versions can add
 * fields at the end and still read what older callers pass. Fill with sf_options_init first. */
typedef struct {
    size_t struct_size;
    const char *weights_path;   /* NULL: $STYLEFILTER_WEIGHTS, then the user cache */
    int iterations;             /* of the base scale (sf_stylize_tile: of the tile); 0: 300, or a
                                   loaded preset's last scale's count */
    float content_weight;       /* 1 */
    float style_weight;         /* 500 */
    float tv_weight;            /* 0 */
    int style_size;             /* 0: a style image has the photo's pixel count at each scale, as
                                   `filterctl stylize` sizes it (default); N: its long side at the
                                   base scale, growing with the later scales. Tiles take it at N,
                                   or 512 with 0 (a tile knows nothing of its photo's size) */
    sf_progress_fn progress;    /* NULL: no callback */
    void *progress_user_data;   /* for progress and progress_ex */
    /* Added in 0.2 (callers built against 0.1 pass a shorter struct and get the defaults). */
    size_t max_memory;          /* bytes the job may use; scales that do not fit are tiled: 2 GiB */
    int base_size;              /* long side the picture is composed at (style images): 512 */
    int refine_iterations;      /* iterations at the largest scale, twice as many at each smaller
                                   refining one: 3 (the largest paints the finest brushwork with
                                   relu1_1…relu3_1, which cost a third, in 8/3 as many: 8) */
    sf_progress_ex_fn progress_ex; /* NULL: none */
    /* Added in 0.3. */
    int method;                 /* a loaded preset's: SF_METHOD_AUTOMATIC (its trained network when
                                   it has one, NAME.network from `filterctl preset train`, else the
                                   optimization), SF_METHOD_FAST or SF_METHOD_OPTIMIZE */
    int refine;                 /* with the network: Adam iterations from its result at the
                                   output's size, with the preset's losses: 0 */
} sf_options;

enum { SF_METHOD_AUTOMATIC = 0, SF_METHOD_FAST = 1, SF_METHOD_OPTIMIZE = 2 };

/* The library's version as "MAJOR.MINOR.PATCH"; a static string, never NULL. */
const char *sf_version(void);

/* OpenBLAS's thread count, process-wide: the host's call, made once (1 is fastest for this
 * library; see the rules above). SF_ERROR_ARGUMENT unless 1 … 1024. */
sf_status sf_set_blas_threads(int threads);

/* Fills *options with the defaults and options->struct_size. Does nothing if options is NULL. */
void sf_options_init(sf_options *options);

/* A numeric field of sf_options as the library's one table of settings has it: the default a run
 * uses when the field is left at sf_options_init's value (style_size: a tile's painting size, as 0
 * sizes a whole image's painting to the photo), and the values sf_context_create accepts (style_size
 * also takes 0). For hosts that offer the settings themselves (the libvips operation
 * does), so their ranges cannot drift from the library's. Added in 0.3. */
typedef struct {
    double default_value;
    double minimum;
    double maximum;
} sf_setting;

/* SF_ERROR_ARGUMENT for a NULL pointer or a name that is not one of: iterations, content_weight,
 * style_weight, tv_weight, style_size, max_memory (bytes), base_size, refine_iterations, refine. */
sf_status sf_setting_get(const char *field_name, sf_setting *setting);

/* Creates a context and loads the weights (about half a second). On failure *context is still
 * set when possible, so sf_context_last_error can say why; destroy it either way. */
sf_status sf_context_create(const sf_options *options, sf_context **context);

/* Frees the context; NULL is fine. */
void sf_context_destroy(sf_context *context);

/* The message of the last failure on this context ("" if none); valid until the next call on it.
 * Never NULL, also for a NULL context. */
const char *sf_context_last_error(const sf_context *context);

/* Uses a preset (a name on the preset search path, or a path to its .json; preset_dir, if not
 * NULL, is searched first): its style statistics (from its cache), its settings, and its trained
 * network unless options.method is SF_METHOD_OPTIMIZE (a damaged network, or SF_METHOD_FAST with
 * none, is SF_ERROR_STYLE here). */
sf_status sf_context_load_preset(sf_context *context, const char *name_or_path, const char *preset_dir);

/* Uses a style image (any format libvips reads), sized as options.style_size says. */
sf_status sf_context_load_style(sf_context *context, const char *image_path);

/* Stylizes the whole input into output, which must have the same width, height, bands and
 * format (its own stride). output may be input. The input is at least 16 × 16. */
sf_status sf_stylize(sf_context *context, const sf_image *input, sf_image *output);

/* sf_stylize of part of the image: the result where the mask is white, the input as it was
 * where it is black, a mix between (soft edges come from soft greys). The mask has 1 band (grey),
 * or 3 or 4 (its lightness: the mean of the first three), in any sf_format, and the input's
 * proportions within 1 % (it is scaled to the input's size). The whole input is optimized as by
 * sf_stylize, so the stylized part is the same picture. Added in 0.2. */
sf_status sf_stylize_masked(sf_context *context, const sf_image *input, const sf_image *mask, sf_image *output);

/* Reads `width` × `height` pixels at (x, y) of the input into `pixels`, rows `stride` bytes apart,
 * in the call's bands and format. Return 0, or nonzero to fail the call (SF_ERROR_FAILED). */
typedef int (*sf_read_fn)(void *user_data, int x, int y, int width, int height, void *pixels, size_t stride);

/* Takes `width` × `height` pixels of the result at (x, y), rows `stride` bytes apart. Return 0, or
 * nonzero to fail the call. */
typedef int (*sf_write_fn)(void *user_data, int x, int y, int width, int height, const void *pixels, size_t stride);

/* An image the host reads and writes rectangle by rectangle. */
typedef struct {
    size_t struct_size;         /* sizeof(sf_region_io) */
    int width;                  /* 16 … 100000 each */
    int height;
    int bands;                  /* 3 or 4; alpha is read back from the input and written unchanged */
    sf_format format;
    sf_read_fn read;
    sf_write_fn write;
    void *user_data;
    /* Added in 0.2 (a struct_size that ends before them means no mask): as sf_stylize_masked, a
     * mask read through read_mask like the input (same user_data, the mask's own bands and format). */
    sf_read_fn read_mask;       /* NULL: stylize everywhere */
    int mask_width;             /* the input's proportions within 1 % */
    int mask_height;
    int mask_bands;             /* 1, 3 or 4 */
    sf_format mask_format;
} sf_region_io;

/* sf_stylize for an image the host never holds whole: the library reads the input through
 * io->read (rectangles of any shape; each scale reads it all once more; calls come from the library's
 * worker threads, never two at once, and all before sf_stylize_regions returns) and writes the result through io->write in strips of
 * full rows from top to bottom, once the job has finished (a failed or cancelled call writes
 * nothing). Memory: the job's budget plus the result at the image's size in floats (12 bytes a
 * pixel). */
sf_status sf_stylize_regions(sf_context *context, const sf_region_io *io);

/* Whether sf_stylize or sf_stylize_regions of a width × height image would fit options.max_memory
 * and the process (SF_OK), without running anything: a host that opens its output before the
 * pixels exist (libvips does) asks first. SF_ERROR_ARGUMENT says how much it would need. */
sf_status sf_check_size(sf_context *context, int width, int height);

/* A preview that can show seams: stylizes one tile on its own, in 8 bits, with the style at the
 * final scale, whose outer `margin` pixels are context only: output is the
 * (width − 2·margin) × (height − 2·margin) core. The core must be at least 16 × 16. A loaded
 * preset with a trained network (options.method not SF_METHOD_OPTIMIZE) paints the tile in one
 * pass of it, normalised with the tile's own statistics; `iterations` then plays no part. */
sf_status sf_stylize_tile(sf_context *context, const sf_image *input, int margin, sf_image *output);

#ifdef __cplusplus
}
#endif

#endif
