/* A libvips operation, `stylize`, loaded as a module: the whole image is stylized once, by the
 * same job as `filterctl stylize` (coarse-to-fine to the image's size, tiles with the whole
 * image's style statistics where max-memory needs them), then libvips is served regions of the
 * result. The input is read through libvips regions, so it can be any size libvips can produce.
 *
 *   VIPSHOME=DIR vips stylize in.tif out.tif --preset swirls [--iterations N] [--refine-iterations N]
 *                                                             [--max-memory MiB]
 *   vips stylize in.jpg out.png --style painting.jpg [--size 2000] [--vips-progress]
 *   vips stylize in.jpg out.jpg --style painting.jpg --mask sky.png     (only where the mask is white)
 *
 * One network per operation (not per worker thread). Progress is reported through libvips' eval
 * signal on the output image (what --vips-progress prints); vips_image_set_kill() on it cancels.
 *
 * Build and install (libvips 8.14 scans $VIPSHOME/x86_64-linux-gnu/vips-modules-8.14/, or
 * $libdir/vips-modules-8.14/ without VIPSHOME; `make install-vips-module` does it):
 *   cc -O2 -shared -fPIC stylize_module.c $(pkg-config --cflags --libs vips stylefilter) -o vips-stylize.so */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include "stylefilter.h"

typedef struct _Stylize {
    VipsOperation parent;
    VipsImage *in;
    VipsImage *out;
    char *preset;
    char *style;
    char *preset_dir;
    int iterations;
    int size;
    int base_size;
    int refine_iterations;
    char *method;         /* a preset's: automatic, fast (its trained network) or optimize */
    int refine;           /* Adam iterations from the network's result */
    int max_memory;       /* MiB */
    VipsImage *mask;      /* optional: stylize where it is white, keep the input where black */
    VipsImage *source;    /* the input as 8- or 16-bit sRGB, 3 or 4 bands, at the result's size */
    VipsImage *mask_source; /* the mask as 8-bit sRGB, 3 bands; NULL without a mask */
    sf_context *context;
    GMutex lock;
    int state;            /* 0: not run, 1: done, -1: failed */
    unsigned char *result;
    size_t row_bytes;
    VipsProgress progress;
} Stylize;

typedef VipsOperationClass StylizeClass;

G_DEFINE_TYPE(Stylize, stylize, VIPS_TYPE_OPERATION);

static void stylize_dispose(GObject *object) {
    Stylize *self = (Stylize *) object;
    sf_context_destroy(self->context);
    self->context = NULL;
    g_free(self->result);
    self->result = NULL;
    G_OBJECT_CLASS(stylize_parent_class)->dispose(object);
}

static void stylize_finalize(GObject *object) {
    g_mutex_clear(&((Stylize *) object)->lock);
    G_OBJECT_CLASS(stylize_parent_class)->finalize(object);
}

/* The job's reads come from its worker threads, one at a time: a region of our own per read. */
static int read_image(VipsImage *image, int x, int y, int width, int height, void *pixels, size_t stride) {
    VipsRegion *region = vips_region_new(image);
    VipsRect rect = {x, y, width, height};
    int rc = vips_region_prepare(region, &rect);
    if (!rc) {
        size_t bytes = (size_t) width * VIPS_IMAGE_SIZEOF_PEL(image);
        for (int row = 0; row < height; row++)
            memcpy((char *) pixels + (size_t) row * stride, VIPS_REGION_ADDR(region, x, y + row), bytes);
    }
    g_object_unref(region);
    return rc;
}

static int read_input(void *user, int x, int y, int width, int height, void *pixels, size_t stride) {
    return read_image(((Stylize *) user)->source, x, y, width, height, pixels, stride);
}

static int read_mask(void *user, int x, int y, int width, int height, void *pixels, size_t stride) {
    return read_image(((Stylize *) user)->mask_source, x, y, width, height, pixels, stride);
}

