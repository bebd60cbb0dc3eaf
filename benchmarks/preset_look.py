#!/usr/bin/env python3
"""How the shipped presets' one-pass networks paint, against their own optimization (issue 39),
with numpy, Pillow and filterctl itself (no PyTorch needed; benchmarks/quality.py is the
independent scorer).

    python benchmarks/preset_look.py PHOTO [PHOTO ...] [--presets ink,mosaic,swirls]
                                     [--full PHOTO] [--out DIR] [--filterctl PATH] [--preset-dir DIR]

For each preset and PHOTO (use photos the networks were not trained on), at 512 px:
- fast and optimize: `filterctl apply --size 512` with the default method and with
  `--method optimize` (the optimizations are kept in --out and reused when rerun);
- style, content: filterctl's default losses against the preset's painting (`preset paint`),
  as at iteration 0 of a stylize run, as ratios fast ÷ optimize;
- foreign: the share of pixels in colours the painting never uses (16 levels a channel; the
  painting's cells with 3 or more pixels, widened by one cell each way), fast and optimize.
With --full PHOTO: the default method at the photo's own size, its time and peak memory, and its
result reduced to 512 px scored against the 512 px fast result (the look when the print is seen
whole; with --look-size 256 also both reduced to 256 px, where a carried-up picture is not
penalised for the blur of the reduction itself) and against the optimization's full-size result when --out holds one
(PRESET-full-optimize.png, made by hand: it takes many minutes).
--preset-dir DIR scores the presets (and networks) in DIR instead of the shipped ones, e.g. a
network trained with other settings beside a copy of the preset's JSON.
"""
import argparse
import os
import re
import subprocess
import time

import numpy
from PIL import Image

from print_look import cells, painting_colours, reduced

Image.MAX_IMAGE_PIXELS = None


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f'{" ".join(args)} failed: {result.stderr[-400:]}')
    return result


def scores(filterctl, photo, painting, image_path, size=512):
    text = run([filterctl, 'stylize', photo, painting, '--init', image_path, '--iterations', '0', '--size', str(size),
                '-o', image_path + '.scored.png']).stderr
    os.remove(image_path + '.scored.png')
    found = re.findall(r'iteration 0/0 +content (\S+) +style (\S+)', text)
    return float(found[-1][0]), float(found[-1][1])


def foreign(colours, path):
    return 100 * (1 - colours[cells(Image.open(path).convert('RGB'))].mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('photos', nargs='+')
    parser.add_argument('--presets', default='ink,mosaic,swirls')
    parser.add_argument('--full')
    parser.add_argument('--look-size', type=int, help='also judge the full-size look with both pictures reduced to this long side (e.g. 256)')
    parser.add_argument('--out', default='preset_look')
    parser.add_argument('--filterctl', default=os.path.join(os.path.dirname(__file__), '..', '.build', 'release', 'filterctl'))
    parser.add_argument('--preset-dir')
    args = parser.parse_args()
    where = ['--preset-dir', args.preset_dir] if args.preset_dir else []
    os.makedirs(args.out, exist_ok=True)
    f = args.filterctl
    for preset in args.presets.split(','):
        painting = os.path.join(args.out, f'{preset}-painting.png')
        if not os.path.exists(painting):
            run([f, 'preset', 'paint', preset, '-o', painting] + where)
        colours = painting_colours(Image.open(painting).convert('RGB'))
        styles, contents = [], []
        for photo in args.photos:
            name = os.path.splitext(os.path.basename(photo))[0]
            fast = os.path.join(args.out, f'{preset}-{name}-fast.png')
            optimized = os.path.join(args.out, f'{preset}-{name}-optimize.png')
            run([f, 'apply', '--preset', preset, photo, '--size', '512', '-o', fast, '-q'] + where)
            if not os.path.exists(optimized):
                run([f, 'apply', '--preset', preset, photo, '--size', '512', '--method', 'optimize', '-o', optimized, '-q'] + where)
            fc, fs = scores(f, photo, painting, fast)
            oc, os_ = scores(f, photo, painting, optimized)
            styles.append(fs / os_)
            contents.append(fc / oc)
            print(f'{preset} {name}: style {fs / os_:.2f}x  content {fc / oc:.2f}x  foreign {foreign(colours, fast):.1f} % '
                  f'(optimize {foreign(colours, optimized):.1f} %)', flush=True)
        print(f'{preset}: worst style {max(styles):.2f}x  worst content {max(contents):.2f}x', flush=True)
        if args.full:
            name = os.path.splitext(os.path.basename(args.full))[0]
            full = os.path.join(args.out, f'{preset}-{name}-full.png')
            small = os.path.join(args.out, f'{preset}-{name}-fast.png')
            if not os.path.exists(small):
                run([f, 'apply', '--preset', preset, args.full, '--size', '512', '-o', small, '-q'] + where)
            start = time.time()
            text = run(['/usr/bin/time', '-f', 'peak %M KB', f, 'apply', '--preset', preset, args.full, '-o', full, '-q'] + where).stderr
            seconds = time.time() - start
            peak = int(re.findall(r'peak (\d+) KB', text)[-1]) // 1024
            reduced_path = os.path.join(args.out, f'{preset}-{name}-full-512.png')
            image = Image.open(full).convert('RGB')
            image.resize(Image.open(small).size, Image.BILINEAR).save(reduced_path)
            _, rs = scores(f, args.full, painting, reduced_path)
            _, ss = scores(f, args.full, painting, small)
            line = f'{preset} {name} full size: {seconds:.0f} s, {peak} MiB; reduced to 512: style {rs / ss:.2f}x the 512 px fast result'
            optimized_full = os.path.join(args.out, f'{preset}-full-optimize.png')
            if os.path.exists(optimized_full):
                reduced_opt = os.path.join(args.out, f'{preset}-{name}-full-optimize-512.png')
                Image.open(optimized_full).convert('RGB').resize(Image.open(small).size, Image.BILINEAR).save(reduced_opt)
                _, os_ = scores(f, args.full, painting, reduced_opt)
                line += f', {rs / os_:.2f}x the optimization\'s'
            if args.look_size:
                def at_look(path):
                    small_path = path + f'.{args.look_size}.png'
                    reduced(Image.open(path).convert('RGB'), args.look_size).save(small_path)
                    return scores(f, args.full, painting, small_path, args.look_size)[1]
                full_look = at_look(full)
                line += f'; at {args.look_size} px: {full_look / at_look(small):.2f}x'
                if os.path.exists(optimized_full):
                    line += f' ({full_look / at_look(optimized_full):.2f}x the optimization\'s)'
            print(line + f'; foreign {foreign(colours, full):.1f} %', flush=True)


if __name__ == '__main__':
    main()
