/* Reference driver for `filterctl serve --stdio` (docs/stream-protocol.md): stylizes an image of
 * any size through one server process, whole or tile by tile.
 *
 *   stylize_tiles IN OUT --whole [--tile N] [--iterations K] -- COMMAND [ARGS...]
 *   stylize_tiles IN OUT [--tile N] [--margin M] [--feather F] [--guide G] [--iterations K]
 *                 -- COMMAND [ARGS...]
 *
 * --whole sends the image as N px parts between an image begin and an image end frame: the server
 * runs the whole-image job once (what `filterctl stylize` makes) and returns the result in the
 * same parts. Without it, tiles are stylized one by one (a preview that can show seams): the whole image is first stylized at G px (default 256; 0 = no guide) and sent back as the
 * guide, so tiles agree on colours and layout. The input is padded by M with mirrored edges;
 * cores of N px step by N - F, each sent with M px of context on every side; replies are blended
 * with linear ramps across the F px overlaps. The output is written to a temporary file and
 * renamed into place.
 *
 * Build: cc -O2 stylize_tiles.c $(pkg-config --cflags --libs vips) -o stylize_tiles */
#include <vips/vips.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { HEADER = 64, KIND_TILE = 1, KIND_GUIDE = 2, KIND_BEGIN = 3, KIND_PART = 4, KIND_END = 5, KIND_ERROR = 255 };

typedef struct {
    int to_server;   /* its standard input */
    int from_server; /* its standard output */
    pid_t pid;
} Server;

static void die(const char *message) {
    fprintf(stderr, "stylize_tiles: %s\n", message);
    exit(1);
}

static void put16(unsigned char *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }
static uint32_t get32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t) p[3] << 24; }
static uint64_t get64(const unsigned char *p) { return get32(p) | (uint64_t) get32(p + 4) << 32; }

static void write_all(int fd, const void *data, size_t n) {
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die("the server stopped reading");
        p += w;
        n -= w;
    }
}

static void read_all(int fd, void *data, size_t n) {
    unsigned char *p = data;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("the server closed its output early");
        p += r;
        n -= r;
    }
}

static Server start_server(char **argv) {
    int in[2], out[2];
    if (pipe(in) || pipe(out)) die("pipe failed");
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "stylize_tiles: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    return (Server) {in[1], out[0], pid};
}

/* Sends one RGB u8 request frame. */
static void send_frame(Server *s, int kind, uint64_t id, int x, int y, int w, int h, int margin, int iterations,
                       const unsigned char *pixels) {
    unsigned char header[HEADER] = {0};
    memcpy(header, "SFTQ", 4);
    put16(header + 4, 1);
    put16(header + 6, kind);
    put64(header + 8, id);
    put32(header + 16, (uint32_t) x);
    put32(header + 20, (uint32_t) y);
    put32(header + 24, w);
    put32(header + 28, h);
    put16(header + 32, 3);
    put16(header + 34, 1);
    put32(header + 36, margin);
    put32(header + 40, iterations);
    put64(header + 48, (uint64_t) w * h * 3);
    write_all(s->to_server, header, HEADER);
    if (pixels) write_all(s->to_server, pixels, (size_t) w * h * 3);
}

/* Reads one reply; returns its pixels (malloc'd), kind, id, position and size. An error reply
 * ends the program with the server's message. */
static unsigned char *receive(Server *s, int *kind, uint64_t *id, int *x, int *y, int *w, int *h) {
    unsigned char reply[HEADER];
    read_all(s->from_server, reply, HEADER);
    if (memcmp(reply, "SFTR", 4) != 0) die("the server's reply has a bad magic");
    uint64_t length = get64(reply + 48);
    if (length > (1u << 30)) die("the server's reply is absurdly long");
    unsigned char *payload = malloc(length + 1);
    if (!payload) die("out of memory");
    read_all(s->from_server, payload, length);
    *kind = reply[6] | reply[7] << 8;
    *id = get64(reply + 8);
    if (*kind == KIND_ERROR) {
        payload[length] = 0;
        fprintf(stderr, "stylize_tiles: the server refused frame %llu: %s\n", (unsigned long long) *id, (char *) payload);
        exit(1);
    }
    *x = (int) get32(reply + 16);
    *y = (int) get32(reply + 20);
    *w = get32(reply + 24);
    *h = get32(reply + 28);
    if ((*kind == KIND_TILE || (*kind == KIND_PART && length > 0)) && length != (uint64_t) *w * *h * 3)
        die("the reply's length does not match its size");
    return payload;
}

/* One request and its reply, which must answer it. */
static unsigned char *request(Server *s, int kind, uint64_t id, int x, int y, int w, int h, int margin,
                              int iterations, const unsigned char *pixels, int *out_w, int *out_h) {
    send_frame(s, kind, id, x, y, w, h, margin, iterations, pixels);
    int reply_kind, rx, ry;
    uint64_t reply_id;
    unsigned char *payload = receive(s, &reply_kind, &reply_id, &rx, &ry, out_w, out_h);
    if (reply_id != id) die("a reply came back out of order");
    return payload;
}