static int write_result(void *user, int x, int y, int width, int height, const void *pixels, size_t stride) {
    Stylize *self = user;
    for (int row = 0; row < height; row++)
        memcpy(self->result + (size_t) (y + row) * self->row_bytes + (size_t) x * VIPS_IMAGE_SIZEOF_PEL(self->source),
               (const char *) pixels + (size_t) row * stride, (size_t) width * VIPS_IMAGE_SIZEOF_PEL(self->source));
    return 0;
}

/* libvips' own progress signal on the output image, with the job's share done and ETA. */
static int report(void *user, const sf_progress_info *info) {
    Stylize *self = user;
    VipsProgress *p = &self->progress;
    p->im = self->out;
    p->run = (int) info->seconds;
    p->eta = info->eta_seconds < 0 ? 0 : (int) info->eta_seconds;
    p->tpels = (gint64) self->out->Xsize * self->out->Ysize;
    p->npels = (gint64) (info->fraction_done * p->tpels);
    p->percent = (int) (100 * info->fraction_done);
    g_signal_emit_by_name(self->out, "eval", p);
    return vips_image_iskilled(self->out);
}

/* The first region asked for runs the job; the others wait for it, then copy from the result. */
static int stylize_generate(VipsRegion *out, void *seq, void *a, void *b, gboolean *stop) {
    Stylize *self = a;
    g_mutex_lock(&self->lock);
    if (self->state == 0) {
        self->row_bytes = (size_t) self->source->Xsize * VIPS_IMAGE_SIZEOF_PEL(self->source);
        self->result = g_try_malloc(self->row_bytes * self->source->Ysize);
        sf_format format = self->source->BandFmt == VIPS_FORMAT_USHORT ? SF_FORMAT_U16 : SF_FORMAT_U8;
        VipsImage *mask = self->mask_source;
        sf_region_io io = {sizeof io, self->source->Xsize, self->source->Ysize, self->source->Bands, format,
                           read_input, write_result, self, mask ? read_mask : NULL, mask ? mask->Xsize : 0,
                           mask ? mask->Ysize : 0, 3, SF_FORMAT_U8};
        sf_status status = self->result ? sf_stylize_regions(self->context, &io) : SF_ERROR_ARGUMENT;
        if (status == SF_OK) {
            self->state = 1;
        } else {
            self->state = -1;
            vips_error("stylize", "%s", self->result ? sf_context_last_error(self->context) : "out of memory for the result");
        }
    }
    int state = self->state;
    g_mutex_unlock(&self->lock);
    if (state != 1) {
        if (state == -1) vips_error("stylize", "the style transfer failed");
        return -1;
    }
    VipsRect *r = &out->valid;
    size_t pel = VIPS_IMAGE_SIZEOF_PEL(self->source);
    for (int y = 0; y < r->height; y++)
        memcpy(VIPS_REGION_ADDR(out, r->left, r->top + y),
               self->result + (size_t) (r->top + y) * self->row_bytes + (size_t) r->left * pel, (size_t) r->width * pel);
    return 0;
}

