"""Independent PyTorch reference for the models in examples/: parameters, buffers and MACs.

For each model, builds the PyTorch module (torchvision's where one exists, else a definition in
this file that follows the cited source), runs one forward pass at the input size of the matching
`examples/*.cnn` file, and prints JSON with:
  - trainable_params: the sum of `numel` over parameters with `requires_grad` (torchvision's count);
  - buffers: BatchNorm running means and variances (2 per channel; the Keras "non-trainable" count),
    and buffers_with_num_batches_tracked, PyTorch's own buffer total (one extra int per BatchNorm);
  - macs: multiply-accumulates of Conv1d/2d/3d and Linear layers, per sample, counted with forward
    hooks as `out_channels · ∏out_spatial · (in_channels / groups) · ∏kernel` and
    `in_features · out_features` (LANGUAGE.md §6);
  - convtranspose_macs: for ConvTranspose2d, `in_channels · ∏in_spatial · (out_channels / groups)
    · ∏kernel` (each input pixel scatters one kernel), kept apart from `macs`;
  - output_shapes: per-sample shape of each output.

Usage (Debian's python3-torch and python3-torchvision):
  /usr/bin/python3 scripts/torch/reference_counts.py > test/fixtures/torch-reference.json
"""

import json
import math
import platform
import subprocess
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision import models


class LeNet5(nn.Module):
    """The PyTorch tutorial's `Net` ("Neural Networks" tutorial), with pad=2 for 28×28 inputs."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = nn.functional.relu(self.fc1(x))
        x = nn.functional.relu(self.fc2(x))
        return self.fc3(x)


class SeparableConv2d(nn.Module):
    """Cadene `pretrainedmodels.models.xception.SeparableConv2d` (timm `legacy_xception`)."""

    def __init__(self, in_channels, out_channels, kernel_size=1, stride=1, padding=0, bias=False):
        super().__init__()
        self.conv1 = nn.Conv2d(
            in_channels, in_channels, kernel_size, stride, padding, groups=in_channels, bias=bias
        )
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, 1, 0, bias=bias)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class XceptionBlock(nn.Module):
    """Cadene `Block(in_filters, out_filters, reps, strides, start_with_relu, grow_first)`."""

    def __init__(self, in_filters, out_filters, reps, strides=1, start_with_relu=True, grow_first=True):
        super().__init__()
        if out_filters != in_filters or strides != 1:
            self.skip = nn.Conv2d(in_filters, out_filters, 1, stride=strides, bias=False)
            self.skipbn = nn.BatchNorm2d(out_filters)
        else:
            self.skip = None
        rep = []
        filters = in_filters
        if grow_first:
            rep += [nn.ReLU(), SeparableConv2d(in_filters, out_filters, 3, 1, 1), nn.BatchNorm2d(out_filters)]
            filters = out_filters
        for _ in range(reps - 1):
            rep += [nn.ReLU(), SeparableConv2d(filters, filters, 3, 1, 1), nn.BatchNorm2d(filters)]
        if not grow_first:
            rep += [nn.ReLU(), SeparableConv2d(in_filters, out_filters, 3, 1, 1), nn.BatchNorm2d(out_filters)]
        if not start_with_relu:
            rep = rep[1:]
        if strides != 1:
            rep.append(nn.MaxPool2d(3, strides, 1))
        self.rep = nn.Sequential(*rep)

    def forward(self, inp):
        x = self.rep(inp)
        skip = self.skipbn(self.skip(inp)) if self.skip is not None else inp
        return x + skip


class Xception(nn.Module):
    """Cadene `pretrainedmodels.models.xception.Xception` (= timm `legacy_xception`), 299×299."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 2, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        blocks = [
            XceptionBlock(64, 128, 2, 2, start_with_relu=False),
            XceptionBlock(128, 256, 2, 2),
            XceptionBlock(256, 728, 2, 2),
        ]
        blocks += [XceptionBlock(728, 728, 3, 1) for _ in range(8)]
        blocks.append(XceptionBlock(728, 1024, 2, 2, grow_first=False))
        self.blocks = nn.Sequential(*blocks)
        self.conv3 = SeparableConv2d(1024, 1536, 3, 1, 1)
        self.bn3 = nn.BatchNorm2d(1536)
        self.conv4 = SeparableConv2d(1536, 2048, 3, 1, 1)
        self.bn4 = nn.BatchNorm2d(2048)
        self.last_linear = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.blocks(x)
        x = torch.relu(self.bn3(self.conv3(x)))
        x = torch.relu(self.bn4(self.conv4(x)))
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.last_linear(x)