/* The pixels of a region of an image as packed RGB u8. */
static unsigned char *region(VipsImage *image, int x, int y, int w, int h) {
    VipsImage *area;
    if (vips_extract_area(image, &area, x, y, w, h, NULL)) die(vips_error_buffer());
    size_t size;
    unsigned char *pixels = vips_image_write_to_memory(area, &size);
    g_object_unref(area);
    if (!pixels || size != (size_t) w * h * 3) die("cannot read the image (corrupt or truncated?)");
    return pixels;
}

/* Weight of a core pixel at offset i of n: ramps up over `feather` px on sides that overlap a
 * neighbour, so overlapping replies cross-fade. */
static float ramp(int i, int n, int feather, int has_before, int has_after) {
    float w = 1;
    if (has_before && i < feather) w = (i + 0.5f) / feather;
    if (has_after && n - 1 - i < feather) {
        float v = (n - 1 - i + 0.5f) / feather;
        if (v < w) w = v;
    }
    return w;
}

static int option(int *i, int argc, char **argv, const char *name, int *value) {
    if (strcmp(argv[*i], name) != 0) return 0;
    if (*i + 1 >= argc) die("an option is missing its value");
    char *end;
    long v = strtol(argv[*i + 1], &end, 10);
    if (*end || v < 0 || v > 100000) die("an option's value is not a number in range");
    *value = (int) v;
    *i += 1;
    return 1;
}

/* --whole: the image in parts of tile × tile, the job once, the result back in the same parts. */
static void stylize_whole(Server *server, VipsImage *image, int tile, int iterations, unsigned char *out) {
    int width = image->Xsize, height = image->Ysize, parts = 0, rw, rh;
    uint64_t id = 1;
    free(request(server, KIND_BEGIN, id++, width, height, 0, 0, 0, iterations, NULL, &rw, &rh));
    for (int y0 = 0; y0 < height; y0 += tile)
        for (int x0 = 0; x0 < width; x0 += tile) {
            int w = x0 + tile > width ? width - x0 : tile, h = y0 + tile > height ? height - y0 : tile;
            unsigned char *pixels = region(image, x0, y0, w, h);
            free(request(server, KIND_PART, id++, x0, y0, w, h, 0, 0, pixels, &rw, &rh));
            g_free(pixels);
            parts++;
        }
    fprintf(stderr, "stylize_tiles: %d parts sent; the server stylizes the whole image\n", parts);
    send_frame(server, KIND_END, id, 0, 0, 0, 0, 0, 0, NULL);
    for (int received = 0;; received++) {
        int kind, x, y, w, h;
        uint64_t reply_id;
        unsigned char *pixels = receive(server, &kind, &reply_id, &x, &y, &w, &h);
        if (kind == KIND_END) {
            free(pixels);
            if (received != parts) die("the server returned fewer parts than were sent");
            return;
        }
        if (kind != KIND_PART || x < 0 || y < 0 || x + w > width || y + h > height) die("an unexpected reply to the image end");
        for (int row = 0; row < h; row++)
            memcpy(out + ((size_t) (y + row) * width + x) * 3, pixels + (size_t) row * w * 3, (size_t) w * 3);
        free(pixels);
    }
}