static int stylize_build(VipsObject *object) {
    Stylize *self = (Stylize *) object;
    VipsImage **t = (VipsImage **) vips_object_local_array(object, 7);
    if (VIPS_OBJECT_CLASS(stylize_parent_class)->build(object)) return -1;
    if (!self->preset == !self->style) {
        vips_error("stylize", "give exactly one of preset or style");
        return -1;
    }
    /* The network and style load here, so a bad preset or image fails before libvips opens the
     * output file (a failure inside generate would leave a partial file behind). */
    sf_options options;
    sf_options_init(&options);
    options.iterations = self->iterations;
    options.max_memory = (size_t) self->max_memory << 20;
    options.base_size = self->base_size;
    options.refine_iterations = self->refine_iterations;
    options.refine = self->refine;
    if (self->method) {
        if (g_str_equal(self->method, "fast")) options.method = SF_METHOD_FAST;
        else if (g_str_equal(self->method, "optimize")) options.method = SF_METHOD_OPTIMIZE;
        else if (!g_str_equal(self->method, "automatic")) {
            vips_error("stylize", "method must be automatic, fast or optimize");
            return -1;
        }
    }
    options.progress_ex = report;
    options.progress_user_data = self;
    sf_status status = sf_context_create(&options, &self->context);
    if (status == SF_OK)
        status = self->preset ? sf_context_load_preset(self->context, self->preset, self->preset_dir)
                              : sf_context_load_style(self->context, self->style);
    if (status != SF_OK) {
        vips_error("stylize", "%s", sf_context_last_error(self->context));
        return -1;
    }
    /* sRGB at 8 bits, or 16 where the input has more; alpha kept; resized to `size` if given. */
    VipsImage *in = self->in;
    int sixteen = vips_band_format_is8bit(in->BandFmt) ? 0 : 1;
    int bands = vips_image_hasalpha(in) ? 4 : 3;
    if (vips_colourspace(in, &t[0], sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB, NULL) ||
        vips_extract_band(t[0], &t[1], 0, "n", bands, NULL) ||
        vips_cast(t[1], &t[2], sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR, NULL))
        return -1;
    VipsImage *source = t[2];
    if (self->size > 0) {
        double scale = (double) self->size / VIPS_MAX(source->Xsize, source->Ysize);
        if (vips_resize(source, &t[3], scale, NULL)) return -1;
        source = t[3];
    }
    if (source->Xsize < 16 || source->Ysize < 16) {
        vips_error("stylize", "the image must be at least 16 × 16");
        return -1;
    }
    /* Too large for max-memory is said now, before libvips opens the output file. */
    if (sf_check_size(self->context, source->Xsize, source->Ysize) != SF_OK) {
        vips_error("stylize", "%s", sf_context_last_error(self->context));
        return -1;
    }
    /* The mask as 8-bit sRGB: the library takes its lightness as filterctl does (the mean of
     * R, G and B), so a colour mask selects the same pixels through every door. A mask of other
     * proportions is refused here, not after the output file is open. */
    if (self->mask) {
        VipsImage *m = self->mask;
        double ratio = ((double) m->Xsize / m->Ysize) / ((double) source->Xsize / source->Ysize);
        if (ratio < 0.99 || ratio > 1.01 || m->Xsize < 16 || m->Ysize < 16) {
            vips_error("stylize", "the mask is %d × %d and the image %d × %d: a mask needs the image's proportions "
                       "(and 16 × 16 at least)", m->Xsize, m->Ysize, source->Xsize, source->Ysize);
            return -1;
        }
        if (vips_colourspace(m, &t[4], VIPS_INTERPRETATION_sRGB, NULL) || vips_extract_band(t[4], &t[5], 0, "n", 3, NULL) ||
            vips_cast(t[5], &t[6], VIPS_FORMAT_UCHAR, NULL))
            return -1;
        self->mask_source = t[6];
    }
    self->source = source;
    g_object_set(self, "out", vips_image_new(), NULL);
    if (vips_image_pipelinev(self->out, VIPS_DEMAND_STYLE_ANY, source, NULL)) return -1;
    return vips_image_generate(self->out, NULL, stylize_generate, NULL, self, NULL);
}

/* The library's range and default of an sf_options field (its table of settings). */
static sf_setting setting(const char *field) {
    sf_setting s = {0, 0, 0};
    sf_setting_get(field, &s);
    return s;
}

