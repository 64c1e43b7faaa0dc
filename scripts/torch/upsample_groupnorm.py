"""PyTorch's own nn.Upsample and nn.GroupNorm on fixed inputs: the fixture cnnc's kernels and
float64 reference are checked against (test/layers/upsample.test.ts, test/layers/groupnorm.test.ts).

For each case it writes the input, the parameters, an upstream gradient, and what PyTorch computes
in float64: the forward output and the gradients of the input and the parameters (autograd).
Inputs are deterministic formulas, so the file is the same on every run.

Usage (Debian's python3-torch):
  /usr/bin/python3 scripts/torch/upsample_groupnorm.py > test/fixtures/upsample-groupnorm.json
"""

import json
import math

import torch
from torch import nn


def values(count, phase, scale=1.5, ramp=0.0):
    return [scale * math.sin(0.7 * i + phase) + ramp * i for i in range(count)]


def tensor(shape, data):
    return torch.tensor(data, dtype=torch.float64).reshape(shape)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run(module, shape, phase):
    count = math.prod(shape)
    # A ramp on top of the sine, so that every group has its own mean and variance.
    x = tensor(shape, values(count, phase, ramp=4.0 / count)).requires_grad_(True)
    params = {name: p for name, p in module.named_parameters()}
    with torch.no_grad():
        for idx, p in enumerate(params.values()):
            p.copy_(tensor(p.shape, values(p.numel(), phase + idx + 1, 0.5)) + (1 if idx == 0 else 0))
    y = module(x)
    upstream = tensor(y.shape, [math.cos(0.37 * i) for i in range(y.numel())])
    y.backward(upstream)
    return {
        "input_shape": list(shape),
        "input": flat(x),
        "params": {name: flat(p) for name, p in params.items()},
        "upstream": flat(upstream),
        "output_shape": list(y.shape),
        "output": flat(y),
        "grad_input": flat(x.grad),
        "grad_params": {name: flat(p.grad) for name, p in params.items()},
    }


def main():
    torch.manual_seed(0)
    upsample = [
        ("upsample(2)", [2, 3, 3, 4], dict(scale_factor=2, mode="nearest")),
        ("upsample((3, 2))", [2, 2, 3, 2], dict(scale_factor=(3, 2), mode="nearest")),
        ("upsample(2, mode=bilinear)", [2, 3, 3, 4], dict(scale_factor=2, mode="bilinear", align_corners=False)),
        ("upsample((2, 3), mode=bilinear, align_corners=true)", [2, 2, 3, 4],
         dict(scale_factor=(2, 3), mode="bilinear", align_corners=True)),
        ("upsample(3, mode=bilinear)", [1, 2, 1, 2], dict(scale_factor=3, mode="bilinear", align_corners=False)),
        ("upsample(4, mode=bilinear)", [1, 1, 5, 3], dict(scale_factor=4, mode="bilinear", align_corners=False)),
    ]
    groupnorm = [
        ("groupnorm(2)", [2, 4, 3, 3], dict(num_groups=2, num_channels=4)),
        ("groupnorm(3, eps=0.1, affine=false)", [3, 6, 2, 2], dict(num_groups=3, num_channels=6, eps=0.1, affine=False)),
        ("groupnorm(1)", [2, 6], dict(num_groups=1, num_channels=6)),
        ("groupnorm(4)", [2, 8, 5], dict(num_groups=4, num_channels=8)),
    ]
    cases = []
    for idx, (layer, shape, kwargs) in enumerate(upsample):
        cases.append({"layer": layer, **run(nn.Upsample(**kwargs).double(), shape, 0.3 * idx)})
    for idx, (layer, shape, kwargs) in enumerate(groupnorm):
        cases.append({"layer": layer, **run(nn.GroupNorm(**kwargs).double(), shape, 0.5 * idx)})
    print(json.dumps({"torch": torch.__version__, "cases": cases}, indent=None))


if __name__ == "__main__":
    main()
