#!/usr/bin/env python3
"""Time per evaluation of a tiled scale on P machines of 2 cores, from benchmarks/mpi_scaling's
measurements on one machine:

    T(N, P) = c·N / (2·P·e) + allreduce(N, P) + r·N

c: seconds per pixel and evaluation of one rank of one thread (measured); e: the efficiency of
two ranks of one thread on one machine (measured), assumed to hold per machine; allreduce: a ring
MPI_Allreduce between machines of the bytes each rank sums per evaluation (measured: the gradient,
12 bytes a pixel, and two sweeps of Gram sums, 4.9 MB), 2·(P−1)/P of them over a 10 Gb/s link
plus 50 µs a step; r·N: what every rank does whole each evaluation (the optimizer step, total
variation), from memory bandwidth: about 100 bytes a pixel at 10 GB/s. Windows are dealt out
whole, so a rank may get one more than the average: counted from the grid of 2 GiB windows.

    benchmarks/mpi_model.py SECONDS_PER_EVALUATION_1x1 PIXELS EFFICIENCY
"""
import math
import sys

t1, pixels, efficiency = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
c = t1 / pixels
link = 10e9 / 8        # bytes/s
latency = 50e-6
window_pixels = 464 * 400  # the last tiled scale's core at --max-memory 2G (docs/benchmarks-notebook.md#mpi)
grams = 2 * (4 * (64**2 + 128**2 + 256**2 + 512**2 + 512**2) + 8)
print("| image | machines (ranks) | compute s | allreduce s | whole on every rank s | s / evaluation | speed-up over 1 machine | state per rank |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name, n in [("18 MP (5176×3464)", 5176 * 3464), ("1 GP (40000×25000)", 40000 * 25000)]:
    single = None
    for machines in [1, 2, 8, 32]:
        ranks = 2 * machines
        windows = math.ceil(n / window_pixels)
        imbalance = math.ceil(windows / ranks) / (windows / ranks)
        compute = c * n / (ranks * efficiency) * imbalance
        bytes_ = 12 * n + grams
        reduce = 0 if machines == 1 else 2 * (machines - 1) / machines * bytes_ / link + 2 * (machines - 1) * latency
        whole = 100 * n / 10e9
        total = compute + reduce + whole
        single = single or total
        print(f"| {name} | {machines} ({ranks}) | {compute:,.1f} | {reduce:.2f} | {whole:.2f} | {total:,.1f} | {single / total:.1f} | {52 * n / 2**30:,.1f} GiB |")
