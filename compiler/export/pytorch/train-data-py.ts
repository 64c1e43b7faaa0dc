// The data part of the generated `train_ddp.py`: the IDX and .npy folders `cnnc train --data`
// reads (docs/training.md), including cnnc's seeded, stratified split of x.npy/y.npy, whose
// Mulberry32 generator and Fisher-Yates permutation are reimplemented here exactly
// (runtime/rng.ts, trainer/core/data/shuffle.ts and split.ts).

/** `load_data(folder)` and its helpers, as Python text. */
export const TRAIN_DATA_PY = String.raw`# ---- Data: the folders cnnc train reads (docs/training.md) -----------------------------------

IDX_STEMS = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}


def find_idx(folder, stem):
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def read_idx(path):
    """An IDX array (unsigned bytes), plain or gzipped."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * data[3], data[4 : 4 + 4 * data[3]])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * data[3])
    if body.size != math.prod(dims):
        raise SystemExit(f"{path}: the header declares {list(dims)} but {body.size} bytes follow")
    return body.reshape(dims)


def mulberry32(seed):
    """cnnc's seeded generator (runtime/rng.ts): floats in [0, 1) from 32-bit integer steps."""
    state = seed & 0xFFFFFFFF
    while True:
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((state ^ (state >> 15)) * (1 | state)) & 0xFFFFFFFF
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & 0xFFFFFFFF)) & 0xFFFFFFFF) ^ t
        yield ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296


def seeded_permutation(count, seed):
    """cnnc's Fisher-Yates permutation (trainer/core/data/shuffle.ts)."""
    order = list(range(count))
    draws = mulberry32(seed)
    for idx in range(count - 1, 0, -1):
        pick = math.floor(next(draws) * (idx + 1))
        order[idx], order[pick] = order[pick], order[idx]
    return order


def split_like_cnnc(images, labels, fraction=0.2, seed=0):
    """cnnc's seeded, stratified hold-out of x.npy/y.npy (trainer/core/data/split.ts)."""
    quota = [math.floor(count * fraction + 0.5) for count in np.bincount(labels)]
    train, test = [], []
    for idx in seeded_permutation(len(labels), seed):
        if quota[labels[idx]] > 0:
            quota[labels[idx]] -= 1
            test.append(idx)
        else:
            train.append(idx)
    return images[train], labels[train], images[test], labels[test]


def as_images(array):
    images = array.astype(np.float32) / 255 if array.dtype == np.uint8 else array.astype(np.float32)
    return images[:, None] if images.ndim == 3 else images


def as_labels(array, path):
    flat = array.reshape(len(array), -1)[:, 0] if array.ndim == 2 else array
    if flat.ndim != 1 or np.any(flat != np.round(flat)) or np.any(flat < 0):
        raise SystemExit(f"{path}: labels must be non-negative integers of shape [N] or [N, 1]")
    return flat.astype(np.int64)


def load_data(folder):
    """(train images, train labels, test images, test labels) from an IDX or .npy folder."""
    if not os.path.isdir(folder):
        raise SystemExit(
            f"no such data directory: {folder} (write the digits cnnc train uses with "
            "'npx tsx scripts/torch/export-digits.ts DIR')"
        )
    idx = {role: find_idx(folder, stem) for role, stem in IDX_STEMS.items()}
    if idx["train_x"]:
        missing = [IDX_STEMS[role] for role, path in idx.items() if path is None]
        if missing:
            raise SystemExit(f"{folder}: missing {', '.join(missing)}")
        arrays = {role: read_idx(path) for role, path in idx.items()}
        return (
            as_images(arrays["train_x"]),
            as_labels(arrays["train_y"], idx["train_y"]),
            as_images(arrays["test_x"]),
            as_labels(arrays["test_y"], idx["test_y"]),
        )

    def npy(*names):
        for name in names:
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        return None

    if npy("x.npy"):
        images, labels = np.load(npy("x.npy")), np.load(
            npy("y.npy") or os.path.join(folder, "y.npy")
        )
        return split_like_cnnc(as_images(images), as_labels(labels, "y.npy"))
    paths = [
        npy("train_x.npy", "x_train.npy"),
        npy("train_y.npy", "y_train.npy"),
        npy("test_x.npy", "x_test.npy"),
        npy("test_y.npy", "y_test.npy"),
    ]
    if None in paths:
        raise SystemExit(
            f"{folder}: found neither IDX files nor .npy arrays (x.npy/y.npy or train_x.npy ...)"
        )
    arrays = [np.load(path) for path in paths]
    return (
        as_images(arrays[0]),
        as_labels(arrays[1], paths[1]),
        as_images(arrays[2]),
        as_labels(arrays[3], paths[3]),
    )


`;
