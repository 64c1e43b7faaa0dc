"""Checks modules written by `cnnc build --emit pytorch`, all in one process (torch imports once).

Usage: /usr/bin/python3 scripts/torch/check_export.py JOBS.json
JOBS.json is a list of {"name", "module" (path of the exported .py), "weights" (a safetensors file
written by cnnc, or null), "input" (a raw little-endian float32 file, or null), "input_shape"
(with the batch)}. Prints one JSON object per job, in a list, with:
  - params / buffers: numel of the parameters and of the floating-point buffers;
  - state_dict: [name, shape] of every state_dict entry, in order;
  - load: "ok", or the error load_state_dict(strict=True) raised;
  - load_max_diff: the largest |state_dict value - file value| after loading (0 when loaded);
  - counts_dropped: how many BatchNorm num_batches_tracked entries (as PyTorch saves them) a
    second strict load accepted and dropped;
  - output: the eval-mode output on the input, flattened (the first output when there are several,
    and all of them by name in "outputs"). "inputs", a list of [path, shape], feeds several inputs.
With "train_script" (the generated train_ddp.py beside the module), also:
  - lrs: the learning rate of each of the first "epochs" epochs, from the script's optimizer and
    per-epoch scheduler (one step per epoch);
  - permutation: the script's seeded_permutation(1000, 7), which must be cnnc's;
  - data: for each of "data_folders", what the script's load_data reads (images flattened).
"""

import importlib.util
import json
import os
import sys
import warnings

import torch


def import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(job, index):
    module = import_file(job["module"], f"cnnc_export_{index}")
    torch.manual_seed(0)
    model = module.Model()
    state = model.state_dict()
    result = {
        "name": job["name"],
        "params": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for b in model.buffers() if b.is_floating_point()),
        "state_dict": [[key, list(value.shape)] for key, value in state.items()],
    }
    if job.get("weights"):
        tensors = module.load_safetensors(job["weights"])
        try:
            model.load_state_dict(tensors, strict=True)
            result["load"] = "ok"
            # A state_dict saved by PyTorch itself carries BatchNorm's num_batches_tracked.
            counted = dict(tensors)
            for name, child in model.named_modules():
                if isinstance(child, torch.nn.modules.batchnorm._BatchNorm):
                    counted[f"{name}.num_batches_tracked"] = torch.tensor(5)
            model.load_state_dict(counted, strict=True)
            result["counts_dropped"] = len(counted) - len(tensors)
            loaded = model.state_dict()
            result["load_max_diff"] = max(
                (float((loaded[k].float() - v.float()).abs().max()) for k, v in tensors.items() if v.numel()),
                default=0.0,
            )
        except RuntimeError as error:
            result["load"] = str(error)
    inputs = [[job["input"], job["input_shape"]]] if job.get("input") else job.get("inputs", [])
    if inputs:
        tensors = []
        for path, shape in inputs:
            with open(path, "rb") as file:
                data = bytearray(file.read())
            tensors.append(torch.frombuffer(data, dtype=torch.float32).reshape(shape))
        model.eval()
        with torch.no_grad():
            output = model(*tensors)
        if isinstance(output, dict):
            result["outputs"] = {name: value.reshape(-1).tolist() for name, value in output.items()}
            output = output[module.OUTPUT_NAMES[0]]
        result["output"] = output.reshape(-1).tolist()
    if job.get("train_script"):
        result.update(check_train_script(job, model))
    return result


def check_train_script(job, model):
    sys.path.insert(0, os.path.dirname(job["train_script"]))
    script = import_file(job["train_script"], f"cnnc_train_{job['name']}")
    sys.path.pop(0)
    spec = script.TRAIN
    optimizer = script.make_optimizer(model.parameters(), spec["optimizer"], None)
    scheduler, per_batch = script.make_schedule(optimizer, spec["schedule"], spec["epochs"], 1)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "scheduler.step() before optimizer.step()"
        for _ in range(job["epochs"]):
            lrs.append(optimizer.param_groups[0]["lr"])
            scheduler.step()
    folders = {}
    for folder in job.get("data_folders", []):
        train_x, train_y, test_x, test_y = script.load_data(folder)
        folders[folder] = {
            "train_x": train_x.reshape(-1).tolist(),
            "train_shape": list(train_x.shape),
            "train_y": train_y.tolist(),
            "test_x": test_x.reshape(-1).tolist(),
            "test_y": test_y.tolist(),
        }
    return {
        "data": folders,
        "optimizer": type(optimizer).__name__,
        "per_batch": per_batch,
        "lrs": lrs,
        "permutation": script.seeded_permutation(1000, 7),
    }


def skip_random_init():
    """Every job either loads weights or only counts them, so the random initialisation the
    modules' constructors run is wasted time (seconds for VGG); make it a no-op here."""
    for name in ("kaiming_uniform_", "uniform_", "normal_", "kaiming_normal_", "xavier_uniform_"):
        setattr(torch.nn.init, name, lambda tensor, *args, **kwargs: tensor)


def main():
    torch.set_num_threads(1)
    skip_random_init()
    with open(sys.argv[1]) as file:
        jobs = json.load(file)
    results = [check(job, index) for index, job in enumerate(jobs)]
    json.dump({"torch": torch.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
