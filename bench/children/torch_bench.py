"""PyTorch side of `npm run bench` (Debian's python3-torch 1.13, CPU, 2 threads by default).

  python3 torch_bench.py run SPEC.json        one engine x workload cell; prints a result line
  python3 torch_bench.py export SPEC.json     writes spec["onnxPath"] with torch.onnx.export

The model is the `cnnc build --emit pytorch` module when the spec names one, otherwise
torchvision's resnet18/resnet50/mobilenet_v2 or a plain nn.Sequential; cnnc's seeded weights
are loaded in state_dict order with a shape check on every tensor.
"""

import importlib.util
import json
import os
import re
import resource
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

RESULT_PREFIX = "@@bench-result "


def read_safetensors(path):
    with open(path, "rb") as handle:
        data = handle.read()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {meta['dtype']}, expected F32")
        start, end = meta["data_offsets"]
        flat = torch.frombuffer(bytearray(data[base + start : base + end]), dtype=torch.float32)
        tensors[name] = flat.reshape(meta["shape"])
    return tensors


def plain_model(arch):
    import torchvision.models as models

    if arch == "resnet18":
        return models.resnet18(weights=None), "torchvision resnet18"
    if arch == "resnet50":
        return models.resnet50(weights=None), "torchvision resnet50"
    if arch == "mobilenet_v2":
        return models.mobilenet_v2(weights=None), "torchvision mobilenet_v2"
    if arch == "lenet5":
        net = nn.Sequential(
            nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Sequential(nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
        return net, "nn.Sequential"
    if arch == "conv64":
        return nn.Conv2d(64, 64, 3, padding=1), "nn.Conv2d"
    raise ValueError(f"unknown architecture {arch}")


def load_by_order(model, info, tensors):
    """Copies cnnc's tensors into `model` in state_dict order, checking every shape."""
    own = [(k, v) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")]
    if len(own) != len(info["params"]):
        raise ValueError(f"torch model has {len(own)} tensors, cnnc's {len(info['params'])}")
    state = dict(model.state_dict())
    for (key, value), param in zip(own, info["params"]):
        source = tensors[param["name"]]
        if list(value.shape) != list(source.shape):
            raise ValueError(f"{key} is {list(value.shape)}, cnnc's {param['name']} {list(source.shape)}")
        state[key] = source
    model.load_state_dict(state, strict=True)


def emitted_model(path):
    """The model class of a `cnnc build --emit pytorch` file, named in its first line."""
    spec = importlib.util.spec_from_file_location("cnnc_emitted", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(path) as handle:
        header = re.search(r"\(model (\w+)\)", handle.readline())
    if header is None or not hasattr(module, header.group(1)):
        raise ValueError(f"{path}: no '(model Name)' in its first line")
    return getattr(module, header.group(1))()


def build(spec, info):
    tensors = read_safetensors(spec["weightsPath"])
    if spec.get("torchModulePath"):
        try:
            model = emitted_model(spec["torchModulePath"])
            # cnnc's file has no `num_batches_tracked`; everything else must match by name.
            missing, unexpected = model.load_state_dict(tensors, strict=False)
            missing = [k for k in missing if not k.endswith("num_batches_tracked")]
            if missing or unexpected:
                raise ValueError(f"missing {missing[:3]}, unexpected {unexpected[:3]}")
            return model, "cnnc --emit pytorch"
        except Exception as error:  # noqa: BLE001 - fall back, and say so in the note
            fallback = f"--emit pytorch failed ({str(error).splitlines()[0][:80]}); "
    else:
        fallback = ""
    model, source = plain_model(info["arch"])
    load_by_order(model, info, tensors)
    return model, fallback + source


def read_array(path, dtype):
    with open(path, "rb") as handle:
        return torch.frombuffer(bytearray(handle.read()), dtype=dtype)


def rss_now():
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize()


def optimizer_of(info, model):
    spec = info["trainSpec"]["optimizer"]
    if spec["kind"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=spec["lr"], betas=(0.9, 0.999), eps=1e-8)
    if spec["kind"] == "sgd":
        return torch.optim.SGD(
            model.parameters(),
            lr=spec["lr"],
            momentum=spec.get("momentum", 0),
            weight_decay=spec.get("weightDecay", 0),
        )
    raise ValueError(f"optimizer {spec['kind']} is not mapped to torch")


def run(spec):
    torch.set_num_threads(spec["threads"])
    with open(spec["infoPath"]) as handle:
        info = json.load(handle)
    workload = spec["workload"]
    batch = workload["batch"]
    x = read_array(spec["inputPath"], torch.float32).reshape([batch] + info["inputShape"])
    labels = read_array(spec["labelsPath"], torch.int32).long()
    baseline = rss_now()
    start = time.perf_counter()
    model, note = build(spec, info)
    setup_ms = (time.perf_counter() - start) * 1000

    if workload["kind"] == "forward":
        model.eval()

        def step():
            with torch.inference_mode():
                return model(x), None

    else:
        model.train()
        optimizer = optimizer_of(info, model)

        def step():
            optimizer.zero_grad(set_to_none=True)
            out = model(x)
            loss = F.cross_entropy(out, labels)
            loss.backward()
            optimizer.step()
            return out.detach(), loss.item()

    start = time.perf_counter()
    output, loss = step()
    warmup_ms = (time.perf_counter() - start) * 1000
    with open(spec["outputPath"], "wb") as handle:
        handle.write(output.contiguous().numpy().astype("float32").tobytes())
    repeats = max(1, min(spec["repeats"], int(spec["budgetMs"] // max(warmup_ms, 1e-3))))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    # OpenMP's threads spin while they wait unless told otherwise; on a loaded machine that costs
    # PyTorch 10-40x (bench/README.md), so the report says which policy ran.
    wait_policy = os.environ.get("OMP_WAIT_POLICY", "unset")
    result = {
        "ok": True,
        "warmupMs": warmup_ms,
        "timesMs": times,
        "setupMs": setup_ms,
        "baselineRssBytes": baseline,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "note": f"{note}, {torch.get_num_threads()} threads, OMP_WAIT_POLICY={wait_policy}",
    }
    if loss is not None:
        result["loss"] = loss
    return result


def export(spec):
    with open(spec["infoPath"]) as handle:
        info = json.load(handle)
    model, note = build(spec, info)
    model.eval()
    dummy = torch.zeros([1] + info["inputShape"])
    torch.onnx.export(
        model,
        dummy,
        spec["onnxPath"],
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        opset_version=13,
    )
    return {"ok": True, "note": f"torch.onnx.export of {note}"}


def main():
    command, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as handle:
        spec = json.load(handle)
    try:
        result = run(spec) if command == "run" else export(spec)
    except Exception as error:  # noqa: BLE001 - reported as "n/a (reason)", never a traceback
        result = {"ok": False, "reason": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
