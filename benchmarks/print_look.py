#!/usr/bin/env python3
"""Does a large result read as paint at 1:1? The print-size measures of issue 38, with numpy,
Pillow and filterctl itself (no PyTorch needed; benchmarks/large_look.py is the independent one).

    python benchmarks/print_look.py PAINTING RESULT [RESULT ...] [--filterctl PATH]

For each RESULT, and for the PAINTING's own crops as the reference a crop of paint scores:
- crops: a 3×2 grid of 512×512 crops, evenly spread over the picture;
- gram: the fine layers' style loss (relu1_1 + relu2_1, Gram matrices) of each crop against the
  whole painting at its own resolution, as filterctl computes it at iteration 0 (the crop is its
  own start, content weight 0), averaged over the crops;
- sliced: the same with --style-loss sliced (the features' distributions along 64 and 128 fixed
  directions): a distribution distance;
- foreign: the share of the crops' pixels in colours the painting never uses (16 levels a
  channel; the painting's cells with 3 or more pixels, widened by one cell each way);
- pattern: the mean absolute change between neighbouring columns (rows) of the whole RESULT,
  grouped by position modulo 8: the largest group's departure from the mean, in percent;
- with --photo and --preview (the run's 512 px composition): the look when the print is seen
  whole, the RESULT reduced to the preview's size and scored with filterctl's default losses
  (style and content, as at the preview's iteration 0), as ratios to the preview's own scores;
  --look-size 256 reduces both the RESULT and the preview to that long side first (the
  restatement proposed in issue 38: at the preview's own size a half-pixel blur of an L-BFGS
  optimum already multiplies its Gram loss hundreds of times).
"""
import argparse
import os
import re
import subprocess
import tempfile

import numpy
from PIL import Image

Image.MAX_IMAGE_PIXELS = None


def reduced(image, long_side):
    """The picture bilinearly reduced so its long side is long_side (the look's measure)."""
    scale = long_side / max(image.size)
    return image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.BILINEAR)


def crops(image, size=512, columns=3, rows=2):
    w, h = image.size
    xs = [round(i * (w - size) / (columns - 1)) for i in range(columns)]
    ys = [round(j * (h - size) / (rows - 1)) for j in range(rows)]
    return [image.crop((x, y, x + size, y + size)) for y in ys for x in xs]


def cells(pixels):
    q = (numpy.asarray(pixels, dtype=numpy.int32) // 16).reshape(-1, 3)
    return q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]


def painting_colours(painting):
    counts = numpy.bincount(cells(painting), minlength=4096).reshape(16, 16, 16)
    used = counts >= 3
    widened = numpy.zeros_like(used)
    for dr in (-1, 0, 1):
        for dg in (-1, 0, 1):
            for db in (-1, 0, 1):
                widened |= numpy.roll(numpy.roll(numpy.roll(used, dr, 0), dg, 1), db, 2) & _inside(dr, dg, db)
    return widened.reshape(-1)


def _inside(dr, dg, db):
    # numpy.roll wraps around; a cell at one end does not widen into the other.
    mask = numpy.ones((16, 16, 16), dtype=bool)
    for axis, d in enumerate((dr, dg, db)):
        index = [slice(None)] * 3
        if d == 1:
            index[axis] = 0
            mask[tuple(index)] = False
        elif d == -1:
            index[axis] = 15
            mask[tuple(index)] = False
    return mask


def pattern(image):
    a = numpy.asarray(image, dtype=numpy.float32)
    out = []
    for axis in (1, 0):
        change = numpy.abs(numpy.diff(a, axis=axis)).mean(axis=(1 - axis, 2))
        groups = numpy.array([change[k::8].mean() for k in range(8)])
        out.append(100 * numpy.abs(groups / groups.mean() - 1).max())
    return out


def loss(filterctl, crop_path, painting, own, kind):
    args = [filterctl, 'stylize', crop_path, painting, '--init', crop_path, '--iterations', '0', '--content-weight', '0',
            '--style-layers', 'relu1_1,relu2_1', '--style-size', str(own), '--size', '512', '--style-loss', kind,
            '-o', crop_path + '.out.png']
    text = subprocess.run(args, capture_output=True, text=True).stderr
    found = re.findall(r'iteration 0/0 +content \S+ +style (\S+)', text)
    if not found:
        raise SystemExit(f'filterctl did not score {crop_path}: {text[-300:]}')
    return float(found[-1])


def gatys(filterctl, photo, painting, image_path, size):
    args = [filterctl, 'stylize', photo, painting, '--init', image_path, '--iterations', '0', '--size', str(size),
            '-o', image_path + '.out.png']
    text = subprocess.run(args, capture_output=True, text=True).stderr
    found = re.findall(r'iteration 0/0 +content (\S+) +style (\S+)', text)
    if not found:
        raise SystemExit(f'filterctl did not score {image_path}: {text[-300:]}')
    return float(found[-1][0]), float(found[-1][1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('painting')
    parser.add_argument('results', nargs='*')
    parser.add_argument('--photo', help='the photo the results were made from')
    parser.add_argument('--preview', help="the run's composition (its base scale's result)")
    parser.add_argument('--look-size', type=int, help="long side the look is judged at (default: the preview's)")
    parser.add_argument('--filterctl', default=os.path.join(os.path.dirname(__file__), '..', '.build', 'release', 'filterctl'))
    args = parser.parse_args()
    painting = Image.open(args.painting).convert('RGB')
    own = max(painting.size)
    colours = painting_colours(painting)
    with tempfile.TemporaryDirectory() as tmp:
        look = None
        if args.photo and args.preview:
            preview = Image.open(args.preview).convert('RGB')
            if args.look_size:
                preview = reduced(preview, args.look_size)
            preview_path = os.path.join(tmp, 'preview.png')
            preview.save(preview_path)
            look = (preview.size, gatys(args.filterctl, args.photo, args.painting, preview_path, max(preview.size)))
            print(f'preview: content {look[1][0]:.4g}  style {look[1][1]:.4g}', flush=True)
        for name, image in [('painting', painting)] + [(p, Image.open(p).convert('RGB')) for p in args.results]:
            grams, slices, foreign = [], [], []
            for k, crop in enumerate(crops(image)):
                path = os.path.join(tmp, f'crop{k}.png')
                crop.save(path)
                grams.append(loss(args.filterctl, path, args.painting, own, 'gram'))
                slices.append(loss(args.filterctl, path, args.painting, own, 'sliced'))
                foreign.append(1 - colours[cells(crop)].mean())
            columns, rows = pattern(image)
            whole = ''
            if look and name != 'painting':
                path = os.path.join(tmp, 'reduced.png')
                image.resize(look[0], Image.BILINEAR).save(path)
                content, style = gatys(args.filterctl, args.photo, args.painting, path, max(look[0]))
                whole = f'  reduced: style {style / look[1][1]:.2f}x  content {content / look[1][0]:.2f}x'
            print(f'{name}: gram {numpy.mean(grams):.4g}  sliced {numpy.mean(slices):.4g}  foreign {100 * numpy.mean(foreign):.2f} %'
                  f'  pattern ±{columns:.1f} / ±{rows:.1f} %{whole}', flush=True)


if __name__ == '__main__':
    main()
