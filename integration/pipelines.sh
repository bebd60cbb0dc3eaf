#!/usr/bin/env bash
# The README's pipeline recipes, run for real: filterctl between libvips commands, reading
# standard input and writing standard output, with nothing but images on the pipes.
#   integration/pipelines.sh FILTERCTL PHOTO STYLE WORKDIR
set -euo pipefail
filterctl=$1 photo=$2 style=$3 work=$4
cd "$work"

# A thumbnail in, a JPEG out: vips → filterctl → vips.
vips thumbnail "$photo" .png 96 \
    | "$filterctl" stylize - "$style" -o - --format png --size 96 --iterations 3 --quiet \
    | vips copy stdin recipe1.jpg
vipsheader recipe1.jpg

# A preset on a pipe, PPM (netpbm) out.
vips thumbnail "$photo" .jpg 64 \
    | "$filterctl" apply --preset mosaic - -o - --format ppm --size 64 --iterations 2 --quiet > recipe2.ppm
head -c 2 recipe2.ppm | grep -q P6
vipsheader recipe2.ppm
