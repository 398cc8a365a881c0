#!/usr/bin/env python3
"""Train charrnn's models with PyTorch — on a GPU, or across processes with torchrun — and write
checkpoints that charrnn loads; or continue a charrnn checkpoint here.

The model is charrnn's, in charrnn's names and layouts (README.md, "Checkpoints"):

    rnn     = nn.RNN(V, H, L) / nn.LSTM(V, H, L) / nn.GRU(V, H, L)   one-hot characters in, time-major
    decoder = nn.Linear(H, V)                                         logits y_t = W_hy h_t + b_y

and training is charrnn's, step for step, so that a run can move between the two:

  * the text's last tenth is held out for validation (the split rounds as charrnn does);
  * B streams: stream b reads the b-th of B equal slices of the training text, T characters a
    chunk, the hidden state carried from chunk to chunk and reset to 0 when the streams start again
    (charrnn's BatchCursor, with the same position and epoch counters);
  * the loss of an iteration is (1/B) sum_b sum_t loss_t (each stream's summed loss, averaged over
    the streams: charrnn's and min-char-rnn's scale, so clipping at +-5 means the same thing);
    the loss printed is the mean per character;
  * clipping by value (+-C) or by global norm, then Adam / Adagrad / RMSProp / momentum / SGD,
    with char-rnn's decay lr * factor^floor(iteration / every).

With torchrun, the B streams are shared out among the processes (B / N each) and
DistributedDataParallel averages the gradients: N processes compute what one process with all B
streams computes. Backend: nccl on GPUs, gloo on CPUs.

  python3 train.py --text corpora/shakespeare.txt --save s.safetensors --steps 2000
  torchrun --nproc_per_node 2 train.py --text corpora/shakespeare.txt --save s.safetensors --seconds 60
  python3 train.py --text corpora/shakespeare.txt --resume charrnn.safetensors --save more.safetensors
  python3 train.py --text corpora/shakespeare.txt --resume s.safetensors --steps 0 --eval   # just evaluate

Needs only torch (no safetensors package: the format is 8 bytes of header length, a JSON header,
then raw little-endian float32 data, written and read here in a few lines).
"""
import argparse
import json
import math
import os
import struct
import sys
import time
import unicodedata

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

# The shakespeare preset (Sources/CharRNN/Training/Preset.swift): what a fresh run uses by default.
DEFAULTS = dict(cell="lstm", hidden=256, layers=1, batch=16, seq=128, optimizer="adam", lr=6e-3, clip="value:5",
                decay=1.0, decay_every=0, dropout=0.0)
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def fail(message):
    """One clear line, and nothing written (charrnn's rule for bad input)."""
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# safetensors: read and write (float32 only, which is all charrnn writes)