def double_conv(in_channels, out_channels):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )


class UNetSmall(nn.Module):
    """examples/unet_small.cnn: three levels, 16–128 channels, 2×2 transposed convs, skip concats."""

    def __init__(self):
        super().__init__()
        self.enc1, self.enc2, self.enc3 = double_conv(1, 16), double_conv(16, 32), double_conv(32, 64)
        self.bottom = double_conv(64, 128)
        self.up3, self.dec3 = nn.ConvTranspose2d(128, 64, 2, stride=2), double_conv(128, 64)
        self.up2, self.dec2 = nn.ConvTranspose2d(64, 32, 2, stride=2), double_conv(64, 32)
        self.up1, self.dec1 = nn.ConvTranspose2d(32, 16, 2, stride=2), double_conv(32, 16)
        self.head = nn.Conv2d(16, 1, 1)

    def forward(self, x):
        pool = nn.functional.max_pool2d
        e1 = self.enc1(x)
        e2 = self.enc2(pool(e1, 2))
        e3 = self.enc3(pool(e2, 2))
        b = self.bottom(pool(e3, 2))
        d3 = self.dec3(torch.cat([self.up3(b), e3], 1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


class DilatedResidual1d(nn.Module):
    def __init__(self, channels, dilation):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm1d(channels),
            nn.ReLU(),
            nn.Conv1d(channels, channels, 1),
        )

    def forward(self, x):
        return torch.relu(x + self.body(x))


def conv_bn_1d(in_channels, out_channels, kernel, stride=1):
    return nn.Sequential(
        nn.Conv1d(in_channels, out_channels, kernel, stride, kernel // 2, bias=False),
        nn.BatchNorm1d(out_channels),
        nn.ReLU(),
    )


class DnaCnn(nn.Module):
    """examples/seq1d.cnn: a 1-D conv net over one-hot DNA, [4, 1000]."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_1d(4, 64, 15),
            nn.MaxPool1d(4),
            *[DilatedResidual1d(64, d) for d in (1, 2, 3, 4)],
            conv_bn_1d(64, 128, 5, stride=2),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(128, 1),
        )

    def forward(self, x):
        return self.features(x)


class GoogLeNetWithAux(nn.Module):
    """torchvision's GoogLeNet with aux heads, returning (logits, aux1, aux2) in any mode."""

    def __init__(self):
        super().__init__()
        self.net = models.googlenet(weights=None, aux_logits=True, init_weights=False)

    def forward(self, x):
        n = self.net
        x = n.maxpool1(n.conv1(x))
        x = n.maxpool2(n.conv3(n.conv2(x)))
        x = n.maxpool3(n.inception3b(n.inception3a(x)))
        x = n.inception4a(x)
        aux1 = n.aux1(x)
        x = n.inception4d(n.inception4c(n.inception4b(x)))
        aux2 = n.aux2(x)
        x = n.maxpool4(n.inception4e(x))
        x = n.inception5b(n.inception5a(x))
        x = n.fc(n.dropout(torch.flatten(n.avgpool(x), 1)))
        return x, aux1, aux2


# name in the fixture -> (example file, model name in it, builder, per-sample input shape)
MODELS = [
    ("lenet5", "lenet5.cnn", "LeNet5", LeNet5, [1, 28, 28]),
    ("alexnet", "alexnet.cnn", "AlexNet", lambda: models.alexnet(weights=None), [3, 224, 224]),
    ("vgg16", "vgg16.cnn", "VGG16", lambda: models.vgg16(weights=None), [3, 224, 224]),
    ("vgg19", "vgg19.cnn", "VGG19", lambda: models.vgg19(weights=None), [3, 224, 224]),
    (
        "googlenet",
        "googlenet.cnn",
        "GoogLeNet",
        lambda: models.googlenet(weights=None, aux_logits=False, init_weights=False),
        [3, 224, 224],
    ),
    ("googlenet_aux", "googlenet.cnn", "GoogLeNetAux", GoogLeNetWithAux, [3, 224, 224]),
    ("resnet18", "resnet18.cnn", "ResNet18", lambda: models.resnet18(weights=None), [3, 224, 224]),
    ("resnet34", "resnet34.cnn", "ResNet34", lambda: models.resnet34(weights=None), [3, 224, 224]),
    ("resnet50", "resnet50.cnn", "ResNet50", lambda: models.resnet50(weights=None), [3, 224, 224]),
    ("densenet121", "densenet121.cnn", "DenseNet121", lambda: models.densenet121(weights=None), [3, 224, 224]),
    ("mobilenet_v2", "mobilenet_v2.cnn", "MobileNetV2", lambda: models.mobilenet_v2(weights=None), [3, 224, 224]),
    ("squeezenet1_1", "squeezenet1_1.cnn", "SqueezeNet1_1", lambda: models.squeezenet1_1(weights=None), [3, 224, 224]),
    ("xception", "xception.cnn", "Xception", Xception, [3, 299, 299]),
    ("unet_small", "unet_small.cnn", "UNetSmall", UNetSmall, [1, 64, 64]),
    ("seq1d", "seq1d.cnn", "DnaCnn", DnaCnn, [4, 1000]),
]

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def count_macs(module, input_shape):
    """Runs one sample through `module`; returns (conv+linear MACs, transposed-conv MACs, outputs)."""
    totals = {"macs": 0, "convtranspose_macs": 0}

    def hook(layer, inputs, output):
        if isinstance(layer, CONVS):
            per_position = (layer.in_channels // layer.groups) * math.prod(layer.kernel_size)
            totals["macs"] += output[0].numel() * per_position
        elif isinstance(layer, nn.Linear):
            totals["macs"] += layer.in_features * layer.out_features
        elif isinstance(layer, nn.ConvTranspose2d):
            per_input = (layer.out_channels // layer.groups) * math.prod(layer.kernel_size)
            totals["convtranspose_macs"] += inputs[0][0].numel() * per_input

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    module.eval()
    with torch.no_grad():
        outputs = module(torch.zeros([1, *input_shape]))
    for handle in handles:
        handle.remove()
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    return totals["macs"], totals["convtranspose_macs"], [list(o.shape[1:]) for o in outputs]


def describe(name, example, model_name, build, input_shape):
    torch.manual_seed(0)
    module = build()
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    running = sum(b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked"))
    all_buffers = sum(b.numel() for b in module.buffers())
    macs, convtranspose_macs, output_shapes = count_macs(module, input_shape)
    return {
        "name": name,
        "example": f"examples/{example}",
        "model": model_name,
        "input_shape": input_shape,
        "trainable_params": trainable,
        "buffers": running,
        "buffers_with_num_batches_tracked": all_buffers,
        "macs": macs,
        "convtranspose_macs": convtranspose_macs,
        "output_shapes": output_shapes,
    }


def debian_versions(packages):
    """The Debian package versions, when they come from dpkg (torch reports e.g. 1.13.0a0)."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package}=${Version}\\n", *packages],
            capture_output=True, text=True, check=False,
        )
    except OSError:
        return {}
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def to_json(value, indent=""):
    """JSON as prettier prints it here: objects one key a line, the short lists on one line."""
    if isinstance(value, dict):
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v, indent) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def main():
    report = {
        "generated_by": "scripts/torch/reference_counts.py",
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "python_version": platform.python_version(),
        "debian_packages": debian_versions(["python3-torch", "python3-torchvision"]),
        "conventions": {
            "macs": "Conv1d/2d/3d out·∏out_spatial·(in/groups)·∏kernel + Linear in·out, per sample",
            "convtranspose_macs": "ConvTranspose2d in·∏in_spatial·(out/groups)·∏kernel, per sample",
            "buffers": "BatchNorm running mean + running variance elements",
        },
        "models": [describe(*entry) for entry in MODELS],
    }
    sys.stdout.write(to_json(report) + "\n")


if __name__ == "__main__":
    main()
