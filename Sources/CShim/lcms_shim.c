#include "CShim.h"

/* lcms2's pixel-format constants are macros Swift cannot import; these build the transforms. */

static cmsHTRANSFORM between_srgb8_and_lab(int to_lab) {
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsHPROFILE lab = cmsCreateLab4Profile(NULL);
    cmsHTRANSFORM t = NULL;
    if (srgb && lab)
        t = to_lab ? cmsCreateTransform(srgb, TYPE_RGB_8, lab, TYPE_Lab_FLT, INTENT_RELATIVE_COLORIMETRIC, 0)
                   : cmsCreateTransform(lab, TYPE_Lab_FLT, srgb, TYPE_RGB_8, INTENT_RELATIVE_COLORIMETRIC, 0);
    if (srgb) cmsCloseProfile(srgb);
    if (lab) cmsCloseProfile(lab);
    return t;
}

cmsHTRANSFORM sf_lcms_srgb8_to_lab(void) { return between_srgb8_and_lab(1); }
cmsHTRANSFORM sf_lcms_lab_to_srgb8(void) { return between_srgb8_and_lab(0); }