int main(int argc, char **argv) {
    int tile = 384, margin = 32, feather = 32, guide = 256, iterations = 0, whole = 0, i;
    if (argc < 5) die("usage: stylize_tiles IN OUT [--tile N] [--margin M] [--feather F] [--guide G] [--iterations K] -- COMMAND [ARGS...]");
    const char *in_path = argv[1], *out_path = argv[2];
    for (i = 3; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--whole") == 0) { whole = 1; continue; }
        if (!option(&i, argc, argv, "--tile", &tile) && !option(&i, argc, argv, "--margin", &margin) &&
            !option(&i, argc, argv, "--feather", &feather) && !option(&i, argc, argv, "--guide", &guide) &&
            !option(&i, argc, argv, "--iterations", &iterations))
            die("unknown option (see the comment at the top of stylize_tiles.c)");
    }
    if (i >= argc - 1) die("give the server command after --");
    if (tile < 16 || (!whole && feather >= tile / 2)) die("--tile must be ≥ 16 and --feather below half of it");
    signal(SIGPIPE, SIG_IGN);
    if (VIPS_INIT(argv[0])) die("libvips failed to start");

    VipsImage *loaded, *srgb, *rgb, *image;
    if (!(loaded = vips_image_new_from_file(in_path, "access", VIPS_ACCESS_RANDOM, "fail_on", VIPS_FAIL_ON_ERROR, NULL)))
        die(vips_error_buffer());
    if (vips_colourspace(loaded, &srgb, VIPS_INTERPRETATION_sRGB, NULL)) die(vips_error_buffer());
    if (srgb->Bands > 3) {
        if (vips_extract_band(srgb, &rgb, 0, "n", 3, NULL)) die(vips_error_buffer());
    } else {
        rgb = srgb;
        g_object_ref(rgb);
    }
    if (vips_cast_uchar(rgb, &image, NULL)) die(vips_error_buffer());
    int width = image->Xsize, height = image->Ysize;

    Server server = start_server(argv + i + 1);
    uint64_t id = 1;
    unsigned char *out = malloc((size_t) width * height * 3);
    if (!out) die("out of memory");
    float *sum = NULL, *weight = NULL;
    VipsImage *padded = NULL;
    int count = 0;
    if (whole) {
        stylize_whole(&server, image, tile, iterations, out);
        goto finish;
    }

    if (guide > 0) {
        double scale = (double) guide / (width > height ? width : height);
        if (scale > 1) scale = 1;
        VipsImage *small;
        if (vips_resize(image, &small, scale, NULL)) die(vips_error_buffer());
        int gw = small->Xsize, gh = small->Ysize;
        unsigned char *pixels = region(small, 0, 0, gw, gh);
        int rw, rh;
        unsigned char *styled = request(&server, KIND_TILE, id++, 0, 0, gw, gh, 0, 0, pixels, &rw, &rh);
        unsigned char *ack = request(&server, KIND_GUIDE, id++, width, height, rw, rh, 0, 0, styled, &rw, &rh);
        g_free(pixels);
        free(styled);
        free(ack);
        g_object_unref(small);
        fprintf(stderr, "stylize_tiles: guide %d×%d sent\n", gw, gh);
    }

    if (vips_embed(image, &padded, margin, margin, width + 2 * margin, height + 2 * margin, "extend", VIPS_EXTEND_MIRROR, NULL))
        die(vips_error_buffer());
    sum = calloc((size_t) width * height * 3, sizeof(float));
    weight = calloc((size_t) width * height, sizeof(float));
    if (!sum || !weight) die("out of memory");

    int step = tile - feather;
    int total = ((width - feather + step - 1) / step) * ((height - feather + step - 1) / step);
    for (int y0 = 0; y0 < height; y0 += step) {
        int ch = y0 + tile > height ? height - y0 : tile;
        for (int x0 = 0; x0 < width; x0 += step) {
            int cw = x0 + tile > width ? width - x0 : tile;
            /* A core narrower than the network's minimum is widened to the left/top. */
            int cx = x0, cy = y0;
            if (cw < 16 && width >= 16) { cx = width - 16; cw = 16; }
            if (ch < 16 && height >= 16) { cy = height - 16; ch = 16; }
            unsigned char *pixels = region(padded, cx, cy, cw + 2 * margin, ch + 2 * margin);
            int rw, rh;
            unsigned char *styled = request(&server, KIND_TILE, id++, cx - margin, cy - margin, cw + 2 * margin,
                                            ch + 2 * margin, margin, iterations, pixels, &rw, &rh);
            if (rw != cw || rh != ch) die("a reply has the wrong size");
            for (int y = 0; y < ch; y++) {
                float wy = ramp(y, ch, feather, cy > 0, cy + ch < height);
                for (int x = 0; x < cw; x++) {
                    float w = wy * ramp(x, cw, feather, cx > 0, cx + cw < width);
                    size_t p = (size_t) (cy + y) * width + cx + x;
                    for (int c = 0; c < 3; c++) sum[3 * p + c] += w * styled[3 * ((size_t) y * cw + x) + c];
                    weight[p] += w;
                }
            }
            g_free(pixels);
            free(styled);
            fprintf(stderr, "stylize_tiles: tile %d/%d\n", ++count, total);
            if (x0 + tile >= width) break;
        }
        if (y0 + tile >= height) break;
    }

    for (size_t p = 0; p < (size_t) width * height; p++)
        for (int c = 0; c < 3; c++) {
            float v = weight[p] > 0 ? sum[3 * p + c] / weight[p] + 0.5f : 0;
            out[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : (unsigned char) v;
        }

finish:
    close(server.to_server);
    int status;
    waitpid(server.pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("the server did not exit cleanly");
    VipsImage *result = vips_image_new_from_memory(out, (size_t) width * height * 3, width, height, 3, VIPS_FORMAT_UCHAR);
    result->Type = VIPS_INTERPRETATION_sRGB;
    const char *suffix = strrchr(out_path, '.');
    char *temporary = g_strdup_printf("%s.%d.partial%s", out_path, (int) getpid(), suffix ? suffix : "");
    if (vips_image_write_to_file(result, temporary, NULL) || rename(temporary, out_path)) {
        unlink(temporary);
        die("cannot write the output");
    }
    if (whole) fprintf(stderr, "stylize_tiles: wrote %s (%d×%d, whole)\n", out_path, width, height);
    else fprintf(stderr, "stylize_tiles: wrote %s (%d×%d, %d tiles)\n", out_path, width, height, count);
    g_free(temporary);
    g_object_unref(result);
    free(out); free(sum); free(weight);
    if (padded) g_object_unref(padded);
    g_object_unref(image); g_object_unref(rgb); g_object_unref(srgb); g_object_unref(loaded);
    return 0;
}
