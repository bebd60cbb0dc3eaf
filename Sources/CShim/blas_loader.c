// OpenBLAS, loaded on first use instead of linked. OpenBLAS picks its kernels once, when it loads,
// from a table of CPU models (or from OPENBLAS_CORETYPE); Debian 12's 0.3.21 does not know recent
// Xeons and falls back to SSE3 kernels, 4x slower. Loading it ourselves lets the library name the
// kernels from the CPU's features first, in filterctl and in any C host alike, without a re-exec.
#define _GNU_SOURCE
#include "CShim.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };  // CBLAS's own enum values

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*saxpy_fn)(int, float, const float *, int, float *, int);
typedef void (*sscal_fn)(int, float, float *, int);
typedef double (*dsdot_fn)(int, const float *, int, const float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*text_fn)(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sgemm_fn sgemm;
static saxpy_fn saxpy;
static sscal_fn sscal;
static dsdot_fn dsdot;
static set_threads_fn set_threads;
static text_fn get_config, get_corename;
static int choice = SF_BLAS_NOT_LOADED;
static char error[512];
static char set_aside[64];  // an inherited OPENBLAS_CORETYPE not used

#if defined(__x86_64__) || defined(__i386__)
static unsigned long long xcr0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif

unsigned sf_cpu_features(void) {
    unsigned features = 0;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    unsigned max_leaf = a;
    // "AuthenticAMD" and "HygonGenuine" (Zen): OpenBLAS tunes its blocking per vendor.
    if ((b == 0x68747541 && d == 0x69746e65) || (b == 0x6f677948 && d == 0x6e65476e)) features |= SF_CPU_AMD;
    __get_cpuid(1, &a, &b, &c, &d);
    int osxsave = (c >> 27) & 1;
    unsigned long long os = osxsave ? xcr0() : 0;
    // The OS must save the registers too: YMM state (bits 1-2), then opmask and ZMM (bits 5-7).
    int ymm = (os & 0x6) == 0x6, zmm = ymm && (os & 0xe0) == 0xe0;
    if (ymm && ((c >> 28) & 1)) features |= SF_CPU_AVX;
    if (ymm && ((c >> 12) & 1)) features |= SF_CPU_FMA;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (ymm && ((b >> 5) & 1)) features |= SF_CPU_AVX2;
        unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);  // F DQ CD BW VL
        if (zmm && (b & avx512) == avx512) features |= SF_CPU_AVX512;
        __cpuid_count(7, 1, a, b, c, d);
        if ((features & SF_CPU_AVX512) && ((a >> 5) & 1)) features |= SF_CPU_AVX512_BF16;
    }
#endif
    return features;
}

const char *sf_blas_core_for(unsigned features) {
    if (features & SF_CPU_AVX512) return (features & SF_CPU_AVX512_BF16) ? "Cooperlake" : "SkylakeX";
    if ((features & SF_CPU_AVX2) && (features & SF_CPU_FMA)) return (features & SF_CPU_AMD) ? "Zen" : "Haswell";
    return NULL;  // older CPUs: OpenBLAS's own table knows them
}

int sf_cpu_vector_class(unsigned features) {
    if (features & SF_CPU_AVX512) return 4;
    if ((features & SF_CPU_AVX2) && (features & SF_CPU_FMA)) return 3;
    if (features & SF_CPU_AVX) return 2;
    return 1;
}

const char *sf_cpu_vector_name(unsigned features) {
    if (features & SF_CPU_AVX512) return (features & SF_CPU_AVX512_BF16) ? "AVX-512 with BF16" : "AVX-512";
    if ((features & SF_CPU_AVX2) && (features & SF_CPU_FMA)) return "AVX2+FMA";
    return (features & SF_CPU_AVX) ? "AVX" : "SSE only";
}

int sf_blas_kernel_class(const char *core) {
    static const char *const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids", NULL};
    static const char *const avx2[] = {"Haswell", "Zen", NULL};
    static const char *const avx[] = {"Sandybridge", "Bulldozer", "Piledriver", "Steamroller", "Excavator", NULL};
    static const char *const sse[] = {"Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2",
                                      "Penryn", "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3",
                                      "Barcelona", "Nano", "Bobcat", NULL};
    static const char *const *const classes[] = {sse, avx, avx2, avx512};
    if (core == NULL) return 0;
    for (int k = 0; k < 4; k++)
        for (const char *const *name = classes[k]; *name; name++)
            if (strcasecmp(core, *name) == 0) return k + 1;
    return 0;
}

static void *symbol(void *library, const char *name) {
    void *address = dlsym(library, name);
    if (address == NULL && error[0] == 0) snprintf(error, sizeof error, "OpenBLAS lacks %s", name);
    return address;
}