static void stylize_class_init(StylizeClass *klass) {
    sf_options defaults;
    sf_options_init(&defaults);
    sf_setting iterations = setting("iterations"), base_size = setting("base_size"), refine_iterations = setting("refine_iterations"),
               max_memory = setting("max_memory"), refine = setting("refine");
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    VipsObjectClass *object_class = VIPS_OBJECT_CLASS(klass);
    gobject_class->set_property = vips_object_set_property;
    gobject_class->get_property = vips_object_get_property;
    gobject_class->dispose = stylize_dispose;
    gobject_class->finalize = stylize_finalize;
    object_class->nickname = "stylize";
    object_class->description = "neural style transfer (StyleFilter) of the whole image with a preset or a style image";
    object_class->build = stylize_build;
    /* Each call is a new long job: never take a cached result for it. */
    VIPS_OPERATION_CLASS(klass)->flags = VIPS_OPERATION_NOCACHE;
    VIPS_ARG_IMAGE(klass, "in", 1, "Input", "Input image", VIPS_ARGUMENT_REQUIRED_INPUT, G_STRUCT_OFFSET(Stylize, in));
    VIPS_ARG_IMAGE(klass, "out", 2, "Output", "Output image", VIPS_ARGUMENT_REQUIRED_OUTPUT, G_STRUCT_OFFSET(Stylize, out));
    VIPS_ARG_STRING(klass, "preset", 3, "Preset", "Preset name or .json path", VIPS_ARGUMENT_OPTIONAL_INPUT,
                    G_STRUCT_OFFSET(Stylize, preset), NULL);
    VIPS_ARG_STRING(klass, "style", 4, "Style", "Style image file", VIPS_ARGUMENT_OPTIONAL_INPUT,
                    G_STRUCT_OFFSET(Stylize, style), NULL);
    VIPS_ARG_STRING(klass, "preset_dir", 5, "Preset dir", "Directory searched first for the preset",
                    VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, preset_dir), NULL);
    VIPS_ARG_INT(klass, "iterations", 6, "Iterations",
                 /* Made once per process, for the class's lifetime. */
                 g_strdup_printf("Iterations of the base scale (0: the preset's or %g)", iterations.default_value),
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, iterations), 0, iterations.maximum, 0);
    VIPS_ARG_INT(klass, "size", 7, "Size", "Long side of the result in pixels (0: the input's)",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, size), 0, base_size.maximum, 0);
    VIPS_ARG_INT(klass, "base_size", 9, "Base size", "Long side the picture is composed at before refining to full size",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, base_size), base_size.minimum, base_size.maximum,
                 defaults.base_size);
    VIPS_ARG_INT(klass, "refine_iterations", 10, "Refine iterations",
                 "Iterations at the largest scale, twice as many at each smaller refining one",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, refine_iterations), refine_iterations.minimum,
                 refine_iterations.maximum, defaults.refine_iterations);
    VIPS_ARG_INT(klass, "max_memory", 8, "Max memory", "MiB the style transfer may use; larger scales are tiled",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, max_memory), max_memory.minimum / (1 << 20),
                 VIPS_MIN(max_memory.maximum / (1 << 20), INT_MAX), (int) (defaults.max_memory >> 20));
    VIPS_ARG_STRING(klass, "method", 12, "Method",
                    "A preset's: automatic (its trained network when it has one), fast or optimize",
                    VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, method), "automatic");
    VIPS_ARG_INT(klass, "refine", 13, "Refine", "Adam iterations from the trained network's result",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, refine), refine.minimum, refine.maximum, defaults.refine);
    VIPS_ARG_IMAGE(klass, "mask", 11, "Mask",
                   "Stylize only where this is white; black keeps the input, greys mix (the input's proportions)",
                   VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, mask));
}

static void stylize_init(Stylize *self) {
    /* The library's defaults, so this door cannot drift from filterctl's. */
    sf_options defaults;
    sf_options_init(&defaults);
    self->max_memory = (int) (defaults.max_memory >> 20);
    self->base_size = defaults.base_size;
    self->refine_iterations = defaults.refine_iterations;
    g_mutex_init(&self->lock);
}

G_MODULE_EXPORT const gchar *g_module_check_init(GModule *module) {
    (void) module;
    stylize_get_type();
    return NULL;
}

/* libvips' module folder is its own (or $VIPSHOME's, which hides its other modules); loaded any
 * other way (LD_PRELOAD=vips-stylize.so, a host's dlopen, Python's ctypes with RTLD_GLOBAL) only
 * constructors run, so the operation registers itself here too. Registering twice is harmless. */
__attribute__((constructor)) static void stylize_register(void) { stylize_get_type(); }
