/* A libvips operation, `stylize`, loaded as a module: libvips pulls the image through it region
 * by region, so images of any size are stylized with memory bounded by the region, and the
 * filter sits inside any libvips pipeline:
 *
 *   VIPSHOME=DIR vips stylize in.tif out.tif --preset swirls [--iterations N] [--margin M]
 *   vips stylize in.jpg out.png --style painting.jpg
 *
 * Each region is stylized as a tile with `margin` pixels of mirrored context around it (cropped
 * again), through the C API; each libvips worker thread has its own sf_context.
 *
 * Build and install (libvips 8.14 scans $VIPSHOME/x86_64-linux-gnu/vips-modules-8.14/, or
 * $libdir/vips-modules-8.14/ without VIPSHOME):
 *   cc -O2 -shared -fPIC stylize_module.c $(pkg-config --cflags --libs vips stylefilter) -o vips-stylize.so */
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
    int margin;
    VipsImage *padded; /* 8-bit sRGB, mirrored by margin on every side */
} Stylize;

typedef VipsOperationClass StylizeClass;

G_DEFINE_TYPE(Stylize, stylize, VIPS_TYPE_OPERATION);

/* Per worker thread: the input region and a context of its own. */
typedef struct {
    VipsRegion *region;
    sf_context *context;
    char *error;
} Sequence;

static void *stylize_start(VipsImage *out, void *a, void *b) {
    Stylize *self = b;
    Sequence *seq = g_new0(Sequence, 1);
    seq->region = vips_region_new(self->padded);
    sf_options options;
    sf_options_init(&options);
    options.iterations = self->iterations;
    sf_status status = sf_context_create(&options, &seq->context);
    if (status == SF_OK)
        status = self->preset ? sf_context_load_preset(seq->context, self->preset, self->preset_dir)
                              : sf_context_load_style(seq->context, self->style);
    if (status != SF_OK) seq->error = g_strdup(sf_context_last_error(seq->context));
    return seq;
}

static int stylize_stop(void *vseq, void *a, void *b) {
    Sequence *seq = vseq;
    if (seq->region) g_object_unref(seq->region);
    sf_context_destroy(seq->context);
    g_free(seq->error);
    g_free(seq);
    return 0;
}

static int stylize_generate(VipsRegion *out, void *vseq, void *a, void *b, gboolean *stop) {
    Sequence *seq = vseq;
    Stylize *self = b;
    if (seq->error) {
        vips_error("stylize", "%s", seq->error);
        return -1;
    }
    VipsRect *r = &out->valid;
    int width = self->in->Xsize, height = self->in->Ysize, m = self->margin;
    /* The network needs a core of 16 × 16: a thinner edge region is computed as a wider one
     * that ends at the image's edge, and only its own part is copied out. */
    VipsRect core = *r;
    if (core.width < 16) { core.width = 16; if (core.left + 16 > width) core.left = width - 16; }
    if (core.height < 16) { core.height = 16; if (core.top + 16 > height) core.top = height - 16; }
    VipsRect need = {core.left, core.top, core.width + 2 * m, core.height + 2 * m}; /* padded coordinates */
    if (vips_region_prepare(seq->region, &need)) return -1;
    int tile_w = need.width, tile_h = need.height;
    unsigned char *tile = g_malloc((size_t) tile_w * tile_h * 3);
    unsigned char *result = g_malloc((size_t) core.width * core.height * 3);
    for (int y = 0; y < tile_h; y++)
        memcpy(tile + (size_t) y * tile_w * 3, VIPS_REGION_ADDR(seq->region, need.left, need.top + y), (size_t) tile_w * 3);
    sf_image in = {tile, tile_w, tile_h, (size_t) tile_w * 3, 3, SF_FORMAT_U8};
    sf_image res = {result, core.width, core.height, (size_t) core.width * 3, 3, SF_FORMAT_U8};
    sf_status status = sf_stylize_tile(seq->context, &in, m, &res);
    if (status == SF_OK)
        for (int y = 0; y < r->height; y++)
            memcpy(VIPS_REGION_ADDR(out, r->left, r->top + y),
                   result + ((size_t) (r->top - core.top + y) * core.width + (r->left - core.left)) * 3, (size_t) r->width * 3);
    else
        vips_error("stylize", "%s", sf_context_last_error(seq->context));
    g_free(tile);
    g_free(result);
    return status == SF_OK ? 0 : -1;
}