def read_safetensors(path):
    """The tensors (name -> float32 tensor) and the string metadata of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        if entry["dtype"] != "F32":
            fail("%s: tensor %s is %s; this script reads float32 (F32) only" % (path, name, entry["dtype"]))
        values = torch.frombuffer(bytearray(raw), dtype=torch.float32) if raw else torch.zeros(0)
        tensors[name] = values.reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes name -> tensor (as float32, little-endian) and string metadata, atomically."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        blob = tensors[name].detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned (spaces are JSON whitespace)
    temporary = path + ".partial"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(temporary, path)  # a reader sees the old file or the new one, never half of one


# ---------------------------------------------------------------------------------------------
# The text and its vocabulary

def joins_a_neighbour(text, i):
    """Whether code point i would be part of a longer character for Swift, which reads a text as
    grapheme clusters (a conservative check of the usual cases: CR LF, combining marks, joiners,
    variation selectors, emoji modifiers and flags, conjoining Hangul jamo)."""
    c, p = text[i], ord(text[i])
    return ((c == "\r" and text[i + 1:i + 2] == "\n") or unicodedata.category(c) in ("Mn", "Mc", "Me")
            or c in "\u200c\u200d" or 0xFE00 <= p <= 0xFE0F or 0xE0000 <= p <= 0xE01EF or 0x1F3FB <= p <= 0x1F3FF
            or 0x1F1E6 <= p <= 0x1F1FF or 0x1100 <= p <= 0x11FF or 0xA960 <= p <= 0xA97F or 0xD7B0 <= p <= 0xD7FF)


def read_text(path, vocabulary=None):
    """The text's characters as vocabulary indices, and the vocabulary (a list of characters).

    charrnn's vocabulary of a text is its distinct characters sorted by code point; PyTorch-written
    vocabularies here are single code points, so a text is refused where Swift would see a
    character of several code points (or two code points as the same character)."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")  # strict, and no newline translation
    except (OSError, UnicodeDecodeError) as e:
        fail("cannot read %s: %s" % (path, e))
    for c in sorted(set(text)):
        if not unicodedata.is_normalized("NFC", c):
            fail("%s: U+%04X is the same character as U+%04X for charrnn: normalise the text to NFC first"
                 % (path, ord(c), ord(unicodedata.normalize("NFC", c)[0])))
    for i in range(len(text)):
        if joins_a_neighbour(text, i):
            fail("%s: the code point U+%04X at offset %d is part of a longer character for charrnn "
                 "(e.g. CR LF or a combining mark): normalise the text (NFC, LF line ends) first" % (path, ord(text[i]), i))
    if vocabulary is None:
        vocabulary = sorted(set(text))
    index = {c: i for i, c in enumerate(vocabulary)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        fail("%s has %d characters the model's vocabulary lacks: %s" % (path, len(unknown), unknown[:10]))
    return torch.tensor([index[c] for c in text], dtype=torch.long), vocabulary


def split(indices, validation_fraction):
    """charrnn's split: the first round(n * (1 - f)) characters train, the rest validate."""
    n = len(indices)
    cut = int(math.floor(n * (1 - validation_fraction) + 0.5))  # Swift's .rounded(): halves away from 0
    if n - cut < 2:
        cut = n  # too little to validate on
    return indices[:cut], indices[cut:]


class Cursor:
    """charrnn's BatchCursor: B streams over the training text, T characters a chunk."""

    def __init__(self, count, batch, seq, position=0, epochs=0):
        self.batch, self.seq, self.stream = batch, seq, count // batch
        if self.stream < seq + 1:
            fail("the training text has %d characters; %d streams x %d steps need at least %d"
                 % (count, batch, seq, batch * (seq + 1)))
        self.position, self.epochs = position, epochs

    def next(self, data, streams):
        """Inputs and targets (T, len(streams)) of the given streams, and whether the streams started again."""
        restarted = False
        if self.position > 0 and self.position >= self.stream - self.seq - 1:
            self.position, self.epochs, restarted = 0, self.epochs + 1, True
        starts = torch.tensor(streams) * self.stream + self.position
        rows = starts[None, :] + torch.arange(self.seq + 1)[:, None]  # (T + 1, streams)
        chunk = data[rows]
        self.position += self.seq
        return chunk[:-1], chunk[1:], restarted


# ---------------------------------------------------------------------------------------------
# The model

class CharRNN(nn.Module):
    """charrnn's model: one-hot x_t -> `rnn` (L layers of H) -> `decoder` -> logits."""

    def __init__(self, cell, vocabulary_size, hidden, layers, dropout):
        super().__init__()
        kind = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.cell, self.vocabulary_size = cell, vocabulary_size
        self.rnn = kind(vocabulary_size, hidden, layers, dropout=dropout if layers > 1 else 0.0)
        self.decoder = nn.Linear(hidden, vocabulary_size)
        if cell == "rnn":
            # charrnn's RNN has one bias b_h: bias_ih learns it, bias_hh stays 0 (so the optimizer
            # state of b_h maps one to one, and a file's b_h = bias_ih + bias_hh loads exactly).
            for k in range(layers):
                getattr(self.rnn, "bias_hh_l%d" % k).data.zero_()
                getattr(self.rnn, "bias_hh_l%d" % k).requires_grad_(False)

    def forward(self, x, state):
        """x: (T, B) indices; state: h (L, B, H), or (h, c) for the LSTM, or None for zeros."""
        out, state = self.rnn(F.one_hot(x, self.vocabulary_size).float(), state)
        return self.decoder(out), state


def zero_state(model, batch, device):
    h = torch.zeros(model.rnn.num_layers, batch, model.rnn.hidden_size, device=device)
    return (h, h.clone()) if model.cell == "lstm" else h


def detached(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


@torch.no_grad()
def evaluate(model, data, batch, seq, device):
    """Mean loss per character (nats) over `data` read as `batch` streams in chunks of `seq`, from
    h_0 = 0 with the state carried: charrnn's Model.evaluate. `charrnn eval` is (1, 256) over the
    whole text; the validation loss is (1, 100) over the held-out part: one stream from its start."""
    was_training = model.training
    model.eval()
    n = len(data)
    while batch > 1 and n // batch < 2:
        batch -= 1
    stream = n // batch
    if stream < 2:
        return float("nan")
    state, total, count, position = None, 0.0, 0, 0
    starts = torch.arange(batch) * stream
    while position + 1 < stream:
        t = min(seq, stream - 1 - position)
        rows = starts[None, :] + position + torch.arange(t + 1)[:, None]
        chunk = data[rows].to(device)
        logits, state = model(chunk[:-1], state)
        total += F.cross_entropy(logits.reshape(-1, model.vocabulary_size), chunk[1:].reshape(-1),
                                 reduction="sum").item()
        count += t * batch
        position += t
    model.train(was_training)
    return total / count


# ---------------------------------------------------------------------------------------------
# Optimizers: charrnn's five, and where their state lives in PyTorch and in a charrnn checkpoint

def make_optimizer(kind, parameters, lr):
    """charrnn's update rules (Sources/CharRNN/Training/Optimizer.swift) as torch.optim.
    (Adagrad differs in the last digits: PyTorch adds its epsilon after the square root.)"""
    if kind == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    if kind == "adagrad":
        return torch.optim.Adagrad(parameters, lr=lr, eps=1e-8)
    if kind == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, alpha=0.95, eps=1e-8)
    if kind == "momentum":
        return torch.optim.SGD(parameters, lr=lr, momentum=0.9)
    return torch.optim.SGD(parameters, lr=lr)


# charrnn's optimizer.first / optimizer.second -> torch's state keys.
STATE_KEYS = {"adam": ("exp_avg", "exp_avg_sq"), "adagrad": ("sum", None), "rmsprop": ("square_avg", None),
              "momentum": ("momentum_buffer", None), "sgd": (None, None)}


def state_name(model, name):
    """The name charrnn's optimizer state uses for a parameter (the RNN's one bias is rnn.bias_l{k})."""
    return "rnn.bias_l" + name[len("rnn.bias_ih_l"):] if model.cell == "rnn" and name.startswith("rnn.bias_ih_l") else name


def trained_parameters(model):
    return [(name, p) for name, p in model.named_parameters() if p.requires_grad]


# ---------------------------------------------------------------------------------------------
# Checkpoints

def load_checkpoint(path, device):
    """A charrnn (or PyTorch-written) checkpoint: the model, its vocabulary and its metadata."""
    try:
        tensors, meta = read_safetensors(path)
    except (OSError, ValueError, KeyError, struct.error) as e:
        fail("cannot read %s as safetensors: %s" % (path, e))
    if "vocabulary" not in meta:
        fail("%s: no 'vocabulary' in the metadata" % path)
    vocabulary = json.loads(meta["vocabulary"])
    if any(len(c) != 1 for c in vocabulary):
        fail("%s: a vocabulary entry is not one code point (e.g. CR LF): this script reads code points" % path)
    if "rnn.weight_hh_l0" not in tensors or "decoder.weight" not in tensors:
        fail("%s: not a charrnn model (no rnn.weight_hh_l0 or decoder.weight)" % path)
    hidden = tensors["rnn.weight_hh_l0"].shape[1]
    layers = sum(1 for name in tensors if name.startswith("rnn.weight_ih_l"))
    cell = meta.get("cell") or {g: c for c, g in GATES.items()}[tensors["rnn.weight_hh_l0"].shape[0] // hidden]
    model = CharRNN(cell, len(vocabulary), hidden, layers, float(meta.get("dropout", 0))).to(device)
    weights = {}
    for name in model.state_dict():
        if cell == "rnn" and name.startswith("rnn.bias_"):  # b_h = bias_ih + bias_hh, into bias_ih
            k = name[-1]
            b = tensors["rnn.bias_ih_l" + k] + tensors.get("rnn.bias_hh_l" + k, 0)
            weights[name] = b if "_ih_" in name else torch.zeros_like(b)
        elif name in tensors:
            weights[name] = tensors[name]
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as e:
        fail("%s: %s" % (path, str(e).splitlines()[-1].strip()))
    return model, vocabulary, meta, tensors


def save_checkpoint(path, model, vocabulary, settings, optimizer, counters, carried, extra):
    """Writes the model, its optimizer state and the carried state with charrnn's metadata: a file
    that `charrnn load` opens and `charrnn train --init-from` continues."""
    tensors = {name: t for name, t in model.state_dict().items()}
    first_key, second_key = STATE_KEYS[settings["optimizer"]]
    for name, p in trained_parameters(model):
        state = optimizer.state.get(p, {})
        for which, key in (("first", first_key), ("second", second_key)):
            if key:
                tensors["optimizer.%s.%s" % (which, state_name(model, name))] = state.get(key, torch.zeros_like(p))
    hidden, cell = carried if isinstance(carried, tuple) else (carried, None)
    for k in range(model.rnn.num_layers):
        tensors["state.h_l%d" % k] = hidden[k]
        if cell is not None:
            tensors["state.c_l%d" % k] = cell[k]
    meta = dict(extra)
    meta.update({
        "format": "charrnn", "format_version": "1", "vocabulary": json.dumps(vocabulary, ensure_ascii=False),
        "cell": model.cell, "hidden_size": str(model.rnn.hidden_size), "num_layers": str(model.rnn.num_layers),
        "vocab_size": str(len(vocabulary)), "learning_rate": repr(settings["lr"]), "optimizer": settings["optimizer"],
        "clip": settings["clip"], "batch_size": str(settings["batch"]), "seq_length": str(settings["seq"]),
        "lr_decay_factor": repr(settings["decay"]), "lr_decay_every": str(settings["decay_every"]),
        "dropout": repr(settings["dropout"]), "iteration": str(counters["iteration"]),
        "cursor_position": str(counters["position"]), "cursor_epochs": str(counters["epochs"]),
        "optimizer_step": str(counters["optimizer_step"]),
    })
    write_safetensors(path, tensors, meta)


# ---------------------------------------------------------------------------------------------
# Training

def parse_arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text", required=True, help="the UTF-8 text to train on")
    p.add_argument("--save", help="where to write the checkpoint (rank 0 writes it)")
    p.add_argument("--resume", help="continue this checkpoint: weights, optimizer state, cursor, carried state")
    p.add_argument("--cell", choices=sorted(GATES))
    p.add_argument("--hidden", type=int)
    p.add_argument("--layers", type=int, choices=[1, 2, 3])
    p.add_argument("--batch", type=int, help="B streams in all (shared out among the processes)")
    p.add_argument("--seq", type=int, help="T steps of truncated backpropagation")
    p.add_argument("--optimizer", choices=sorted(STATE_KEYS))
    p.add_argument("--lr", type=float)
    p.add_argument("--clip", help="C (each entry to +-C), norm:C, or none")
    p.add_argument("--decay", type=float, help="multiply the learning rate by this ...")
    p.add_argument("--decay-every", type=int, help="... every this many iterations (0: never)")
    p.add_argument("--dropout", type=float, help="p of dropout between stacked layers")
    p.add_argument("--warmup", type=float, default=0.0, help="warm the rate up from 0 over this share of the run")
    p.add_argument("--anneal", choices=["constant", "linear", "cosine"], default="constant",
                   help="anneal the rate to 0 by the end of the run (its steps or --seconds)")
    p.add_argument("--steps", type=int, help="iterations to train (default 1000 unless --seconds)")
    p.add_argument("--seconds", type=float, help="a time budget instead of (or as well as) --steps")
    p.add_argument("--every", type=int, default=100, help="print progress every K iterations")
    p.add_argument("--val-every", type=int, default=0, help="validation loss every K iterations (0: at the end)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--eval", action="store_true",
                   help="print the loss over the whole text as `charrnn eval` computes it, before and after training")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, help="torch threads per process")
    p.add_argument("--json", action="store_true", help="one JSON object per line (as `charrnn train --json`)")
    return p.parse_args()


def settings_from(arguments, meta):
    """Each setting: the command line's, else the resumed checkpoint's, else the shakespeare preset's."""
    from_file = {"batch": ("batch_size", int), "seq": ("seq_length", int), "optimizer": ("optimizer", str),
                 "lr": ("learning_rate", float), "clip": ("clip", str), "decay": ("lr_decay_factor", float),
                 "decay_every": ("lr_decay_every", int), "dropout": ("dropout", float)}
    settings = {}
    for key, default in DEFAULTS.items():
        given = getattr(arguments, key)
        if given is not None:
            settings[key] = given
        elif key in from_file and from_file[key][0] in meta:
            settings[key] = from_file[key][1](meta[from_file[key][0]])
        else:
            settings[key] = default
    clip = settings["clip"].lower()
    settings["clip"] = "none" if clip in ("none", "off") else clip if ":" in clip else "value:" + clip
    return settings


def budget_factor(spent, warmup, anneal):
    """charrnn train's --warmup/--anneal (BudgetSchedule): the factor on the rate when the share
    `spent` of the run is spent: a linear warm-up from 0, then linear or half-cosine down to 0."""
    p = min(max(spent, 0.0), 1.0)
    if p < warmup:
        return p / warmup
    q = (p - warmup) / (1 - warmup) if warmup < 1 else 1.0
    return {"constant": 1.0, "linear": 1 - q, "cosine": (1 + math.cos(math.pi * q)) / 2}[anneal]


def clip_gradients(parameters, clip):
    if clip == "none":
        return
    kind, c = clip.split(":")
    if kind == "value":
        nn.utils.clip_grad_value_(parameters, float(c))
    else:
        nn.utils.clip_grad_norm_(parameters, float(c))


def main():
    arguments = parse_arguments()
    # One process, or one of torchrun's: its rank, how many there are, and its device.
    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    rank, world = (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])) if distributed else (0, 1)
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local_rank) if torch.cuda.is_available() else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)  # the same initial weights in every process
    main_process = rank == 0

    def say(human, **fields):
        if main_process:
            print(json.dumps(fields) if arguments.json else human, flush=True)

    # The model: a charrnn checkpoint continued, or a new one of the preset's (or the options') shape.
    meta, tensors = {}, {}
    if arguments.resume:
        model, vocabulary, meta, tensors = load_checkpoint(arguments.resume, device)
        if any(getattr(arguments, k) is not None for k in ("cell", "hidden", "layers")):
            fail("--resume takes the model's shape from the checkpoint; leave out --cell, --hidden and --layers")
    settings = settings_from(arguments, meta)
    if not 1 <= settings["batch"] <= 256 or not 1 <= settings["seq"] <= 1000:
        fail("--batch must be 1...256 and --seq 1...1000 (charrnn's ranges)")
    if settings["batch"] % world:
        fail("--batch %d streams cannot be shared out equally among %d processes" % (settings["batch"], world))
    data, vocabulary = read_text(arguments.text, vocabulary if arguments.resume else None)
    if not arguments.resume:
        model = CharRNN(settings["cell"], len(vocabulary), settings["hidden"], settings["layers"],
                        settings["dropout"]).to(device)
    if arguments.save and main_process:  # a bad --save is found now, not after the run
        try:
            write_safetensors(arguments.save + ".check", {}, {})
            os.remove(arguments.save + ".check")
        except OSError as e:
            fail("cannot write %s: %s" % (arguments.save, e.strerror))
    training, validation = split(data, arguments.val_fraction)
    say("%s %d x %d, %d parameters; %d training characters, %d validation, vocabulary %d; %d process%s on %s"
        % (model.cell, model.rnn.hidden_size, model.rnn.num_layers, sum(p.numel() for _, p in trained_parameters(model)),
           len(training), len(validation), len(vocabulary), world, "" if world == 1 else "es", device.type),
        event="start", processes=world, device=device.type)
    if arguments.eval:
        loss = evaluate(model, data, 1, 256, device)
        say("eval loss %.6f over %d characters (as charrnn eval)" % (loss, len(data) - 1),
            eval_loss=loss, characters=len(data) - 1, iteration=int(meta.get("iteration", 0)))

    # This process's streams: B / N of the B streams, in order (rank r has streams r·B/N ...).
    B, T = settings["batch"], settings["seq"]
    mine = list(range(rank * B // world, (rank + 1) * B // world))
    resumed_training = arguments.resume and "iteration" in meta
    cursor = Cursor(len(training), B, T, int(meta.get("cursor_position", 0)), int(meta.get("cursor_epochs", 0)))
    iteration = int(meta.get("iteration", 0))
    state = zero_state(model, len(mine), device)
    if resumed_training and int(meta["batch_size"]) == B:  # the carried state (another B starts from 0)
        h = torch.stack([tensors["state.h_l%d" % k][mine] for k in range(model.rnn.num_layers)]).to(device)
        state = (h, torch.stack([tensors["state.c_l%d" % k][mine] for k in range(model.rnn.num_layers)]).to(device)) \
            if model.cell == "lstm" else h

    network = model
    if distributed:  # gradients are averaged over the processes during backward()
        network = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if device.type == "cuda" else None)
    parameters = [p for _, p in trained_parameters(model)]
    optimizer = make_optimizer(settings["optimizer"], parameters, settings["lr"])
    if resumed_training and meta.get("optimizer") == settings["optimizer"] != "sgd":  # its state goes on
        first_key, second_key = STATE_KEYS[settings["optimizer"]]
        for name, p in trained_parameters(model):
            state_of_p = {"step": torch.tensor(float(meta["optimizer_step"]))}
            for which, key in (("first", first_key), ("second", second_key)):
                if key:
                    state_of_p[key] = tensors["optimizer.%s.%s" % (which, state_name(model, name))].to(device).clone()
            optimizer.state[p] = state_of_p

    def mean_loss(loss_sum):
        """The iteration's mean loss per character over all B streams (every process must call it)."""
        total = loss_sum.detach().clone()
        if distributed:
            dist.all_reduce(total)
        return total.item() / (B * T)

    def report(loss, speed, lr, validate):
        fields = dict(iteration=iteration, loss=loss, chars_per_second=speed, learning_rate=lr)
        human = "iter %d  loss %.4f  %s chars/s" % (iteration, loss, format(int(speed), ","))
        if validate and main_process and len(validation) >= 2:
            fields["val_loss"] = evaluate(model, validation, 1, 100, device)
            human += "  val %.4f" % fields["val_loss"]
        say(human, **fields)
        if distributed:
            dist.barrier()  # the others wait while rank 0 validates

    steps = arguments.steps if arguments.steps is not None else (None if arguments.seconds else 1000)
    optimizer_step = int(meta["optimizer_step"]) if resumed_training and meta.get("optimizer") == settings["optimizer"] else 0
    started = window_started = time.time()
    window_characters, done, reported = 0, 0, False
    while steps is None or done < steps:
        # The share of the run spent after this iteration (of its steps or seconds, whichever ends
        # first). With a time budget rank 0's clock decides, for every process: when to stop, the rate.
        spent = (done + 1) / steps if steps else 0.0
        if arguments.seconds is not None:
            clock = torch.tensor([time.time() - started], dtype=torch.float64, device=device)
            if distributed:
                dist.broadcast(clock, 0)
            if clock.item() >= arguments.seconds:
                break
            spent = max(spent, clock.item() / arguments.seconds)
        x, y, restarted = cursor.next(training, mine)
        if restarted:
            state = zero_state(model, len(mine), device)
        lr = settings["lr"] * (settings["decay"] ** (iteration // settings["decay_every"]) if settings["decay_every"] else 1)
        lr *= budget_factor(spent, arguments.warmup, arguments.anneal)
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits, state = network(x.to(device), state)
        state = detached(state)
        loss_sum = F.cross_entropy(logits.reshape(-1, model.vocabulary_size), y.to(device).reshape(-1), reduction="sum")
        optimizer.zero_grad(set_to_none=True)
        (loss_sum / len(mine)).backward()  # DDP averages over the N processes: (1/B) sum over all B streams
        clip_gradients(parameters, settings["clip"])
        optimizer.step()
        iteration, done, optimizer_step = iteration + 1, done + 1, optimizer_step + 1
        window_characters += B * T
        validate = arguments.val_every > 0 and iteration % arguments.val_every == 0
        reported = iteration % arguments.every == 0 or validate
        if reported:
            report(mean_loss(loss_sum), window_characters / max(time.time() - window_started, 1e-9), lr, validate)
            window_started, window_characters = time.time(), 0

    # The end: the last iteration once more with the speed of the whole run and the validation
    # loss (unless just printed), then the carried state from every process, the checkpoint, the eval.
    if done and not (reported and validate):
        report(mean_loss(loss_sum), done * B * T / max(time.time() - started, 1e-9), lr, True)
    carried = state
    if distributed:  # gather every process's streams: state.h_l{k} is (B, H) in stream order
        def gathered(t):
            parts = [torch.empty_like(t) for _ in range(world)]
            dist.all_gather(parts, t.contiguous())
            return torch.cat(parts, dim=1)
        carried = tuple(gathered(s) for s in state) if isinstance(state, tuple) else gathered(state)
    if arguments.save and main_process:
        counters = dict(iteration=iteration, position=cursor.position, epochs=cursor.epochs, optimizer_step=optimizer_step)
        extra = {"seed": str(arguments.seed), "charrnn.corpus": arguments.text,
                 "trained_by": "pytorch %s, %d process%s on %s" % (torch.__version__, world, "" if world == 1 else "es",
                                                                  device.type)}
        save_checkpoint(arguments.save, model, vocabulary, settings, optimizer, counters, carried, extra)
        say("saved %s after %d iterations in %.1f s" % (arguments.save, iteration, time.time() - started),
            event="saved", path=arguments.save, iteration=iteration)
    if arguments.eval and done:
        loss = evaluate(model, data, 1, 256, device)
        say("eval loss %.6f over %d characters (as charrnn eval)" % (loss, len(data) - 1),
            eval_loss=loss, characters=len(data) - 1, iteration=iteration)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
