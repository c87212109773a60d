"""Translate: edit attributes through the latent space, and translate images X -> Y.

- :class:`AttributeEditor` learns to take attributes *out* of an image and put chosen ones back:
  remove glasses, add a beard, make someone blond, redraw a handwritten 4 as a 3 in the same hand.
  ``fit(images, attributes)`` needs only each image's attributes, never pairs of images.
- :class:`Translator` learns a paired mapping ``X -> Y`` (a U-Net with L1 loss), when pairs exist.

How :class:`AttributeEditor` works, and why (Lample et al., *Fader Networks*, NeurIPS 2017):

- An encoder maps the image to a small spatial latent; a decoder rebuilds the image from the
  latent *and the attribute values*, which it sees at every resolution.
- A latent discriminator tries to read the attributes from the latent; the encoder is trained to
  leave it guessing (its target is the uniform distribution, not flipped labels, which would only
  teach the encoder to store the attribute inverted). Once the latent no longer carries an
  attribute, the decoder must take it from the values it is given, so changing the value changes
  the attribute and nothing else. The adversarial weight ramps up from 0 during the first part of
  training: an encoder that has not yet learnt to reconstruct has nothing worth hiding.
- Both players are trained in the same step of aekit's one training loop: the discriminator's
  loss sees a *detached* latent, and the encoder's adversarial loss sees a *detached* copy of the
  discriminator's weights, so each loss moves only its own player's parameters.
- A small image classifier is trained alongside, so :meth:`AttributeEditor.edit` knows an image's
  current attributes without being told. It also scores the decoder (AttGAN's attribute loss,
  ``attribute_weight``): decoded with another image's attributes, the output must show them. On
  a CPU budget (minutes, not Fader's days) the adversary alone never emptied the latent enough
  for the decoder to obey its attribute inputs; this term makes it obey. A judge the decoder can
  fool will be fooled, so the classifier judges at half resolution (faces of 48 px and more) and
  through Gaussian noise, where cheap pixel patterns do not pass for glasses.
- Each binary attribute has a small *style code* (the glasses' shape and colour), read by the
  classifier's trunk and given to the decoder times the attribute's value. The look of the
  glasses then need not hide in the latent, where it would tell the discriminator that there
  are glasses; an added attribute gets the training images' mean style.
- The *context path* (``context_channels``): the latent cannot carry every pixel of a face (an
  8 x 8 latent reconstructs them at about 22 dB), so an edit that redraws the whole face blurs
  all of it. Instead each attribute gets a *region*, learnt from the labels alone (where the mean
  image of the faces with it differs from that of the faces without it), and an edit redraws
  only the regions of the attributes it changes: the decoder draws them from the latent and the
  attribute values while it sees the rest of the input (skip connections of the input with those
  regions blanked, so they cannot carry the old attribute past the latent), and every pixel
  outside them is the input's own. Training hides the regions of a random half of each face's
  attributes and asks the decoder to redraw them. The output with nothing changed is the input.
- ``mode="residual"`` (what ``"auto"`` does when an edit adds an attribute) applies an edit as
  the *difference* the decoder predicts between the new and the current attributes, added to the
  input image. Pixels the attribute does not touch keep their exact values instead of going
  through the bottleneck, which is what keeps an edited face the same person. ``mode="mask"``
  (what ``"auto"`` does when an edit removes an attribute, whose exact look a difference cannot
  cancel, or sets a categorical one such as a digit: a new shape, not a change to the old one)
  takes the decoder's image where that difference is large and the input elsewhere;
  ``mode="decode"`` the decoder's image.

``method="mask"`` (:class:`aekit.blocks.MaskEditNetwork`; the shipped face editor) trades the
latent for a full-resolution U-Net, as SaGAN (ECCV 2018) does: it draws the edit and a soft mask,
inside the regions of the attributes it changes, and the edit is ``x + mask * (drawn - x)``, so
every pixel the mask leaves alone is the input's, exact and sharp. It sees the attribute
*difference* it must make (STGAN, CVPR 2019), the target values and the target style codes.
Learnt from labels alone (:func:`_mask_loss`): the frozen classifier must read the target
attributes in the edit; the edit undone must give back the input (the cycle) and an edit that
changes nothing must be the input (self-reconstruction); the mask stays small (GANimation's
prior); a patch discriminator asks edits to look real; and the judge also learns to read every
edit as the image it was before, so only an edit that looks like the real attribute passes, not
a pattern the judge has never been shown (``judge_edits_weight``). Skip connections at every
scale would carry the old attribute into the edit in a Fader decoder (AttGAN, STGAN); here they
are what keeps the rest of the face, and the mask decides where the old pixels go. With
:data:`CYCLE_TRAINS_STYLE` the cycle also trains its style codes: undoing a removal must redraw
the input's own glasses from the code read from the input (tried, not yet the recipe).

``method="vector"`` is the classic baseline: a plain autoencoder of the same architecture, edited
by latent vector arithmetic (move the latent by the mean latent with the attribute minus the mean
latent without it). ``benchmarks/translate.py`` measures both against ground-truth renders of
:func:`aekit.datasets.make_faces`.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import AekitEstimator, training_constraints
from ._validation import Interval, IntSequence, Options, check_array_stack, check_finite
from .blocks import FaderNetwork, MaskEditNetwork, UNet
from .images import to_unit_float
from .serialization import register
from .training import predict_batches

# Editors that ship with aekit: name -> model folder (fp16 safetensors + config.json, with the
# training.json of the run that made it; trained by scripts/train_face_editor.py).
PRETRAINED_EDITORS = {"faces": Path(__file__).parent / "weights" / "face-editor"}

# FaderNetwork lives in aekit.blocks with every other network; it is still importable from here
__all__ = ["PRETRAINED_EDITORS", "AttributeEditor", "FaderNetwork", "Translator"]


# --------------------------------------------------------------------------------------------
# Images in, images out
# --------------------------------------------------------------------------------------------


def _as_images(images, what: str = "images") -> tuple[np.ndarray, tuple]:
    """``(n, H, W)`` or ``(n, H, W, C)`` pixels (uint8/uint16, or floats in [0, 1]) as float32
    ``(n, C, H, W)``; also return the per-image shape to answer in."""
    a = check_array_stack(images, what, ndims=(3, 4), shape_hint="For one image, pass image[None].",
                          sizes_hint="Resize or crop them to one size first.")
    if a.ndim == 4 and a.shape[-1] not in (1, 3, 4):
        raise ValueError(f"{what} have {a.shape[-1]} channels in the last axis; expected 1, 3 or 4 "
                         "(channels last, (n, H, W, C)).")
    if min(a.shape[1:3]) < 8:
        raise ValueError(f"{what} are {a.shape[1]} x {a.shape[2]} pixels; at least 8 x 8 are needed.")
    x = to_unit_float(a)
    # one row per image, so the message names the first bad image (and the pixel, row-major)
    check_finite(x.reshape(len(x), -1), what, fix="Rows are images, columns their pixels (row-major); "
                 "replace those pixels or drop those images first.")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise ValueError(f"{what} must be uint8 or floats in [0, 1]; these range over [{lo:.3g}, {hi:.3g}]. "
                         "Divide by 255 (or rescale) first.")
    shape = a.shape[1:]
    x = x[:, None] if x.ndim == 3 else np.moveaxis(x, -1, 1)
    return np.ascontiguousarray(np.clip(x, 0, 1), dtype=np.float32), shape


def _to_layout(x: np.ndarray, shape: tuple) -> np.ndarray:
    """float32 ``(n, C, H, W)`` back to the caller's ``(n, H, W)`` or ``(n, H, W, C)``."""
    x = np.clip(x, 0, 1)
    return (x[:, 0] if len(shape) == 2 else np.moveaxis(x, 1, -1)).astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------
# Attributes: names, kinds, and the condition vector the decoder sees
# --------------------------------------------------------------------------------------------


def _attribute_table(attributes, n: int) -> dict[str, np.ndarray]:
    """A DataFrame or a mapping of name -> n values, as a dict of numpy arrays."""
    if hasattr(attributes, "columns") and hasattr(attributes, "to_numpy"):  # a pandas DataFrame
        table = {str(c): attributes[c].to_numpy() for c in attributes.columns}
    elif isinstance(attributes, Mapping):
        table = {str(k): np.asarray(v) for k, v in attributes.items()}
    else:
        raise TypeError("attributes must be a pandas DataFrame or a dict of arrays (name -> one value "
                        f"per image), got {type(attributes).__name__}.")
    if not table:
        raise ValueError("attributes is empty: give at least one attribute (e.g. {'glasses': [0, 1, ...]}).")
    for name, v in table.items():
        if v.ndim != 1 or len(v) != n:
            raise ValueError(f"attribute {name!r} has {v.shape} values; expected one per image ({n}).")
        if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            raise ValueError(f"attribute {name!r} has missing (NaN) values; drop those images or fill them in.")
    return table


def _describe_attributes(table: dict[str, np.ndarray]) -> list[dict]:
    """Each attribute's kind: ``binary`` (values in {0, 1}, or bools) or ``categorical``
    (anything else with 2-1000 distinct values, e.g. a digit 0-9 or names)."""
    specs = []
    for name, v in table.items():
        values = np.unique(v)
        if v.dtype == bool or (v.dtype.kind in "iuf" and set(values.tolist()) <= {0, 1}):
            specs.append({"name": name, "kind": "binary", "classes": [0, 1]})
            continue
        if v.dtype.kind == "f" and not np.all(values == np.round(values)):
            raise ValueError(f"attribute {name!r} holds fractional values; attributes are binary (0/1) or "
                             "categorical (integer or string labels).")
        if len(values) > 1000:
            raise ValueError(f"attribute {name!r} has {len(values)} distinct values; a categorical "
                             "attribute may have at most 1000.")
        classes = [int(c) if v.dtype.kind in "iuf" else str(c) for c in values]
        specs.append({"name": name, "kind": "categorical", "classes": classes})
    return specs