static int stylize_build(VipsObject *object) {
    Stylize *self = (Stylize *) object;
    VipsImage **t = (VipsImage **) vips_object_local_array(object, 4);
    if (VIPS_OBJECT_CLASS(stylize_parent_class)->build(object)) return -1;
    if (!self->preset == !self->style) {
        vips_error("stylize", "give exactly one of preset or style");
        return -1;
    }
    /* Load the style once here, so a bad preset or image fails before libvips opens the output
     * file (a failure inside generate would leave a partial file behind). */
    sf_options options;
    sf_options_init(&options);
    sf_context *probe = NULL;
    sf_status status = sf_context_create(&options, &probe);
    if (status == SF_OK)
        status = self->preset ? sf_context_load_preset(probe, self->preset, self->preset_dir)
                              : sf_context_load_style(probe, self->style);
    if (status != SF_OK) vips_error("stylize", "%s", sf_context_last_error(probe));
    sf_context_destroy(probe);
    if (status != SF_OK) return -1;
    if (self->in->Xsize < 16 || self->in->Ysize < 16) {
        vips_error("stylize", "the image must be at least 16 × 16");
        return -1;
    }
    if (vips_colourspace(self->in, &t[0], VIPS_INTERPRETATION_sRGB, NULL) ||
        vips_extract_band(t[0], &t[1], 0, "n", 3, NULL) || vips_cast_uchar(t[1], &t[2], NULL) ||
        vips_embed(t[2], &t[3], self->margin, self->margin, self->in->Xsize + 2 * self->margin,
                   self->in->Ysize + 2 * self->margin, "extend", VIPS_EXTEND_MIRROR, NULL))
        return -1;
    self->padded = t[3];
    g_object_set(self, "out", vips_image_new(), NULL);
    if (vips_image_pipelinev(self->out, VIPS_DEMAND_STYLE_SMALLTILE, t[2], NULL)) return -1;
    self->out->Type = VIPS_INTERPRETATION_sRGB;
    return vips_image_generate(self->out, stylize_start, stylize_generate, stylize_stop, NULL, self);
}

static void stylize_class_init(StylizeClass *klass) {
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    VipsObjectClass *object_class = VIPS_OBJECT_CLASS(klass);
    gobject_class->set_property = vips_object_set_property;
    gobject_class->get_property = vips_object_get_property;
    object_class->nickname = "stylize";
    object_class->description = "neural style transfer (StyleFilter) with a preset or a style image";
    object_class->build = stylize_build;
    VIPS_ARG_IMAGE(klass, "in", 1, "Input", "Input image", VIPS_ARGUMENT_REQUIRED_INPUT, G_STRUCT_OFFSET(Stylize, in));
    VIPS_ARG_IMAGE(klass, "out", 2, "Output", "Output image", VIPS_ARGUMENT_REQUIRED_OUTPUT, G_STRUCT_OFFSET(Stylize, out));
    VIPS_ARG_STRING(klass, "preset", 3, "Preset", "Preset name or .json path", VIPS_ARGUMENT_OPTIONAL_INPUT,
                    G_STRUCT_OFFSET(Stylize, preset), NULL);
    VIPS_ARG_STRING(klass, "style", 4, "Style", "Style image file", VIPS_ARGUMENT_OPTIONAL_INPUT,
                    G_STRUCT_OFFSET(Stylize, style), NULL);
    VIPS_ARG_STRING(klass, "preset_dir", 5, "Preset dir", "Directory searched first for the preset",
                    VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, preset_dir), NULL);
    VIPS_ARG_INT(klass, "iterations", 6, "Iterations", "Iterations per region (0: the preset's or 300)",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, iterations), 0, 100000, 0);
    VIPS_ARG_INT(klass, "margin", 7, "Margin", "Pixels of context around each region",
                 VIPS_ARGUMENT_OPTIONAL_INPUT, G_STRUCT_OFFSET(Stylize, margin), 0, 256, 32);
}

static void stylize_init(Stylize *self) { self->margin = 32; }

G_MODULE_EXPORT const gchar *g_module_check_init(GModule *module) {
    (void) module;
    stylize_get_type();
    return NULL;
}
