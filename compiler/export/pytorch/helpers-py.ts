// The Python helpers an exported module file may need, as fixed text: modules PyTorch lacks in
// the exact form cnnc's weights need (a BatchNorm without `num_batches_tracked`, a convolution
// with uneven padding, a separable convolution, `add` and `concat` as modules), and a
// dependency-free safetensors reader and writer. Only the helpers a model uses are written.

/** The source of each helper class, by name; `{d}` is the number of spatial dimensions. */
const CLASS_TEMPLATES: Record<string, string> = {
  BatchNorm: `class BatchNorm{d}d(nn.BatchNorm{d}d):
    """nn.BatchNorm{d}d whose state_dict has no \`num_batches_tracked\`, like cnnc's weights.

    The count still runs, as a non-persistent buffer; a state_dict saved by PyTorch that carries
    it still loads (the count is dropped, as cnnc drops it).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._non_persistent_buffers_set.add("num_batches_tracked")

    def _load_from_state_dict(self, state_dict, prefix, *args):
        state_dict.pop(prefix + "num_batches_tracked", None)
        nn.Module._load_from_state_dict(self, state_dict, prefix, *args)
`,
  PaddedConv: `class PaddedConv{d}d(nn.Conv{d}d):
    """nn.Conv{d}d with uneven padding: F.pad adds \`sides\` (last dimension first), then the
    convolution runs unpadded. Its tensors keep nn.Conv{d}d's names.
    """

    def __init__(self, *args, sides, mode="constant", **kwargs):
        super().__init__(*args, **kwargs)
        self.sides = tuple(sides)
        self.mode = mode

    def forward(self, x):
        return super().forward(F.pad(x, self.sides, mode=self.mode))
`,
  Separable: `class Separable(nn.Module):
    """A depthwise convolution, then a 1x1 pointwise one (cnnc's \`separable\`)."""

    def __init__(self, depthwise, pointwise):
        super().__init__()
        self.depthwise = depthwise
        self.pointwise = pointwise

    def forward(self, x):
        return self.pointwise(self.depthwise(x))
`,
  Add: `class Add(nn.Module):
    """The elementwise sum of its inputs (cnnc's \`add\`, the join of a \`residual\`)."""

    def forward(self, *inputs):
        total = inputs[0]
        for value in inputs[1:]:
            total = total + value
        return total
`,
  Concat: `class Concat(nn.Module):
    """Its inputs joined along channels (cnnc's \`concat\`, \`dense\` and \`branch\` joins)."""

    def forward(self, *inputs):
        return torch.cat(inputs, dim=1)
`,
  Normalize: `class Normalize(nn.Module):
    """cnnc's \`normalize\`: (x - mean) / std per channel. \`mean\` and \`std\` are buffers of
    \`channels\` values (in the state_dict, never trained): the given ones, or, when none are
    given, 0 and 1 until \`adapt\` learns them from the training images, as cnnc train does.
    """

    def __init__(self, channels, dims, mean=None, std=None):
        super().__init__()
        self.learnt = mean is None
        self.view = (channels,) + (1,) * dims
        mean = torch.zeros(channels) if mean is None else torch.tensor(mean, dtype=torch.float32)
        std = torch.ones(channels) if std is None else torch.tensor(std, dtype=torch.float32)
        self.register_buffer("mean", mean.expand(channels).clone())
        self.register_buffer("std", std.expand(channels).clone())

    def forward(self, x):
        return (x - self.mean.view(self.view)) / self.std.view(self.view)

    @torch.no_grad()
    def adapt(self, images):
        """Each channel's mean and population std over \`images\` [N, C, ...], in float64 (the
        std at least 1e-7, as Keras's Normalization and cnnc train)."""
        flat = images.transpose(0, 1).reshape(images.shape[1], -1).double()
        mean = flat.mean(dim=1)
        std = ((flat - mean[:, None]) ** 2).mean(dim=1).sqrt().clamp_min(1e-7)
        self.mean.copy_(mean)
        self.std.copy_(std)
`,
  Pad: `class Pad(nn.Module):
    """cnnc's \`pad\` layer: F.pad with \`sides\` given last dimension first."""

    def __init__(self, sides, mode="constant"):
        super().__init__()
        self.sides = tuple(sides)
        self.mode = mode

    def forward(self, x):
        return F.pad(x, self.sides, mode=self.mode)
`,
};

/** The source of the helper class `name` (e.g. `BatchNorm2d`, `Add`). */
export function helperClass(name: string): string {
  const match = /^(BatchNorm|PaddedConv)([123])d$/.exec(name);
  if (match) return CLASS_TEMPLATES[match[1]].replace(/\{d\}/g, match[2]);
  const text = CLASS_TEMPLATES[name];
  if (!text) throw new Error(`internal error: no Python helper ${name}`);
  return text;
}

/** The safetensors reader and writer every exported module file ends with. */
export const SAFETENSORS_PY = `_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
}


def load_safetensors(path):
    """The tensors of a safetensors file by name, as saved (cnnc writes float32).

    The format: an 8-byte little-endian header length, a JSON header mapping each name to its
    dtype, shape and data offsets, then the raw little-endian bytes of every tensor.
    """
    if sys.byteorder != "little":
        raise RuntimeError("load_safetensors reads little-endian data on little-endian hosts only")
    with open(path, "rb") as file:
        data = file.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file ({len(data)} bytes)")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError(f"{path}: the header length {length} is larger than the file")
    header = json.loads(data[8 : 8 + length])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has the unsupported dtype {info['dtype']}")
        raw = bytearray(data[8 + length + begin : 8 + length + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors


def save_safetensors(path, tensors, metadata=None):
    """Writes \`tensors\` (a state_dict) as float32 safetensors, the way cnnc writes weights.

    Integer tensors (such as PyTorch's \`num_batches_tracked\`) are left out, as cnnc has none.
    The file is written to \`path + ".tmp"\` first and renamed, so \`path\` is always complete.
    """
    header = {}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        if not tensor.is_floating_point():
            continue
        raw = tensor.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        shape = list(tensor.shape)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(key): str(value) for key, value in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for chunk in chunks:
            file.write(chunk)
    os.replace(path + ".tmp", path)
`;
