// The fixed part of the generated `train_ddp.py`: its arguments, the data loading of
// train-data-py.ts, the `train` section as torch.optim objects, and the DistributedDataParallel
// loop. The model-specific header (the module import and the `TRAIN` record) is written by
// train-script.ts. Kept as Python text so that it reads as the script it becomes.
import { TRAIN_DATA_PY } from './train-data-py.js';

/** Everything after the header of `train_ddp.py`: arguments, data, optimizer, the loop. */
export const TRAIN_BODY_PY =
  String.raw`
def parse_args():
    parser = argparse.ArgumentParser(
        description=f"Data-parallel training of {MODEL_NAME} (cnnc export)"
    )
    parser.add_argument(
        "--data", required=True, help="a folder of IDX files or .npy arrays, as cnnc train reads"
    )
    parser.add_argument("--epochs", type=int, default=TRAIN["epochs"])
    parser.add_argument(
        "--batch", type=int, default=TRAIN["batch"], help="global batch, split over the processes"
    )
    parser.add_argument(
        "--lr", type=float, default=None, help="learning rate (default: the train section)"
    )
    parser.add_argument("--seed", type=int, default=TRAIN["seed"])
    parser.add_argument(
        "--out", default=f"runs/{MODEL_NAME.lower()}-ddp", help="where weights.safetensors goes"
    )
    parser.add_argument("--weights", default=None, help="start from these safetensors weights")
    return parser.parse_args()


` +
  TRAIN_DATA_PY +
  String.raw`# ---- The train section as torch.optim objects -----------------------------------------------


def initialise(model, init):
    """The train section's init (cnnc's he / glorot / normal(std)); None keeps PyTorch's."""
    if init is None:
        return
    for module in model.modules():
        if isinstance(
            module,
            (
                nn.Conv1d,
                nn.Conv2d,
                nn.Conv3d,
                nn.ConvTranspose1d,
                nn.ConvTranspose2d,
                nn.ConvTranspose3d,
                nn.Linear,
            ),
        ):
            if init == "he":
                nn.init.kaiming_normal_(module.weight)
            elif init == "glorot":
                nn.init.xavier_uniform_(module.weight)
            else:
                nn.init.normal_(module.weight, 0, init["normal"])
            if module.bias is not None:
                nn.init.zeros_(module.bias)


def make_optimizer(parameters, spec, lr):
    kind = spec["kind"]
    lr = spec["lr"] if lr is None else lr
    if kind == "sgd":
        return torch.optim.SGD(
            parameters,
            lr=lr,
            momentum=spec.get("momentum", 0),
            dampening=spec.get("dampening", 0),
            nesterov=spec.get("nesterov", False),
            weight_decay=spec.get("weightDecay", 0),
        )
    if kind == "rmsprop":
        return torch.optim.RMSprop(
            parameters,
            lr=lr,
            alpha=spec.get("alpha", 0.99),
            eps=spec.get("eps", 1e-8),
            momentum=spec.get("momentum", 0),
            weight_decay=spec.get("weightDecay", 0),
            centered=spec.get("centered", False),
        )
    if kind == "adagrad":
        return torch.optim.Adagrad(
            parameters,
            lr=lr,
            eps=spec.get("eps", 1e-10),
            lr_decay=spec.get("lrDecay", 0),
            weight_decay=spec.get("weightDecay", 0),
            initial_accumulator_value=spec.get("initialAccumulatorValue", 0),
        )
    betas = (spec.get("beta1", 0.9), spec.get("beta2", 0.999))
    if kind == "adam":
        return torch.optim.Adam(
            parameters,
            lr=lr,
            betas=betas,
            eps=spec.get("eps", 1e-8),
            weight_decay=spec.get("weightDecay", 0),
            amsgrad=spec.get("amsgrad", False),
        )
    if kind == "adamw":
        return torch.optim.AdamW(
            parameters,
            lr=lr,
            betas=betas,
            eps=spec.get("eps", 1e-8),
            weight_decay=spec.get("weightDecay", 1e-2),
            amsgrad=spec.get("amsgrad", False),
        )
    raise SystemExit(f"unknown optimizer {kind}")


def make_schedule(optimizer, spec, epochs, steps_per_epoch):
    """(scheduler, per_batch): PyTorch steps OneCycleLR per batch and the others per epoch."""
    kind = spec["kind"]
    sched = torch.optim.lr_scheduler
    if kind == "constant":
        return sched.LambdaLR(optimizer, lambda epoch: 1.0), False
    if kind == "step":
        return sched.StepLR(optimizer, step_size=spec["every"], gamma=spec.get("gamma", 0.1)), False
    if kind == "exponential":
        return sched.ExponentialLR(optimizer, gamma=spec["gamma"]), False
    if kind == "cosine":
        return (
            sched.CosineAnnealingLR(optimizer, T_max=spec["epochs"], eta_min=spec.get("minLr", 0)),
            False,
        )
    if kind == "onecycle":
        cycle = spec.get("cycleMomentum", True) and not isinstance(optimizer, torch.optim.Adagrad)
        return (
            sched.OneCycleLR(
                optimizer,
                max_lr=spec["maxLr"],
                total_steps=epochs * steps_per_epoch,
                pct_start=spec.get("pctStart", 0.3),
                div_factor=spec.get("divFactor", 25),
                final_div_factor=spec.get("finalDivFactor", 1e4),
                cycle_momentum=cycle,
                base_momentum=spec.get("baseMomentum", 0.85),
                max_momentum=spec.get("maxMomentum", 0.95),
            ),
            True,
        )
    if kind == "warmup":
        warm = sched.LinearLR(
            optimizer, start_factor=spec.get("startFactor", 1 / 3), total_iters=spec["epochs"]
        )
        then, per_batch = make_schedule(optimizer, spec["then"], epochs, steps_per_epoch)
        if per_batch:
            raise SystemExit("warmup(then=onecycle) is not supported by this script")
        return sched.SequentialLR(optimizer, [warm, then], milestones=[spec["epochs"]]), False
    raise SystemExit(f"unknown schedule {kind}")


LOSSES = {
    "cross_entropy": nn.CrossEntropyLoss,
    "hinge": nn.MultiMarginLoss,
    "mse": nn.MSELoss,
    "bce": nn.BCEWithLogitsLoss,
}


def first_output(outputs):
    """The output the loss reads: the model's first (cnnc's rule for several outputs)."""
    return outputs[OUTPUT_NAMES[0]] if isinstance(outputs, dict) else outputs


def targets_for(labels, outputs):
    """Class indices for cross_entropy and hinge; float targets shaped like the output for mse/bce."""
    if TRAIN["loss"] in ("cross_entropy", "hinge"):
        return labels
    if outputs[0].numel() == 1:
        return labels.to(outputs.dtype).reshape(outputs.shape)
    return F.one_hot(labels, outputs.shape[1]).to(outputs.dtype).reshape(outputs.shape)


def predictions(outputs):
    if outputs.ndim == 2 and outputs.shape[1] == 1:
        return (outputs[:, 0] > 0).long()
    return outputs.reshape(len(outputs), -1).argmax(dim=1)


@torch.no_grad()
def evaluate(model, images, labels, batch, device):
    """Mean loss and accuracy over the held-out images, in eval mode (on one process)."""
    model.eval()
    loss_fn = LOSSES[TRAIN["loss"]]()
    total, correct = 0.0, 0
    for start in range(0, len(labels), batch):
        x = images[start : start + batch].to(device)
        y = labels[start : start + batch].to(device)
        outputs = first_output(model(x))
        total += loss_fn(outputs, targets_for(y, outputs)).item() * len(y)
        correct += (predictions(outputs) == y).sum().item()
    model.train()
    return total / len(labels), correct


def main():
    args = parse_args()
    cuda = torch.cuda.is_available()
    launched = "RANK" in os.environ
    if launched:
        dist.init_process_group("nccl" if cuda else "gloo")
    else:
        dist.init_process_group(
            "nccl" if cuda else "gloo", init_method="tcp://127.0.0.1:29511", rank=0, world_size=1
        )
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local_rank}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if args.batch < world or args.batch % world != 0:
        raise SystemExit(f"the batch {args.batch} must be a multiple of the {world} processes")

    if len(INPUT_SHAPES) != 1:
        raise SystemExit(
            f"{MODEL_NAME} has {len(INPUT_SHAPES)} inputs; this script trains one-input models"
        )
    train_x, train_y, test_x, test_y = load_data(args.data)
    expected = tuple(INPUT_SHAPES.values())[0]
    if tuple(train_x.shape[1:]) != tuple(expected):
        raise SystemExit(
            f"{args.data}: images are {list(train_x.shape[1:])}, {MODEL_NAME} expects {list(expected)}"
        )
    train_set = TensorDataset(torch.from_numpy(train_x), torch.from_numpy(train_y))
    sampler = DistributedSampler(
        train_set, num_replicas=world, rank=rank, shuffle=True, seed=args.seed
    )
    loader = DataLoader(train_set, batch_size=args.batch // world, sampler=sampler)

    torch.manual_seed(args.seed)
    model = Model()
    initialise(model, TRAIN["init"])
    if args.weights:
        model.load_state_dict(load_safetensors(args.weights), strict=True)
    else:
        # An argument-less normalize learns its mean and std from the training images before the
        # first step, as cnnc train does (every process computes the same numbers).
        for name, module in model.named_modules():
            if getattr(module, "learnt", False):
                module.adapt(torch.from_numpy(train_x))
                if rank == 0:
                    print(
                        f"normalize {name} learnt from {len(train_x)} training images: "
                        f"mean {module.mean.tolist()}, std {module.std.tolist()}",
                        flush=True,
                    )
    model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None)
    optimizer = make_optimizer(ddp.parameters(), TRAIN["optimizer"], args.lr)
    scheduler, per_batch = make_schedule(optimizer, TRAIN["schedule"], args.epochs, len(loader))
    loss_fn = LOSSES[TRAIN["loss"]]()
    test_images, test_labels = torch.from_numpy(test_x), torch.from_numpy(test_y)

    history = []
    for epoch in range(args.epochs):
        started = time.time()
        sampler.set_epoch(epoch)
        ddp.train()
        sums = torch.zeros(3, dtype=torch.float64, device=device)
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            outputs = first_output(ddp(images))
            loss = loss_fn(outputs, targets_for(labels, outputs))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if per_batch:
                scheduler.step()
            sums += torch.tensor(
                [
                    loss.item() * len(labels),
                    (predictions(outputs) == labels).sum().item(),
                    len(labels),
                ],
                dtype=torch.float64,
                device=device,
            )
        if not per_batch:
            scheduler.step()
        dist.all_reduce(sums)
        record = {
            "epoch": epoch + 1,
            "trainLoss": sums[0].item() / sums[2].item(),
            "trainAccuracy": sums[1].item() / sums[2].item(),
        }
        if rank == 0:
            test_loss, correct = evaluate(model, test_images, test_labels, args.batch, device)
            record.update(
                testLoss=test_loss,
                testAccuracy=correct / len(test_labels),
                seconds=time.time() - started,
            )
            history.append(record)
            print(
                f"epoch {epoch + 1}/{args.epochs} | train loss {record['trainLoss']:.4f} "
                f"acc {100 * record['trainAccuracy']:.2f}% | held-out loss {test_loss:.4f} "
                f"acc {100 * record['testAccuracy']:.2f}% | {world} processes | {record['seconds']:.1f}s",
                flush=True,
            )
        dist.barrier()

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        weights = os.path.join(args.out, "weights.safetensors")
        save_safetensors(weights, model.state_dict(), {"cnnc_model": MODEL_NAME})
        test_loss, correct = evaluate(model, test_images, test_labels, args.batch, device)
        metrics = {
            "format": "cnnc-ddp-metrics",
            "version": 1,
            "model": MODEL_NAME,
            "data": args.data,
            "processes": world,
            "backend": dist.get_backend(),
            "epochs": args.epochs,
            "batch": args.batch,
            "seed": args.seed,
            "history": history,
            "heldOut": {
                "images": len(test_labels),
                "correct": correct,
                "accuracy": correct / len(test_labels),
                "loss": test_loss,
            },
        }
        with open(os.path.join(args.out, "metrics.json"), "w") as file:
            json.dump(metrics, file, indent=2)
        print(
            f"held-out accuracy: {100 * correct / len(test_labels):.2f}% of {len(test_labels)} images "
            f"-> {weights}",
            flush=True,
        )
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