def _condition(specs, table: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The decoder's condition vector: a binary attribute's value (any strength), a categorical
    one as a one-hot block."""
    cols = []
    for s in specs:
        v = table[s["name"]]
        if s["kind"] == "binary":
            cols.append(np.asarray(v, dtype=np.float32).reshape(n, 1))
        else:
            index = {c: i for i, c in enumerate(s["classes"])}
            onehot = np.zeros((n, len(s["classes"])), np.float32)
            for row, value in enumerate(v):
                key = int(value) if isinstance(value, numbers.Number) else str(value)
                if key not in index:
                    raise ValueError(f"attribute {s['name']!r} has no class {key!r}; the model knows "
                                     f"{s['classes']}.")
                onehot[row, index[key]] = 1.0
            cols.append(onehot)
    return np.concatenate(cols, axis=1)


def _groups(specs) -> list[tuple[int, int, str]]:
    out, start = [], 0
    for s in specs:
        size = 1 if s["kind"] == "binary" else len(s["classes"])
        out.append((start, size, s["kind"]))
        start += size
    return out


# A pixel belongs to an attribute's region where the images with and without it differ
# significantly: Welch's t statistic of the two groups' means (the largest over the channels,
# averaged over 3 x 3 pixels) above REGION_T, grown by REGION_GROW pixels. Chosen on validation
# faces (make_faces, random_state=31, never a benchmark seed; 3,000 faces at 64 px): t > 4 covers
# 96-99.7% of the pixels each attribute really changes in regions of 4-58% of the image; a
# threshold on the size of the difference instead (10% of its largest) took 41-93% of the image
# for glasses and a smile, because what varies between people does not average out of a few
# thousand faces, while t > 6 or 10 lost up to half of the smile.
REGION_T = 4.0
REGION_GROW = 2
# an attribute whose region is smaller than this fraction of the image is not located by its
# labels (too few images, or it does not show): its edits redraw the whole image
REGION_MIN_AREA = 0.005
#: The context path is built only where it would see something: when every attribute's region
#: covers more than this fraction of the image, the decoder redraws (nearly) the whole image
#: anyway, and the path only doubles the training time. A digit's region covers 94% of MNIST's
#: 28 x 28. ``benchmarks/translate_validation.py --data mnist`` (8,000 training digits, scored on
#: 1,000 held-out training digits): 8 epochs without the path took the time of 4 with it (102
#: against 105 s) and redrew the digits sharper (mean gradient magnitude 0.80 of the input's
#: against 0.77), as reliably (the requested digit read on 99.8% of the edits both ways) and
#: reconstructed them better (MSE 0.026 against 0.028).
CONTEXT_MAX_AREA = 0.5


def _attribute_regions(x: np.ndarray, cond: np.ndarray, groups, chunk: int = 2048) -> np.ndarray:
    """Where each attribute shows in the images, learnt from the labels alone: ``(n_attributes,
    H, W)`` float32 masks (1 = the attribute's region).

    A binary attribute's region is where the images with it differ significantly from those
    without it; a categorical one's, where any class differs from the others. What varies
    between people averages out of the two groups' means (and their variance says by how much);
    what the attribute changes does not.
    """
    regions = []
    for start, size, kind in groups:
        cols = cond[:, start:start + size]
        classes = [cols[:, 0] > 0.5] if kind == "binary" else [cols[:, j] > 0.5 for j in range(size)]
        t_max = np.zeros(x.shape[-2:], np.float64)
        for rows in classes:
            if rows.sum() < 2 or (~rows).sum() < 2:
                continue
            (m1, v1), (m0, v0) = _mean_var(x, rows, chunk), _mean_var(x, ~rows, chunk)
            t = np.abs(m1 - m0) / np.sqrt(v1 / rows.sum() + v0 / (~rows).sum() + 1e-6)
            t_max = np.maximum(t_max, t.max(axis=0))
        t = F.avg_pool2d(torch.from_numpy(t_max)[None, None], 3, stride=1, padding=1, count_include_pad=False)
        mask = F.max_pool2d((t > REGION_T).double(), 2 * REGION_GROW + 1, stride=1, padding=REGION_GROW)[0, 0]
        if float(mask.mean()) < REGION_MIN_AREA:
            mask = torch.ones_like(mask)  # not located: see REGION_MIN_AREA
        regions.append(mask.numpy().astype(np.float32))
    return np.stack(regions)


def _mean_var(x: np.ndarray, rows: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and variance of ``x[rows]``, in float64, a chunk of rows at a time."""
    idx = np.flatnonzero(rows)
    total = np.zeros(x.shape[1:], np.float64)
    squares = np.zeros(x.shape[1:], np.float64)
    for a in range(0, len(idx), chunk):
        part = x[idx[a:a + chunk]].astype(np.float64)
        total += part.sum(axis=0)
        squares += np.square(part).sum(axis=0)
    mean = total / len(idx)
    return mean, np.maximum(squares / len(idx) - mean**2, 0.0)


def _changed(groups, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``(n, n_attributes)``: which attributes differ between condition vectors ``a`` and ``b``."""
    out = []
    for start, size, kind in groups:
        if kind == "binary":
            out.append((a[:, start] > 0.5) != (b[:, start] > 0.5))
        else:
            out.append(a[:, start:start + size].argmax(1) != b[:, start:start + size].argmax(1))
    return torch.stack(out, dim=1)


def _region_mask(regions: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """``(n, 1, H, W)``: the union of the regions of the attributes ``hidden`` (``(n, A)``) marks."""
    return (hidden[:, :, None, None].to(regions.dtype) * regions[None]).amax(dim=1, keepdim=True)


#: How much the decoder's image must change (on [0, 1] pixels) before a removal takes the decoder's
#: pixels instead of the input's (:func:`_masked_blend`); ``blend_thresholds_`` holds one per
#: attribute, this value unless calibrated. A higher one keeps more of the input (sharp, but
#: what the attribute only tints, such as eyes behind lenses, keeps the tint); too high keeps the
#: attribute itself. The shipped face editor's are calibrated by
#: ``scripts/calibrate_face_editor.py``.
BLEND_TAU = 0.1


#: A reference-guided edit's drawn pixels take the colour of the reference's attribute: every pixel
#: the edit changes moves by the difference between the mean colour of the pixels the reference
#: loses when the editor removes its attribute and the mean colour of the pixels the edit changed
#: (pixels that change by more than REFERENCE_COLOUR_THRESHOLD on [0, 1] count for either mean;
#: a pixel moves in proportion to its own change, in full from REFERENCE_COLOUR_SOFTNESS). Why:
#: the style codes carry too little of a look for the U-Net to draw it (docs/guide/translate.md),
#: while its colour is right there in the reference. Chosen on validation faces
#: (benchmarks/translate_reference_colours.py): mean shift over matching the standard deviation
#: too (Reinhard et al. 2001), and these two values among 0.1-0.25 and 0.15-0.3.
REFERENCE_COLOURS = True  # False: the style codes alone (what the benchmark compares against)
REFERENCE_COLOUR_THRESHOLD = 0.15
REFERENCE_COLOUR_SOFTNESS = 0.3


def _mean_colour(images: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image, the mean colour ``(n, C)`` of the pixels ``weights`` (``(n, H, W)``, 0/1) marks,
    and whether any pixel is marked."""
    total = weights.sum(axis=(1, 2))
    mean = np.einsum("nchw,nhw->nc", images, weights) / np.maximum(total, 1)[:, None]
    return mean, total > 0


def _match_colours(x: np.ndarray, edited: np.ndarray, ref: np.ndarray, ref_without: np.ndarray,
                   where: np.ndarray | None = None) -> np.ndarray:
    """``edited`` (an edit of ``x`` that added an attribute, ``(n, C, H, W)``) with the pixels it
    changed moved to the colour of the attribute's pixels in ``ref`` (the reference; without the
    attribute: ``ref_without``); ``where`` (``(H, W)``, optional) limits the edit's pixels that
    count. See :data:`REFERENCE_COLOUR_THRESHOLD`."""
    change = np.abs(edited - x).max(axis=1)
    if where is not None:
        change = change * where
    wanted, has_ref = _mean_colour(ref, (np.abs(ref - ref_without).max(axis=1) > REFERENCE_COLOUR_THRESHOLD)
                                   .astype(np.float32))
    drawn, has_edit = _mean_colour(edited, (change > REFERENCE_COLOUR_THRESHOLD).astype(np.float32))
    shift = np.where((has_ref & has_edit)[:, None], wanted - drawn, 0.0).astype(np.float32)
    weight = np.clip(change / REFERENCE_COLOUR_SOFTNESS, 0, 1)[:, None]
    return np.clip(edited + weight * shift[:, :, None, None], 0, 1)


def _masked_blend(x: torch.Tensor, new: torch.Tensor, cur: torch.Tensor, tau=BLEND_TAU) -> torch.Tensor:
    """The decoder's new image where the edit changes it (by more than about ``tau``, a number
    or one per image, ``(n, 1, 1, 1)``), the input everywhere else, with a soft, slightly grown
    mask between the two."""
    change = (new - cur).abs().amax(dim=1, keepdim=True)
    mask = F.max_pool2d((change / tau).clamp(0, 1), 3, stride=1, padding=1)
    mask = F.avg_pool2d(mask, 3, stride=1, padding=1)
    return x + mask * (new - x)  # exactly x where new is x


def _check_threshold(name: str, value) -> float:
    """A blend threshold read from a model file: a positive, finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"the blend threshold of {name!r} must be a positive number, got {value!r}")
    return float(value)


def _attribute_loss(logits, target, groups, uniform: bool = False) -> torch.Tensor:
    """Mean over attributes of the cross-entropy against the true values, or against the uniform
    distribution (``uniform=True``: the encoder's aim, a discriminator left guessing)."""
    total = logits.new_zeros(())
    for start, size, kind in groups:
        lg, t = logits[:, start:start + size].float(), target[:, start:start + size]
        if kind == "binary":
            t = torch.full_like(lg, 0.5) if uniform else (t > 0.5).float()
            total = total + F.binary_cross_entropy_with_logits(lg, t)
        elif uniform:
            total = total - F.log_softmax(lg, dim=1).mean(dim=1).mean()
        else:
            total = total + F.cross_entropy(lg, t.argmax(dim=1))
    return total / len(groups)


def _attribute_accuracy(logits, target, groups) -> torch.Tensor:
    hits = []
    for start, size, kind in groups:
        lg, t = logits[:, start:start + size], target[:, start:start + size]
        if kind == "binary":
            hits.append(((lg > 0).float() == (t > 0.5).float()).float().mean())
        else:
            hits.append((lg.argmax(1) == t.argmax(1)).float().mean())
    return torch.stack(hits).mean()


# --------------------------------------------------------------------------------------------
# The objective (the network, FaderNetwork, is in aekit.blocks.fader)
# --------------------------------------------------------------------------------------------


def _frozen_call(module: nn.Module, *args):
    """``module(*args)`` with detached weights and running statistics left alone: the gradient
    reaches the inputs (the encoder or the decoder) but never the module itself."""
    weights = {k: v.detach() for k, v in module.named_parameters()}
    was_training = module.training
    module.eval()  # batch norm uses (and does not update) its running statistics; no dropout
    try:
        return torch.func.functional_call(module, weights, args)
    finally:
        module.train(was_training)


# The built-in classifier judges the decoder's edits (the attribute loss), and a judge the
# decoder can fool will be fooled: at 6,000 faces x 12 epochs the decoder learnt pixel patterns
# that made the frozen classifier read 100% of the requested attributes in the last epoch, while
# an independent classifier saw 0.4% of the added glasses, 26% of the beards, 15% of the smiles.
# A judge that sees the image at half resolution and through Gaussian noise leaves no such cheap
# patterns: in a 3,000-face trial, the independent classifier then read 98-100% of added
# glasses, beards, blond hair and smiles (0.7-76% with the plain judge, same trial).
JUDGE_NOISE = 0.1  # standard deviation, on images in [0, 1]; during training only


def _noisy(x: torch.Tensor) -> torch.Tensor:
    return x + JUDGE_NOISE * torch.randn_like(x)


def _style_loss(model: FaderNetwork, seen: torch.Tensor, wanted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean L1 distance between the style codes the classifier reads from an edit (``seen``, its
    output after the logits) and those the edit was asked to draw (``wanted``), over the binary
    attributes the edit turns on (StarGAN v2's style reconstruction)."""
    n, d = len(target), model.style_dim
    on = (target[:, model.style_slots] > 0.5).float()
    gap = (seen[:, model.n_logits:].float() - wanted.float()).abs().view(n, len(model.style_slots), d).mean(dim=2)
    return (gap * on).sum() / on.sum().clamp_min(1)


def _classifier_loss(model, x: torch.Tensor, c: torch.Tensor, groups) -> tuple[torch.Tensor, torch.Tensor]:
    """The built-in classifier's loss on the true attributes, and the style codes it reads.

    It learns from clean and noisy images: it must read clean ones (to tell edit() an image's
    attributes) and noisy ones (it judges edits through noise)."""
    judged = model.judge_input(x)
    scores = model.classifier(torch.cat([judged, _noisy(judged)]))
    clean, noisy = scores[:len(x)], scores[len(x):]
    loss = (_attribute_loss(clean[:, :model.n_logits], c, groups)
            + _attribute_loss(noisy[:, :model.n_logits], c, groups)) / 2
    return loss, clean[:, model.n_logits:]


def _judge_terms(model, edited, seen_all, c, target, wanted_style, groups, judge_edits_weight: float,
                 style_weight: float, ramp: float, extras: dict) -> torch.Tensor:
    """The two optional terms both editors add after their attribute loss (``seen_all``: the frozen
    classifier's output on the edit; ``extras`` gains ``style_gap``)."""
    total = edited.new_zeros((), dtype=torch.float32)
    if judge_edits_weight > 0:
        # The judge also learns to read each edit as the image it was before the edit, so an edit
        # passes only by drawing what the judge sees on real images, not a pattern it has never
        # been shown (the edit is detached: this term trains the judge only).
        before = model.classifier(_noisy(model.judge_input(edited.detach())))[:, :model.n_logits]
        total = total + judge_edits_weight * ramp * _attribute_loss(before, c, groups)
    if style_weight > 0 and model.style_slots:
        # The attribute loss asks for glasses, not *these* glasses: without this term the decoder
        # drew every face the same pair whatever style code it was given, so a reference face's
        # look did not carry over. Read back, the edit's style code must be the one it was given
        # (the classifier frozen, the wanted codes detached).
        style_gap = _style_loss(model, seen_all, wanted_style, target)
        total = total + style_weight * ramp * style_gap
        extras["style_gap"] = style_gap.detach()
    return total


def _fader_loss(groups, adversarial_weight: float, ramp_steps: int, attribute_weight: float = 0.0,
                regions: torch.Tensor | None = None, style_weight: float = 0.0, judge_edits_weight: float = 0.0):
    def loss_fn(model: FaderNetwork, batch):
        x, c = batch
        z = model.encode(x)
        clf_loss, style = _classifier_loss(model, x, c, groups)
        if regions is None:
            recon = model.decode(z, model.condition(c, style), x.shape[-2:])
            rec_loss = F.mse_loss(recon.float(), x)
        else:
            # With the context path, each image hides the regions of a random half of its
            # attributes (at least one) and the decoder redraws them from the latent and the
            # attribute values, seeing the rest: pixel-level supervision of exactly what an edit
            # redraws. Pixels outside the mask are the input's, so the error is read inside it.
            hidden = torch.rand(len(x), len(groups), device=x.device) < 0.5
            none = ~hidden.any(dim=1)
            pick = torch.randint(len(groups), (len(x),), device=x.device)
            hidden[none, pick[none]] = True
            regions_here = regions.to(x.device)  # once per step: the edit's mask below reuses it
            mask = _region_mask(regions_here, hidden)
            recon = model.redraw(z, model.condition(c, style), x, mask)
            rec_loss = (recon.float() - x).square().sum() / (mask.sum() * x.shape[1]).clamp_min(1)
        # Each player's loss moves only its own weights: the discriminator learns on a detached
        # latent; the encoder is scored by a detached copy of the discriminator.
        disc_logits = model.discriminator(z.detach())
        disc_loss = _attribute_loss(disc_logits, c, groups)
        extras = {"reconstruction": rec_loss.detach(), "discriminator_accuracy":
                  _attribute_accuracy(disc_logits.detach(), c, groups)}
        total = rec_loss + disc_loss + clf_loss
        ramp = 1.0 if ramp_steps <= 0 else min(1.0, float(model.step) / ramp_steps)
        if adversarial_weight > 0:
            fooled = _frozen_call(model.discriminator, z)
            total = total + adversarial_weight * ramp * _attribute_loss(fooled, c, groups, uniform=True)
        if attribute_weight > 0:
            # AttGAN's attribute loss: decoded with other attributes, the image must show them to
            # the (frozen) image classifier. Reconstruction alone never asks the decoder to draw
            # an attribute the latent's owner did not have. The other image lends its style codes
            # too: glasses added are that image's glasses.
            order = torch.randperm(len(c), device=c.device)
            target = c[order]
            condition = model.condition(target, style[order])
            if regions is None:
                edited = model.decode(z, condition, x.shape[-2:])
            else:
                # the regions of the attributes that change are redrawn too, or the input's
                # pixels would show the old ones
                edit_mask = _region_mask(regions_here, hidden | _changed(groups, c, target))
                edited = model.redraw(z, condition, x, edit_mask)
            seen_all = _frozen_call(model.classifier, _noisy(model.judge_input(edited)))
            seen = seen_all[:, :model.n_logits]
            total = total + attribute_weight * ramp * _attribute_loss(seen, target, groups)
            extras["edit_accuracy"] = _attribute_accuracy(seen.detach(), target, groups)
            total = total + _judge_terms(model, edited, seen_all, c, target, style[order].detach(), groups,
                                         judge_edits_weight, style_weight, ramp, extras)
        if model.training:
            model.step += 1
        return total, extras

    return loss_fn


def _random_edits(groups, c: torch.Tensor, keep_share: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets for training edits, and which attributes they change (``(n, A)``): each attribute
    changes with probability 1/2 (a binary one flips, a categorical one takes another class), at
    least one per image, except in a ``keep_share`` of the images, which change nothing."""
    n, device = len(c), c.device
    change = torch.rand(n, len(groups), device=device) < 0.5
    none = ~change.any(dim=1)
    change[none, torch.randint(len(groups), (n,), device=device)[none]] = True
    change &= (torch.rand(n, 1, device=device) >= keep_share)
    target = c.clone()
    for j, (start, size, kind) in enumerate(groups):
        rows = change[:, j:j + 1]
        cols = c[:, start:start + size]
        if kind == "binary":
            new = 1.0 - (cols > 0.5).to(c.dtype)
        else:
            shift = torch.randint(1, size, (n,), device=device)
            new = F.one_hot((cols.argmax(dim=1) + shift) % size, size).to(c.dtype)
        target[:, start:start + size] = torch.where(rows, new, cols)
    return target, change


# How a mask editor trains, chosen on validation faces (benchmarks/translate_validation.py, 8,000
# faces x 6 epochs, scored on make_faces(random_state=31); results translate_validation_mask_*.json).
#: The share of each batch asked to change nothing, with every attribute's region open to the
#: mask (SaGAN's self-reconstruction): without it the U-Net never learnt to leave a face alone, so
#: reconstruct() scored 23 dB instead of 68 and every removal came 1.3-4.2 dB further from its
#: ground truth.
SELF_RECONSTRUCTION_SHARE = 0.125
#: Training settings beside the estimator's own: the judge, the patch discriminator and the editor
#: play a game, where Adam's first moment at 0.5 (as in most GAN work) damps the oscillation. With
#: the estimator's cosine schedule and betas of 0.9, the independent classifier read an added
#: smile on 27% of the edits (97% with these) and added glasses on 93% (99%).
MASK_TRAINING = {"betas": (0.5, 0.999), "lr_schedule": "onecycle", "warmup": 0.1}
# Three switches of what the cycle trains, tried to make the mask editor follow a reference face
# (docs/guide/translate.md; translate_validation_mask_trained_style*.json, _cycle_*.json). Off:
# the shipped editor was trained without them.
#: Whether the cycle's gradient reaches the style codes the classifier reads. A code nothing
#: trains is a random projection of the judge's features, and the U-Net drew every face the same
#: glasses whatever code it was given. Undoing an edit that removed the glasses must redraw
#: *these* glasses, and the code read from the input carries them: the cycle makes the code a small
#: autoencoder latent of the attribute's look.
CYCLE_TRAINS_STYLE = False
#: Whether the edit back sees the edit detached, so that no cycle gradient reaches the first edit
#: and a removal has no reason to leave a faint trace of the attribute for the edit back to read.
CYCLE_DETACH = False
#: Whether the cycle reads the style codes without the classifier head's dropout, which otherwise
#: hands the U-Net a different code every step for the same face.
STYLE_NO_DROPOUT = False


def _mask_loss(groups, regions: torch.Tensor, attribute_weight: float, cycle_weight: float, mask_weight: float,
               adversarial_weight: float, judge_edits_weight: float, style_weight: float, ramp_steps: int):
    """The objective of ``method="mask"`` (:class:`aekit.blocks.MaskEditNetwork`), from labels
    alone: the edit must show its target attributes to the frozen classifier (AttGAN's attribute
    loss), editing back must return the input (the cycle, L1; SaGAN), an edit that changes nothing
    must be the input (self-reconstruction, L1), the mask must stay small (GANimation's mask prior)
    and inside the regions of the attributes it changes, a patch discriminator asks the edits to
    look like real images (LSGAN), and the judge learns to read each edit as the image before it."""

    def loss_fn(model, batch):
        x, c = batch
        n = len(x)
        clf_loss, style = _classifier_loss(model, x, c, groups)
        # An eighth of the images change nothing: the U-Net must then give back the input even
        # where it may redraw every attribute's region (what reconstruct() shows)
        target, changed = _random_edits(groups, c, keep_share=SELF_RECONSTRUCTION_SHARE)
        same = ~changed.any(dim=1)
        own = style.detach()
        new_style = own
        if model.style_slots:
            # an attribute the image keeps keeps its look; one it gains takes another image's
            slots = torch.tensor(model.style_slots, device=c.device)
            kept = ((c[:, slots] > 0.5) & (target[:, slots] > 0.5)).repeat_interleave(model.style_dim, dim=1)
            new_style = torch.where(kept, own, own[torch.randperm(n, device=c.device)])
        region = _region_mask(regions.to(x.device), changed | same[:, None])
        edited, mask = model.edit(x, model.condition(c, target, new_style), region)
        changed_pixels = edited.detach() if CYCLE_DETACH else edited
        code = style
        if STYLE_NO_DROPOUT:
            # the classifier's own layers, its head's dropout left out
            head = [m for m in model.classifier.head if not isinstance(m, nn.Dropout)]
            code = nn.Sequential(model.classifier.features, *head)(model.judge_input(x))[:, model.n_logits:]
        back, mask_back = model.edit(changed_pixels, model.condition(target, c, code if CYCLE_TRAINS_STYLE else own), region)
        cycle = (back.float() - x).abs().mean()
        kept_as_is = (edited.float() - x).abs()[same].mean() if bool(same.any()) else cycle.new_zeros(())
        seen_all = _frozen_call(model.classifier, _noisy(model.judge_input(edited)))
        seen = seen_all[:, :model.n_logits]
        ramp = 1.0 if ramp_steps <= 0 else min(1.0, float(model.step) / ramp_steps)
        total = (clf_loss + attribute_weight * ramp * _attribute_loss(seen, target, groups)
                 + cycle_weight * (cycle + kept_as_is) + mask_weight * (mask.mean() + mask_back.mean()))
        extras = {"cycle": cycle.detach(), "self_reconstruction": kept_as_is.detach(),
                  "mask_mean": mask.detach().mean(), "edit_accuracy": _attribute_accuracy(seen.detach(), target, groups)}
        if model.discriminator is not None and adversarial_weight > 0:
            # each player's loss moves only its own weights, as in the fader's latent game
            fake = _frozen_call(model.discriminator, edited).float()
            d_loss = ((model.discriminator(x).float() - 1).square().mean()
                      + model.discriminator(edited.detach()).float().square().mean()) / 2
            total = total + adversarial_weight * ramp * (fake - 1).square().mean() + d_loss
            extras["discriminator_loss"] = d_loss.detach()
        total = total + _judge_terms(model, edited, seen_all, c, target, new_style, groups, judge_edits_weight,
                                     style_weight, ramp, extras)
        if model.training:
            model.step += 1
        return total, extras

    return loss_fn


# --------------------------------------------------------------------------------------------
# AttributeEditor
# --------------------------------------------------------------------------------------------


@register
class AttributeEditor(AekitEstimator):
    """Edit image attributes, learnt from labels alone: through an autoencoder's latent space
    (Fader Networks), or with a U-Net that draws where its predicted mask says (``method="mask"``).

    Parameters
    ----------
    method : {"fader", "mask", "vector"}, default "fader"
        ``"fader"``: the decoder is conditioned on the attributes and a latent discriminator
        removes them from the latent. ``"mask"``: a full-resolution U-Net
        (:class:`aekit.blocks.MaskEditNetwork`) draws the edit and a soft mask, inside the regions
        of the attributes it changes, says where it replaces the input (SaGAN, STGAN's difference
        condition); every pixel the mask leaves alone is the input's, so edits stay sharp. It is
        what the shipped face editor uses. ``"vector"``: a plain autoencoder edited by latent
        vector arithmetic, the baseline.
    channels : tuple of int, default (32, 64, 128)
        Encoder features per stage; each stage halves H and W, so the latent is
        ``channels[-1] x H/8 x W/8`` (8 x 8 for 64 x 64 faces: a 4 x 4 latent reconstructed
        the faces 4 dB worse in the same training time). With ``method="mask"``, the U-Net's
        features at each scale: a full-resolution stage of ``channels[0]``, one strided stage per
        entry and one more of ``channels[-1]``.
    adversarial_weight : float or None, default None
        ``"fader"``: weight of the encoder's "leave the latent discriminator guessing" loss,
        relative to the reconstruction MSE (None: 0.05); larger removes attributes from the latent
        more surely, at some cost in reconstruction. ``"mask"``: weight of the patch
        discriminator's "look like a real image" loss (None: 1.0; 0 trains no discriminator).
    attribute_weight : float or None, default None
        Weight of the attribute loss (as in AttGAN): the decoder, given other images' attributes,
        must produce images the built-in classifier (frozen for this term) sees with those
        attributes. It makes the decoder draw what it is told even where the adversary has not
        emptied the latent. None: 0.2 (``"fader"``), 1.0 (``"mask"``).
    adversarial_ramp : float or None, default None
        Fraction of ``max_epochs`` over which the weights above ramp up from 0. None: 0.3
        (``"fader"``), 0 (``"mask"``, whose edits are judged from the first step).
    style_dim : int, default 8
        Size of each binary attribute's style code (its look: the glasses' shape and colour),
        which the decoder sees beside the attribute's value and only while it is on; 0 turns style
        codes off. An edit that adds an attribute draws the mean style of the training images that
        have it (``method="mask"`` with :data:`CYCLE_TRAINS_STYLE`: the training image's code
        nearest that mean, since trained codes' mean need not be a look any face has); one that
        keeps or weakens it keeps the image's own.
    style_weight : float, default 0.0
        Weight of a style reconstruction term (StarGAN v2): read back by the (frozen) built-in
        classifier, an edit that adds an attribute must show the style code it was given, so
        that a reference's look carries over. Off by default: on validation faces (4,000 faces,
        8 epochs, ``benchmarks/results/translate_validation_style_loss.json``) 1.0 brought the
        reference-guided additions further from their ground truth (by 0.6-2.5 dB) and cost the
        removals 2.4-7.5 dB: the decoder learnt patterns that make the classifier read the codes.
    judge_edits_weight : float or None, default None
        Weight of a term that trains the built-in classifier to read each edit made for the
        attribute loss as the image it was *before* the edit, so that only an edit that looks
        like the real attribute passes the judge, not a pattern the judge has never been shown.
        None: 0.5 for ``"mask"``, 0 (off) for ``"fader"``: on validation faces (4,000 faces, 8 epochs,
        ``benchmarks/results/translate_validation_judge_edits.json``) 0.2 and 0.5 cost the
        removals of beards, blond hair and smiles 0.9-5.2 dB (glasses: -1.7 to +0.5 dB), and at
        0.2 the classifier read 2% of the added glasses (55% without); only added smiles were read
        more often (97-99% against 88%). In the full-resolution U-Net of
        ``benchmarks/translate_unet_trial.py`` the same term is what brought its removals of
        beards, blond hair and smiles above no edit.
    cycle_weight : float, default 10.0
        ``method="mask"`` only: weight of the L1 losses that ask an edit undone to give back the
        input (the cycle) and an edit that changes nothing to be the input.
    mask_weight : float, default 0.05
        ``method="mask"`` only: weight of the mask's mean (GANimation's mask prior): the edit
        should change as few pixels as it can.
    context_channels : int, default 16
        Width of the context path (``method="fader"`` only; 0 turns it off): an edit redraws only
        the *regions* of the attributes it changes, learnt from the labels at ``fit`` (where the
        mean image with the attribute differs from the mean image without it), and keeps every
        other pixel of the input. The decoder sees the input outside those regions at every
        resolution, so what it draws joins what it keeps. 0 is the earlier recipe, which redraws
        the whole face from the 8 x 8 latent. The path is left out when every attribute's region
        covers more than half the image (``CONTEXT_MAX_AREA``; a digit's covers nearly all of it):
        the decoder then redraws the whole image, in half the training time.
    max_epochs, batch_size, learning_rate, validation_split, early_stopping, patience, precision,
    device, random_state, verbose, checkpoint : training settings as in
        :class:`aekit.AutoencoderReducer`.

    Attributes
    ----------
    attributes_ : list of dict
        Each attribute's ``name``, ``kind`` (``"binary"`` or ``"categorical"``) and ``classes``.
    model_ : FaderNetwork or MaskEditNetwork
    attribute_vectors_ : dict of name -> array, ``method="vector"`` only
        The mean latent of each class (for a binary attribute: of 0 and of 1).
    style_means_ : dict of name -> array, ``method="fader"`` with ``style_dim > 0`` only
        Each binary attribute's mean style code over the training images that have it.
    regions_ : ndarray of shape (n_attributes, H, W), with the context path or ``method="mask"``
        Each attribute's region (1 where it shows in the training images, grown by
        ``REGION_GROW`` pixels), the pixels an edit of it may redraw.
    image_shape_ : tuple
        The shape of one training image, ``(H, W)`` or ``(H, W, C)``.
    blend_thresholds_ : dict of name -> float
        ``"fader"`` and ``"vector"`` only (``"mask"`` composes with its own mask). Per attribute, how much the decoder's image must change before an edit that removes it
        (``mode="mask"``, or "auto" removing) takes the decoder's pixels instead of the input's:
        ``BLEND_TAU`` after ``fit``; calibrated for the shipped face editor. Higher keeps more of
        the input. An image that changes several attributes uses the lowest of theirs.
    history_ : aekit.training.History
        Per epoch: ``loss``, ``reconstruction`` (MSE) and ``discriminator_accuracy`` (how well the
        latent discriminator reads the attributes; near chance means they are out of the latent).

    Examples
    --------
    >>> from aekit.datasets import make_faces
    >>> faces = make_faces(64, size=32, random_state=0)
    >>> editor = AttributeEditor(channels=(8, 16, 16, 16), max_epochs=1, random_state=0)
    >>> editor = editor.fit(faces.images, faces.attributes)
    >>> editor.edit(faces.images[:4], glasses=0).shape
    (4, 32, 32, 3)
    >>> sorted(editor.predict_attributes(faces.images[:4]))
    ['beard', 'blond', 'glasses', 'smiling']
    >>> masked = AttributeEditor(method="mask", channels=(8, 16, 16), max_epochs=1, random_state=0)
    >>> masked = masked.fit(faces.images, faces.attributes)
    >>> bool((masked.edit(faces.images[:4]) == faces.images[:4]).all())  # nothing asked, nothing changed
    True
    """

    _parameter_constraints = {
        "method": [Options("fader", "mask", "vector")],
        "channels": [IntSequence(1, min_len=2, max_len=6, allow_int=False)],  # each stage halves H and W
        "adversarial_weight": [Interval(float, 0, None), None],
        "attribute_weight": [Interval(float, 0, None), None],
        "adversarial_ramp": [Interval(float, 0, 1), None],
        "style_dim": [Interval(int, 0, 256)],
        "style_weight": [Interval(float, 0, None)],
        "judge_edits_weight": [Interval(float, 0, None), None],
        "cycle_weight": [Interval(float, 0, None)],
        "mask_weight": [Interval(float, 0, None)],
        "context_channels": [Interval(int, 0, 256)],
        **training_constraints("max_epochs", "batch_size", "learning_rate", "validation_split", "early_stopping",
                               "patience", "precision", "random_state", "verbose", "checkpoint"),
    }
    _train_defaults = {"lr_schedule": "cosine"}
    # what the weights left at None mean, per method (chosen on validation faces: the fader's in
    # benchmarks/translate_validation.py, the mask's in benchmarks/translate_unet_trial.py)
    _method_defaults = {
        "fader": {"adversarial_weight": 0.05, "attribute_weight": 0.2, "adversarial_ramp": 0.3, "judge_edits_weight": 0.0},
        "mask": {"adversarial_weight": 1.0, "attribute_weight": 1.0, "adversarial_ramp": 0.0, "judge_edits_weight": 0.5},
    }
    _method_defaults["vector"] = _method_defaults["fader"]

    def __init__(self, method="fader", channels=(32, 64, 128), adversarial_weight=None,
                 attribute_weight=None, adversarial_ramp=None, style_dim=8, style_weight=0.0, judge_edits_weight=None,
                 cycle_weight=10.0, mask_weight=0.05, context_channels=16, max_epochs=30,
                 batch_size=64, learning_rate=1e-3,
                 validation_split=0.1, early_stopping=True, patience=8, precision="auto",
                 device="auto", random_state=None, verbose=0, checkpoint=None):
        self.method = method
        self.channels = channels
        self.adversarial_weight = adversarial_weight
        self.attribute_weight = attribute_weight
        self.adversarial_ramp = adversarial_ramp
        self.style_dim = style_dim
        self.style_weight = style_weight
        self.judge_edits_weight = judge_edits_weight
        self.cycle_weight = cycle_weight
        self.mask_weight = mask_weight
        self.context_channels = context_channels
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint = checkpoint

    # -- pretrained ------------------------------------------------------------------------------

    @classmethod
    def pretrained(cls, name: str = "faces", **overrides) -> AttributeEditor:
        """An editor that ships with aekit, ready to edit: ``AttributeEditor.pretrained("faces")``
        edits 64 x 64 faces like :func:`aekit.datasets.make_faces`' (glasses, beard, blond,
        smiling), trained by ``scripts/train_face_editor.py`` on faces of other people than the
        benchmark's. Keyword arguments override inference settings (e.g. ``device="cuda"``).
        """
        from .serialization import load

        if name not in PRETRAINED_EDITORS:
            raise ValueError(f"Unknown pretrained editor {name!r}; aekit ships {', '.join(PRETRAINED_EDITORS)}.")
        folder = PRETRAINED_EDITORS[name]
        if not (folder / "model.safetensors").is_file():
            raise FileNotFoundError(f"The pretrained {name!r} editor is missing from {folder}; reinstall aekit "
                                    "or train it with `python scripts/train_face_editor.py`.")
        model = load(folder)
        return model.set_params(**overrides) if overrides else model

    # -- fit -------------------------------------------------------------------------------------

    def _weight(self, name: str) -> float:
        """A weight's value: the one given, or the method's default where it was left at None."""
        value = getattr(self, name)
        return float(self._method_defaults[self.method][name] if value is None else value)

    def fit(self, images, attributes, *, resume=False):
        """Learn from ``images`` and each one's ``attributes`` (a DataFrame or a dict of arrays).

        Binary attributes hold 0/1 (or bools); any other integer or string labels make a
        categorical attribute (e.g. ``{"digit": y}`` for MNIST). Returns ``self``.
        """
        self._validate_params()
        x, shape = _as_images(images)
        if len(x) < 2:
            raise ValueError("fit needs at least 2 images.")
        table = _attribute_table(attributes, len(x))
        specs = _describe_attributes(table)
        cond = _condition(specs, table, len(x))
        fader, masked = self.method == "fader", self.method == "mask"
        slots = [start for start, _, kind in _groups(specs) if kind == "binary"] if fader or masked else []
        # the judge sees faces at half resolution (see JUDGE_NOISE); a 28 px digit would lose strokes
        pool = 2 if min(x.shape[-2:]) >= 48 else 1
        width = int(self.context_channels) if fader else 0
        regions = _attribute_regions(x, cond, _groups(specs)) if width or masked else None
        if regions is not None and (whole := [s["name"] for s, r in zip(specs, regions) if r.min() == 1]):
            it = "it" if len(whole) == 1 else "them"
            warnings.warn(f"the labels do not locate {', '.join(map(repr, whole))} in the images: no "
                          f"region where the images with and without {it} differ significantly (too few "
                          f"images, or too few of either value), so edits of {it} redraw the whole image. "
                          f"More labelled images locate {it}.", UserWarning, stacklevel=2)
        if fader and regions is not None and regions.mean(axis=(1, 2)).min() > CONTEXT_MAX_AREA:
            width, regions = 0, None  # nothing for the context path to see: see CONTEXT_MAX_AREA
        seed = self._draw_seed()
        steps_per_epoch = -(-int(len(x) * (1 - self.validation_split)) // self.batch_size)
        ramp = int(self._weight("adversarial_ramp") * self.max_epochs * steps_per_epoch)
        if masked:
            model = self._build_network(
                lambda: MaskEditNetwork(x.shape[1], tuple(self.channels), cond.shape[1], cond.shape[1], slots,
                                        int(self.style_dim), pool, self._weight("adversarial_weight") > 0),
                seed, fix="Use fewer or narrower channels.")
            loss_fn = _mask_loss(_groups(specs), torch.from_numpy(regions), self._weight("attribute_weight"),
                                 float(self.cycle_weight), float(self.mask_weight), self._weight("adversarial_weight"),
                                 self._weight("judge_edits_weight"), float(self.style_weight), ramp)
        else:
            model = self._build_network(
                lambda: FaderNetwork(x.shape[1], tuple(self.channels), cond.shape[1] if fader else 0, cond.shape[1],
                                     slots, int(self.style_dim), pool, width),
                seed, fix="Use fewer or narrower channels.")
            loss_fn = _fader_loss(_groups(specs), self._weight("adversarial_weight") if fader else 0.0, ramp,
                                  self._weight("attribute_weight") if fader else 0.0,
                                  None if regions is None else torch.from_numpy(regions),
                                  float(self.style_weight) if fader else 0.0,
                                  self._weight("judge_edits_weight") if fader else 0.0)
        # The loss includes adversarial terms, which rise as the other player wins, and random
        # edits: neither early stopping nor "restore the best epoch" can read it as progress, so
        # a fader or a mask editor trains its whole (cosine) schedule and keeps the last weights.
        extra = {"early_stopping": False, "restore_best_weights": False} if fader or masked else {}
        if masked:
            extra.update(MASK_TRAINING)
        self._fit_network(model, loss_fn, (torch.from_numpy(x), torch.from_numpy(cond)), seed, resume=resume,
                          desc=f"{type(self).__name__}({self.method})", **extra)
        self.attributes_ = specs
        self.image_shape_ = tuple(shape)
        self.blend_thresholds_ = {sp["name"]: BLEND_TAU for sp in specs}
        if regions is not None:
            self.regions_ = regions
        elif hasattr(self, "regions_"):
            del self.regions_  # left from an earlier fit with the context path
        if self.method == "vector":
            self.attribute_vectors_ = self._class_means(x, table)
        elif model.style_slots:
            self.style_means_ = self._style_means(x, table)
        return self

    def _style_means(self, x: np.ndarray, table) -> dict[str, np.ndarray]:
        styles = self._scores(x)[:, self.model_.n_logits:]
        binary = [s for s in self.attributes_ if s["kind"] == "binary"]
        means = {}
        for k, s in enumerate(binary):
            has = np.asarray(table[s["name"]]).astype(np.float32) > 0.5
            block = styles[:, k * self.model_.style_dim:(k + 1) * self.model_.style_dim]
            block = block[has] if has.any() else block
            mean = block.mean(axis=0)
            if self.method == "mask" and CYCLE_TRAINS_STYLE:
                # trained codes: their mean need not be a look any face has, so an added attribute
                # takes the real code nearest to it
                mean = block[np.argmin(np.square(block - mean).sum(axis=1))]
            means[s["name"]] = mean.astype(np.float32)
        return means

    def _class_means(self, x: np.ndarray, table) -> dict[str, np.ndarray]:
        z = self._latents(x)
        means = {}
        for s in self.attributes_:
            v = table[s["name"]]
            rows_of = [v == c for c in s["classes"]]
            means[s["name"]] = np.stack([z[rows].mean(axis=0) if rows.any() else z.mean(axis=0)
                                         for rows in rows_of]).astype(np.float32)
        return means

    # -- the latent ------------------------------------------------------------------------------

    def _latents(self, x: np.ndarray) -> np.ndarray:
        device = self._model_device()
        return predict_batches(self.model_.encode, x, batch_size=256, device=device, precision=self.precision)

    def encode(self, images) -> np.ndarray:
        """The latent of each image, flattened: ``(n, channels[-1] * H/8 * W/8)`` with the default
        three stages."""
        check_is_fitted(self)
        x, _ = _as_images(images)
        z = self._latents(x)
        return z.reshape(len(z), -1)

    def predict_attributes(self, images) -> dict[str, np.ndarray]:
        """Each image's attributes as the built-in image classifier sees them: name -> labels."""
        check_is_fitted(self)
        x, _ = _as_images(images)
        return self._decode_labels(self._scores(x))

    def _scores(self, x: np.ndarray) -> np.ndarray:
        """The built-in classifier's output: the attribute logits, then the style codes."""
        device = self._model_device()
        return predict_batches(self.model_.classify, x, batch_size=256, device=device, precision=self.precision)

    def _decode_labels(self, logits: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for s, (start, size, kind) in zip(self.attributes_, _groups(self.attributes_)):
            lg = logits[:, start:start + size]
            if kind == "binary":
                out[s["name"]] = (lg[:, 0] > 0).astype(np.int64)
            else:
                out[s["name"]] = np.asarray(s["classes"])[lg.argmax(axis=1)]
        return out

    # -- editing ---------------------------------------------------------------------------------

    def _targets(self, n: int, current: dict[str, np.ndarray], attributes, changes) -> dict:
        known = [s["name"] for s in self.attributes_]
        requested = _attribute_table(attributes, n) if attributes is not None else {}
        requested.update(changes)
        for name in requested:
            if name not in known:
                raise ValueError(f"Unknown attribute {name!r}; this model knows {', '.join(map(repr, known))}.")
        target = dict(current)
        for s in self.attributes_:
            if s["name"] not in requested:
                continue
            v = requested[s["name"]]
            v = np.broadcast_to(np.asarray(v), (n,)) if np.ndim(v) == 0 else np.asarray(v)
            if len(v) != n:
                raise ValueError(f"{s['name']} has {len(v)} values for {n} images; give one value or one per image.")
            if s["kind"] == "binary":
                try:
                    v = v.astype(np.float32)
                except (TypeError, ValueError):
                    raise ValueError(f"{s['name']} is a binary attribute: give 0, 1 or a strength "
                                     f"such as 0.5 or 1.5, not {v[0]!r}.") from None
                if not np.all(np.isfinite(v)):
                    raise ValueError(f"{s['name']} must be a finite number.")
            target[s["name"]] = v
        return target

    def _known_current(self, x, source_attributes, scores=None) -> dict:
        """The images' current attributes: those given, the built-in classifier's for the rest
        (read from ``scores``, the classifier's output, when the caller already has it)."""
        given = {} if source_attributes is None else _attribute_table(source_attributes, len(x))
        names = [s["name"] for s in self.attributes_]
        for name in given:
            if name not in names:
                raise ValueError(f"Unknown attribute {name!r} in source_attributes; this model knows "
                                 f"{', '.join(names)}.")
        if len(given) == len(names):
            return given
        return {**self._decode_labels(self._scores(x) if scores is None else scores), **given}

    def _shifted_latent(self, z: torch.Tensor, current: dict, target: dict, rows: slice) -> torch.Tensor:
        """Latent vector arithmetic: move each latent by (mean latent of the target class) minus
        (mean latent of the current class); a binary strength s moves by s - current."""
        shift = torch.zeros_like(z)
        for s in self.attributes_:
            means = torch.from_numpy(self.attribute_vectors_[s["name"]]).to(z)
            cur, new = current[s["name"]][rows], target[s["name"]][rows]
            if s["kind"] == "binary":
                delta = torch.as_tensor(np.asarray(new, np.float32) - np.asarray(cur, np.float32)).to(z)
                shift += delta.view(-1, 1, 1, 1) * (means[1] - means[0])
            else:
                cond_cur = _condition([s], {s["name"]: cur}, len(cur))
                cond_new = _condition([s], {s["name"]: new}, len(new))
                w = torch.from_numpy(cond_new - cond_cur).to(z)
                shift += torch.einsum("nk,k...->n...", w, means)
        return z + shift

    @torch.no_grad()
    def edit(self, images, attributes=None, *, source_attributes=None, reference=None, mode="auto",
             batch_size=128, **changes):
        """Return ``images`` with some attributes changed: ``edit(images, glasses=0)`` removes
        glasses, ``glasses=1`` adds them, ``glasses=0.5`` half-way; ``digit=3`` redraws a digit.

        Parameters
        ----------
        images : array (n, H, W) or (n, H, W, C)
        attributes : DataFrame or dict of arrays, optional
            Per-image target values; ``**changes`` (one value for all, or one per image) win.
        source_attributes : DataFrame or dict of arrays, optional
            The images' current attributes, when known; otherwise the built-in classifier's.
        reference : array (n, H, W[, C]) or (1, H, W[, C]), optional
            Reference images (one per image, or one for all) whose look the attributes being set
            take: ``edit(faces, glasses=1, reference=ref)`` gives each face the reference face's
            glasses (their shape, colour and thickness), not the training faces' average pair.
            Applies to the binary attributes named in ``changes`` / ``attributes`` and set above
            0; needs the style codes of ``method="fader"`` or ``"mask"`` with ``style_dim > 0``.
            The editor draws from the reference's style code, then moves what it drew to the
            colour of the reference's own attribute (what the reference loses when the editor
            removes it; see :data:`REFERENCE_COLOUR_THRESHOLD`).
        mode : {"auto", "residual", "mask", "decode"}, default "auto"
            ``"residual"``: add the change the decoder predicts to the input, so untouched pixels
            keep their values. ``"mask"``: the decoder's new image where the edit changes the
            decoder's output (by more than 0.1), the input elsewhere; better at *removing* an
            attribute, whose exact look only the input holds. ``"decode"``: the decoder's output.
            ``"auto"``, image by image: ``"residual"`` where the edit only adds (raises binary
            attributes), ``"mask"`` where it removes one or redraws a categorical attribute (a
            digit redrawn as another changes its whole shape, which an added residual only
            superimposes on the old one; see ``benchmarks/translate.py``). For removal, "auto"
            does not rely on the built-in classifier: unless ``source_attributes`` says
            otherwise, it erases the attribute as if the image had it.

        Returns
        -------
        array shaped like ``images``, float32 in [0, 1].
        """
        return self._edit(images, attributes, source_attributes, reference, mode, batch_size, changes)

    def _edit(self, images, attributes, source_attributes, reference, mode, batch_size, changes, redraw_all=False):
        check_is_fitted(self)
        if mode not in ("auto", "residual", "mask", "decode"):
            raise ValueError(f"mode must be 'auto', 'residual', 'mask' or 'decode', got {mode!r}.")
        if self.method == "mask" and mode != "auto":
            raise ValueError(f"mode={mode!r} chooses how a fader's or a vector editor's output is blended with "
                             "the input; an editor with method='mask' composes every edit with the mask it "
                             "predicts: leave mode='auto'.")
        x, shape = _as_images(images)
        n = len(x)
        model = self.model_
        styled = self.method in ("fader", "mask") and bool(model.style_slots)
        # one pass of the classifier gives both the current attributes and the style codes
        scores = self._scores(x) if styled else None
        current = self._known_current(x, source_attributes, scores)
        target = self._targets(n, current, attributes, changes)
        # residual and mask are "auto" with every image on one side
        masked_rows, seen = np.full(n, mode == "mask"), current
        if mode == "auto":
            # Image by image: mask where the edit takes something away (lowers a binary
            # attribute) or redraws a categorical one; residual where it only adds. Removal
            # does not trust the classifier: an attribute set below 0.5 is erased as if present
            # (erasing glasses from a face without them redraws its eyes a little; keeping
            # glasses the classifier missed fails the edit). Values the caller gave are trusted.
            given = set(changes) | (set(attributes) if attributes is not None else set())
            known = set() if source_attributes is None else set(_attribute_table(source_attributes, n))
            current = dict(current)
            for s in self.attributes_:
                if s["kind"] == "binary" and s["name"] in given and s["name"] not in known:
                    cur = np.asarray(current[s["name"]], dtype=np.float32)
                    current[s["name"]] = np.where(target[s["name"]] < 0.5, np.maximum(cur, 1.0), cur)
            masked_rows = self._rows_to_mask(n, current, target)
        device = self._model_device()
        # an attribute the image has keeps its own style; one it lacks gets the mean
        styles = self._edit_styles(scores, seen) if styled else None
        new_styles = styles
        restyled_rows = np.zeros((n, len(self.attributes_)), dtype=bool)  # (image, attribute) given a new look
        if reference is not None:
            new_styles, restyled, ref = self._reference_styles(reference, styles, target, attributes, changes, shape)
            # an attribute the image already has, in another look, is replaced, not added to
            had = np.zeros(n, dtype=bool)
            for name in restyled:
                had |= np.asarray(seen[name], dtype=np.float32) > 0.5
            if mode == "auto":
                masked_rows = masked_rows | had
            for j, s in enumerate(self.attributes_):
                if s["name"] in restyled:
                    restyled_rows[:, j] = np.asarray(target[s["name"]], dtype=np.float32) > 0
        # with the context path, the decoder redraws the regions of the attributes an image
        # changes (or restyles), seeing the rest of the image, which it leaves as it is
        regions = getattr(self, "regions_", None)
        regions = None if regions is None else torch.from_numpy(regions).to(device)  # once, not per batch
        # each image's removals blend at the lowest threshold of the attributes it changes
        thresholds = torch.tensor([self.blend_thresholds_[s["name"]] for s in self.attributes_], device=device)
        groups = _groups(self.attributes_)
        out = np.empty_like(x)
        for a in range(0, n, batch_size):
            rows = slice(a, a + batch_size)
            xb = torch.from_numpy(x[rows]).to(device)
            size = xb.shape[-2:]
            target_b = {k: v[rows] for k, v in target.items()}
            current_b = {k: v[rows] for k, v in current.items()}
            c_new = torch.from_numpy(_condition(self.attributes_, target_b, len(xb))).to(device)
            c_cur = torch.from_numpy(_condition(self.attributes_, current_b, len(xb))).to(device)
            changed = _changed(groups, c_cur, c_new)
            if self.method == "mask":
                # the U-Net may redraw the regions of the attributes an image changes (or
                # restyles); its mask says where inside them it does
                hidden = changed | redraw_all | torch.from_numpy(restyled_rows[rows]).to(device)
                style_new = None if new_styles is None else torch.from_numpy(new_styles[rows]).to(device)
                new, _ = model.edit(xb, model.condition(c_cur, c_new, style_new), _region_mask(regions, hidden))
                out[rows] = new.float().cpu().numpy()
                continue
            z = model.encode(xb)
            if self.method == "fader":
                style = None if styles is None else torch.from_numpy(styles[rows]).to(device)
                style_new = None if new_styles is None else torch.from_numpy(new_styles[rows]).to(device)
                if regions is None:
                    new = model.decode(z, model.condition(c_new, style_new), size)
                    if mode != "decode":
                        cur = model.decode(z, model.condition(c_cur, style), size)
                else:
                    hidden = changed | redraw_all
                    hidden |= torch.from_numpy(restyled_rows[rows]).to(device)
                    mask = _region_mask(regions, hidden)
                    new = model.redraw(z, model.condition(c_new, style_new), xb, mask)
                    if mode != "decode":
                        cur = model.redraw(z, model.condition(c_cur, style), xb, mask)
            else:
                new = model.decode(self._shifted_latent(z, current, target, rows), None, size)
                if mode != "decode":
                    cur = model.decode(z, None, size)
            if mode != "decode":
                use_mask = torch.from_numpy(masked_rows[rows]).to(device).view(-1, 1, 1, 1)
                tau = torch.where(changed, thresholds, torch.inf).amin(dim=1)
                tau = torch.where(torch.isinf(tau), BLEND_TAU, tau).view(-1, 1, 1, 1)
                new = torch.where(use_mask, _masked_blend(xb, new, cur, tau), xb + (new - cur))
            out[rows] = new.float().cpu().numpy()
        if reference is not None and REFERENCE_COLOURS:
            out = self._reference_colours(x, out, ref, restyled, seen, target, shape, batch_size)
        return _to_layout(out, shape)

    def _reference_colours(self, x, out, ref, restyled, seen, target, shape, batch_size):
        """The edits ``out`` of ``x`` with each restyled attribute's drawn pixels in the colour of the
        reference's (``ref``, ``(1 or n, C, H, W)``; see :data:`REFERENCE_COLOUR_THRESHOLD`), one
        attribute at a time, each inside its region."""
        regions = getattr(self, "regions_", None)
        names = [s["name"] for s in self.attributes_]
        for name in restyled:
            rows = np.flatnonzero(np.asarray(target[name], dtype=np.float32) > 0)
            if not len(rows):
                continue
            # the reference's own attribute: the pixels it loses when the editor removes it
            # (only the references these rows use)
            used = ref[rows] if len(ref) > 1 else ref
            used_without, _ = _as_images(self._edit(_to_layout(used, shape), None, None, None, "auto", batch_size,
                                                    {name: 0}))
            pick = np.arange(len(rows)) if len(ref) > 1 else np.zeros(len(rows), dtype=np.int64)
            # what the edit drew: its change from the face without the attribute (the input, or,
            # where the face already had it in another look, the input with it removed, so that
            # the pixels where the old look was taken away are not counted as drawn)
            before = x[rows].copy()
            had = np.asarray(seen[name], dtype=np.float32)[rows] > 0.5
            if had.any():
                before[had] = _as_images(self._edit(_to_layout(before[had], shape), None, None, None, "auto",
                                                    batch_size, {name: 0}))[0]
            where = None if regions is None else regions[names.index(name)]
            out[rows] = _match_colours(before, out[rows], used[pick], used_without[pick], where)
        return out

    def _reference_styles(self, reference, styles, target, attributes, changes, shape):
        """The style codes of an edit guided by ``reference`` images, the attributes they restyle
        (the binary ones the caller sets above 0), and the references as ``(n, C, H, W)``."""
        if styles is None:
            raise ValueError("reference= needs style codes: an editor fitted with method='fader' or 'mask' "
                             "and style_dim > 0.")
        ref, ref_shape = _as_images(reference, "reference")
        if tuple(ref_shape) != tuple(shape):
            raise ValueError(f"reference images have shape {tuple(ref_shape)}, the images {tuple(shape)}; "
                             "they must match.")
        n = len(styles)
        if len(ref) not in (1, n):
            raise ValueError(f"reference has {len(ref)} images; give one per image ({n}) or one for all.")
        given = set(changes) | (set(attributes) if attributes is not None else set())
        binary = [s for s in self.attributes_ if s["kind"] == "binary"]
        restyled = [s["name"] for s in binary if s["name"] in given]
        if not restyled:
            raise ValueError("reference= gives the look of the attributes being set; name at least one binary "
                             f"attribute, e.g. edit(images, {binary[0]['name'] if binary else 'glasses'}=1, "
                             "reference=ref).")
        ref_scores = self._scores(ref)
        seen = self._decode_labels(ref_scores[:, :self.model_.n_logits])
        for name in restyled:
            lacking = np.flatnonzero(np.asarray(seen[name]) == 0)
            if len(lacking):
                warnings.warn(f"{len(lacking)} of {len(ref)} reference images show no {name} to the editor's "
                              f"classifier (e.g. image {lacking[0]}); the look they lend is undefined. Use "
                              f"references that have it.", stacklevel=4)
        ref_styles = ref_scores[:, self.model_.n_logits:]
        ref_styles = np.repeat(ref_styles, n, axis=0) if len(ref) == 1 and n > 1 else ref_styles
        out = styles.copy()
        d = self.model_.style_dim
        for k, s in enumerate(binary):
            if s["name"] in restyled:
                on = np.asarray(target[s["name"]], dtype=np.float32) > 0
                out[on, k * d:(k + 1) * d] = ref_styles[on, k * d:(k + 1) * d]
        return out, restyled, ref

    def _rows_to_mask(self, n: int, current: dict, target: dict) -> np.ndarray:
        """The images whose edit lowers a binary attribute or changes a categorical one."""
        rows = np.zeros(n, dtype=bool)
        for s in self.attributes_:
            cur, new = np.asarray(current[s["name"]]), np.asarray(target[s["name"]])
            if s["kind"] == "binary":
                rows |= new.astype(np.float32) < cur.astype(np.float32)
            else:
                rows |= new.astype(str) != cur.astype(str)
        return rows

    def _edit_styles(self, scores: np.ndarray, current: dict) -> np.ndarray:
        """Each image's style codes for an edit (``scores``: the classifier's output): its own for
        the attributes it has, the training images' mean for those it lacks (the look an added
        attribute gets)."""
        styles = scores[:, self.model_.n_logits:].copy()
        d = self.model_.style_dim
        binary = [s for s in self.attributes_ if s["kind"] == "binary"]
        for k, s in enumerate(binary):
            lacks = np.asarray(current[s["name"]], dtype=np.float32) <= 0.5
            styles[lacks, k * d:(k + 1) * d] = self.style_means_[s["name"]]
        return styles

    @torch.no_grad()
    def reconstruct(self, images) -> np.ndarray:
        """Encode and decode with each image's own (predicted) attributes; shaped like ``images``.

        With the context path (``context_channels > 0``) the decoder redraws every attribute's
        region, from the latent and the attributes, and the pixels outside all regions are the
        input's: the output shows how well the editor draws what an edit of any attribute
        redraws (an edit redraws only the regions of the attributes it changes). With
        ``method="mask"`` the U-Net, told to change nothing, may redraw every attribute's region:
        the output shows what it draws there when it should keep the image as it is.
        """
        mode = "auto" if self.method == "mask" else "decode"
        return self._edit(images, None, None, None, mode, 128, {}, redraw_all=True)

    @torch.no_grad()
    def interpolate(self, a, b, steps: int = 8) -> np.ndarray:
        """``steps`` images morphing from image ``a`` to image ``b`` (each ``(H, W)`` or
        ``(H, W, C)``) along the straight line between their latents and attribute values."""
        check_is_fitted(self)
        if self.method == "mask":
            raise ValueError("interpolate morphs along the straight line between two latents; an editor with "
                             "method='mask' edits each image in place and has no latent to morph. Use "
                             "method='fader'.")
        if int(steps) < 2:
            raise ValueError(f"steps must be >= 2, got {steps}.")
        x, shape = _as_images(np.stack([np.asarray(a), np.asarray(b)]), "a and b")
        model = self.model_
        device = self._model_device()
        xt = torch.from_numpy(x).to(device)
        z = model.encode(xt)
        scores = self._scores(x)
        labels = self._decode_labels(scores)
        c = torch.from_numpy(_condition(self.attributes_, labels, 2)).to(device)
        if self.method == "fader" and model.style_slots:
            c = model.condition(c, torch.from_numpy(self._edit_styles(scores, labels)).to(device))
        t = torch.linspace(0, 1, int(steps), device=device)
        lerp = lambda u: (1 - t).view(-1, *[1] * (u.ndim - 1)) * u[0] + t.view(-1, *[1] * (u.ndim - 1)) * u[1]  # noqa: E731
        if model.context is None:
            out = model.decode(lerp(z), lerp(c), xt.shape[-2:])
        else:
            # every attribute's region redrawn: the decoder draws them all from the morphing
            # latent; the rest (and what the decoder sees of it) cross-fades between the images
            hidden = torch.ones(2, len(self.attributes_), dtype=torch.bool, device=device)
            mask = _region_mask(torch.from_numpy(self.regions_).to(device), hidden)
            context = [lerp(f) for f in model.hide(xt, mask)]
            drawn = model.decode(lerp(z), lerp(c), xt.shape[-2:], context).float()
            out = mask[:1] * drawn + (1 - mask[:1]) * lerp(xt)
        out = out.float().cpu().numpy()
        return _to_layout(out, shape)

    # -- model files -----------------------------------------------------------------------------

    def _extra_saved_state(self):
        state = {"attributes_": self.attributes_, "image_shape_": list(self.image_shape_),
                 "blend_thresholds_": self.blend_thresholds_}
        tensors = {}
        for name, means in getattr(self, "attribute_vectors_", {}).items():
            tensors[f"attribute_vectors.{name}"] = torch.from_numpy(means)
        for name, means in getattr(self, "style_means_", {}).items():
            tensors[f"style_means.{name}"] = torch.from_numpy(means)
        if hasattr(self, "regions_"):
            tensors["regions"] = torch.from_numpy(self.regions_)
        return state, tensors

    @classmethod
    def _saved_network_spec(cls, params, state):
        # files written before the network registry hold the bare FaderNetwork config
        return _network_of(state["network"], "MaskEditNetwork" if params.get("method") == "mask" else "FaderNetwork")

    def _set_saved_state(self, state, tensors):
        self.attributes_ = state["attributes_"]
        self.image_shape_ = tuple(state["image_shape_"])
        # files written before thresholds were saved blend every attribute at the default
        saved = state.get("blend_thresholds_") or {}
        self.blend_thresholds_ = {sp["name"]: _check_threshold(sp["name"], saved.get(sp["name"], BLEND_TAU))
                                  for sp in self.attributes_}
        if self.method == "vector":
            self.attribute_vectors_ = {s["name"]: tensors[f"attribute_vectors.{s['name']}"].numpy()
                                       for s in self.attributes_}
        elif self.model_.style_slots:
            self.style_means_ = {s["name"]: tensors[f"style_means.{s['name']}"].numpy()
                                 for s in self.attributes_ if s["kind"] == "binary"}
        if self.method == "mask" or self.model_.context is not None:
            if "regions" not in tensors:
                raise ValueError("the model file's editor redraws attribute regions, but the file has no attribute "
                                 "regions ('regions')")
            self.regions_ = tensors["regions"].float().numpy()


def _network_of(network, kind: str) -> dict:
    """A saved network's spec, which must be a ``kind``; a bare config (as written before the
    network registry) is read as that kind's."""
    spec = network if isinstance(network, dict) and "type" in network else {"type": kind, "config": network}
    if spec["type"] != kind:
        raise ValueError(f"the network is a {spec['type']!r}, not a {kind}")
    return spec


# --------------------------------------------------------------------------------------------
# Translator
# --------------------------------------------------------------------------------------------


@register
class Translator(AekitEstimator):
    """Paired image-to-image translation ``X -> Y``: a U-Net trained with a pixel loss.

    The U-Net predicts the *change* from X to Y (its output is subtracted from the input), so an
    untouched pixel costs nothing to get right and skip connections carry the fine detail.

    The loss is MSE by default, not pix2pix's L1: measured in ``benchmarks/translate.py`` (faces
    with glasses -> the same faces without, 3,000 pairs, 8 epochs), L1 never left the identity map
    (26.0 dB, the input's own score), because where 94% of the pixels do not change its constant
    pull towards "no change" wins; MSE reached 33.4 dB. L1 did well where most pixels change
    (MNIST digits -> thickened strokes: 45.0 dB). There is no adversarial or perceptual term.

    Parameters
    ----------
    channels : tuple of int, default (32, 64, 128)
        U-Net features per level, fine to coarse.
    blocks_per_level : int, default 2
    loss : {"mse", "l1"}, default "mse"
    max_epochs, batch_size, learning_rate, validation_split, early_stopping, patience, precision,
    device, random_state, verbose, checkpoint : training settings as in
        :class:`aekit.AutoencoderReducer`.

    Attributes
    ----------
    model_ : aekit.blocks.UNet
    image_shape_ : tuple
    history_ : aekit.training.History

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((32, 16, 16)).astype(np.float32)
    >>> Y = 1 - X
    >>> Translator(channels=(8, 16), max_epochs=2, random_state=0).fit(X, Y).transform(X).shape
    (32, 16, 16)
    """

    _parameter_constraints = {
        "channels": [IntSequence(1, min_len=1, allow_int=False)],
        "blocks_per_level": [Interval(int, 1, None)],
        "loss": [Options("mse", "l1")],
        **training_constraints("max_epochs", "batch_size", "learning_rate", "validation_split", "early_stopping",
                               "patience", "precision", "random_state", "verbose", "checkpoint"),
    }
    _train_defaults = {"lr_schedule": "cosine"}

    def __init__(self, channels=(32, 64, 128), blocks_per_level=2, loss="mse", max_epochs=30,
                 batch_size=32, learning_rate=1e-3, validation_split=0.1, early_stopping=True,
                 patience=5, precision="auto", device="auto", random_state=None, verbose=0,
                 checkpoint=None):
        self.channels = channels
        self.blocks_per_level = blocks_per_level
        self.loss = loss
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint = checkpoint

    def fit(self, X, Y, *, resume=False):
        """Learn to turn each image of ``X`` into the image of ``Y`` at the same index."""
        self._validate_params()
        x, shape = _as_images(X, "X")
        y, shape_y = _as_images(Y, "Y")
        if shape != shape_y or len(x) != len(y):
            raise ValueError(f"X and Y must be pairs of the same shape: X is {(len(x), *shape)}, "
                             f"Y is {(len(y), *shape_y)}.")
        if len(x) < 2:
            raise ValueError("fit needs at least 2 pairs of images.")
        seed = self._draw_seed()
        model = self._build_network(
            lambda: UNet(x.shape[1], tuple(self.channels), int(self.blocks_per_level), residual=True), seed,
            fix="Use fewer or narrower channels.")
        distance = F.l1_loss if self.loss == "l1" else F.mse_loss

        def loss_fn(net, batch):
            xb, yb = batch
            return distance(net(xb).float(), yb)

        self._fit_network(model, loss_fn, (torch.from_numpy(x), torch.from_numpy(y)), seed, resume=resume)
        self.image_shape_ = tuple(shape)
        return self

    def transform(self, X) -> np.ndarray:
        """Translate ``X``; returns float32 images in [0, 1] shaped like ``X``. Images of any size
        work (the network is fully convolutional), but they should have the training channels."""
        check_is_fitted(self)
        x, shape = _as_images(X, "X")
        if x.shape[1] != self.model_.config["in_channels"]:
            raise ValueError(f"X has {x.shape[1]} channel(s); the model was trained on "
                             f"{self.model_.config['in_channels']}.")
        device = self._model_device()
        out = predict_batches(self.model_, x, batch_size=128, device=device, precision=self.precision)
        return _to_layout(out, shape)

    def _extra_saved_state(self):
        return {"image_shape_": list(self.image_shape_)}, {}

    @classmethod
    def _saved_network_spec(cls, params, state):
        # files written before the network registry hold the bare UNet config as "architecture"
        return _network_of(state["network"] if "network" in state else state["architecture"], "UNet")

    def _set_saved_state(self, state, tensors):
        self.image_shape_ = tuple(state["image_shape_"])