static void load(void) {
    static const char *const soname = "libopenblas.so.0";
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (library != NULL) {
        choice = SF_BLAS_LOADED_BY_HOST;  // its kernels were fixed when the host loaded it
    } else {
        // STYLEFILTER_BLAS_KERNELS names the kernels outright. OPENBLAS_CORETYPE is honoured when it
        // names kernels of the CPU's own vector class; an older class is set aside: machines set it
        // for every program (as a workaround for OpenBLAS's table), and for StyleFilter it would
        // turn AVX-512 into AVX2 kernels, 22 % slower per iteration on a Zen 5 EPYC.
        const char *forced = getenv("STYLEFILTER_BLAS_KERNELS");
        // A copy: setting the variable below may free the environment's own string.
        char saved[64] = "";
        const char *inherited = getenv("OPENBLAS_CORETYPE") ? saved : NULL;
        if (inherited) snprintf(saved, sizeof saved, "%s", getenv("OPENBLAS_CORETYPE"));
        const char *named = forced && *forced ? forced : inherited;
        const char *variable = forced && *forced ? "STYLEFILTER_BLAS_KERNELS" : "OPENBLAS_CORETYPE";
        unsigned features = sf_cpu_features();
        int needs_bf16 = named && strcasecmp(named, "Cooperlake") == 0;
        // OpenBLAS 0.3.21 trusts the name: AVX-512 kernels on a CPU without AVX-512 die of SIGILL
        // at the first product. A name beyond the CPU is refused here, with the reason.
        if (named && (sf_blas_kernel_class(named) > sf_cpu_vector_class(features) ||
                      (needs_bf16 && !(features & SF_CPU_AVX512_BF16)))) {
            snprintf(error, sizeof error, "%s=%s names kernels this CPU cannot run (it has %s): unset it to let "
                     "StyleFilter choose", variable, named, sf_cpu_vector_name(features));
            return;
        }
        const char *own = sf_blas_core_for(features);
        if (named == inherited && named && own && sf_blas_kernel_class(named) < sf_blas_kernel_class(own)) {
            snprintf(set_aside, sizeof set_aside, "%s", named);
            named = NULL;
        }
        const char *core = named ? named : own;
        choice = named == forced && named ? SF_BLAS_CHOSEN_BY_STYLEFILTER_VARIABLE
               : named ? SF_BLAS_CHOSEN_BY_ENVIRONMENT
               : core ? SF_BLAS_CHOSEN_FROM_FEATURES : SF_BLAS_CHOSEN_BY_OPENBLAS;
        // OpenBLAS reads the variable only while it loads; it is set for that moment and then
        // put back as it was, so the host's environment is unchanged.
        if (core) setenv("OPENBLAS_CORETYPE", core, 1);
        library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (core) {
            if (inherited) setenv("OPENBLAS_CORETYPE", saved, 1);
            else unsetenv("OPENBLAS_CORETYPE");
        }
    }
    if (library == NULL) {
        snprintf(error, sizeof error, "cannot load OpenBLAS (%s): %s; install Debian's libopenblas0", soname,
                 dlerror());
        choice = SF_BLAS_NOT_LOADED;
        return;
    }
    sgemm_fn g = (sgemm_fn)symbol(library, "cblas_sgemm");
    saxpy = (saxpy_fn)symbol(library, "cblas_saxpy");
    sscal = (sscal_fn)symbol(library, "cblas_sscal");
    dsdot = (dsdot_fn)symbol(library, "cblas_dsdot");
    set_threads = (set_threads_fn)symbol(library, "openblas_set_num_threads");
    get_config = (text_fn)symbol(library, "openblas_get_config");
    get_corename = (text_fn)symbol(library, "openblas_get_corename");
    if (error[0]) {
        choice = SF_BLAS_NOT_LOADED;
        return;
    }
    sgemm = g;  // last: a non-NULL sgemm means everything is there
}

int sf_blas_load(void) {
    pthread_once(&once, load);
    return sgemm ? 0 : -1;
}

const char *sf_blas_error(void) { return sf_blas_load() == 0 ? "" : error; }
int sf_blas_choice(void) { return sf_blas_load() == 0 ? choice : SF_BLAS_NOT_LOADED; }
const char *sf_blas_config(void) { return sf_blas_load() == 0 ? get_config() : ""; }
const char *sf_blas_kernels(void) { return sf_blas_load() == 0 ? get_corename() : ""; }
const char *sf_blas_set_aside(void) { return sf_blas_load() == 0 ? set_aside : ""; }

int sf_blas_set_threads(int count) {
    if (sf_blas_load() != 0) return -1;
    set_threads(count);
    return 0;
}

// The engine calls sf_blas_load() (through BLAS.require()) before any of these; if loading failed
// anyway, a product comes out as NaN, which the optimizer reports, rather than a crash.
void sf_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
    if (sf_blas_load() != 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = __builtin_nanf("");
        return;
    }
    sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta,
          c, ldc);
}

void sf_saxpy(int n, float alpha, const float *x, float *y) {
    if (sf_blas_load() != 0) {
        for (int i = 0; i < n; i++) y[i] = __builtin_nanf("");
        return;
    }
    saxpy(n, alpha, x, 1, y, 1);
}

void sf_sscal(int n, float alpha, float *x) {
    if (sf_blas_load() != 0) {
        for (int i = 0; i < n; i++) x[i] = __builtin_nanf("");
        return;
    }
    sscal(n, alpha, x, 1);
}

double sf_dsdot(int n, const float *x, const float *y) {
    return sf_blas_load() == 0 ? dsdot(n, x, 1, y, 1) : __builtin_nan("");
}
