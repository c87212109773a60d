"""The trial that led to ``AttributeEditor(method="mask")`` (the shipped face editor's design, built
in ``aekit.blocks.MaskEditNetwork`` and ``aekit.translate._mask_loss``), kept as it ran so its
results can be rerun (it has its own copy of the network and no self-reconstruction): a full-resolution
U-Net that predicts a soft mask and composes ``mask * drawn + (1 - mask) * input`` (SaGAN, ECCV
2018; GANimation's mask prior), conditioned on the attribute *difference* (STGAN, CVPR 2019).

Why it was tried: the shipped editor (``AttributeEditor``, Fader Networks with a context path)
redraws an attribute's whole region from an 8 x 8 latent, so its edits are blurred there. A U-Net
sees every input pixel at full resolution; the mask keeps the rest of the face exact.

It learns from labels only, as ``AttributeEditor`` must (no before/after pairs): an image
classifier learns the attributes (and a style code per attribute) from the training faces; the
editor's output, judged by that classifier through the same half-resolution noisy view as
``AttributeEditor``'s attribute loss, must show the requested attributes; editing back must return
the input (cycle, L1); the mask is kept small (its mean) and, with ``--regions``, inside the regions of
the changed attributes (``aekit.translate._attribute_regions``, learnt from the labels); with
``--adversarial patch`` a patch discriminator (LSGAN) asks the edits to look like real faces; with
``--judge-on-edits W`` the classifier also learns, at weight ``W``, to read each edit as the face it
was *before* the edit, so an edit must look like the real attribute, not like whatever the judge
has not seen yet.

Scored like ``benchmarks/translate_validation.py``: on 400 faces of ``make_faces(random_state=31)``
(validation people), PSNR against the ground-truth render beside no edit, and the share of edits an
independent classifier (trained on ``make_faces(random_state=32)``) reads as requested.

    .venv/bin/python benchmarks/translate_unet_trial.py --faces 3000 --epochs 6   # about 7 minutes on 2 cores

Writes ``benchmarks/results/translate_unet_trial.json``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from _common import write_result
from scipy.ndimage import binary_dilation
from torch import nn
from translate import attribute_labels, fit_classifier, mean_of, score_edits

from aekit.blocks import ConvClassifier
from aekit.datasets import make_faces
from aekit.faces import ATTRIBUTES
from aekit.metrics import psnr
from aekit.translate import _attribute_regions, _frozen_call, _noisy

TRAIN_SEED, VALIDATION_SEED, JUDGE_SEED = 2026, 31, 32
A = len(ATTRIBUTES)
STYLE = 8  # style code per attribute, as AttributeEditor's style_dim


def block(c_in, c_out, stride=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True))


class MaskUNet(nn.Module):
    """Encoder 64 -> 8 px, decoder back with skips at every scale; the condition (attribute
    difference, target values, target style codes) is broadcast beside the features at 8, 16 and
    32 px. Output: the drawn RGB and a mask; the edit is the input where the mask is 0."""

    def __init__(self, width=32, cond=2 * A + A * STYLE):
        super().__init__()
        c = [width, 2 * width, 4 * width, 4 * width]
        self.inp, self.d1, self.d2, self.d3 = block(3, c[0]), block(c[0], c[1], 2), block(c[1], c[2], 2), block(c[2], c[3], 2)
        self.mid = nn.Sequential(block(c[3] + cond, c[3]), block(c[3], c[3]))
        self.u3, self.u2 = block(c[3] + c[2] + cond, c[2]), block(c[2] + c[1] + cond, c[1])
        self.u1, self.out = block(c[1] + c[0], c[0]), nn.Conv2d(c[0], 4, 3, 1, 1)

    def forward(self, x, cond, region=None):
        def with_cond(h, *skips):
            return torch.cat([h, *skips, cond[:, :, None, None].expand(-1, -1, *h.shape[-2:]).to(h.dtype)], 1)

        def up(h):
            return F.interpolate(h, scale_factor=2, mode="nearest")

        h0 = self.inp(x)
        h1 = self.d1(h0)
        h2 = self.d2(h1)
        h = self.mid(with_cond(self.d3(h2)))
        h = self.u2(with_cond(up(self.u3(with_cond(up(h), h2))), h1))
        o = self.out(self.u1(torch.cat([up(h), h0], 1))).float()
        drawn, mask = torch.sigmoid(o[:, :3]), torch.sigmoid(o[:, 3:])
        if region is not None:
            mask = mask * region
        return x + mask * (drawn - x), mask


def patch_discriminator():
    return nn.Sequential(nn.Conv2d(3, 32, 4, 2, 1), nn.LeakyReLU(0.2, True), nn.Conv2d(32, 64, 4, 2, 1),
                         nn.LeakyReLU(0.2, True), nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(128, 1, 3, 1, 1))


def judged(x):
    return F.avg_pool2d(x, 2)


def condition(current, target, style):
    return torch.cat([target - current, target, (style.view(-1, A, STYLE) * target[:, :, None]).flatten(1)], 1)


def train(args, faces):
    x = torch.from_numpy(faces.images).permute(0, 3, 1, 2).contiguous()
    c = torch.from_numpy(attribute_labels(faces).astype(np.float32))
    regions = torch.from_numpy(_attribute_regions(x.numpy(), c.numpy(), [(j, 1, "binary") for j in range(A)]))

    def region_of(changed):
        return (changed[:, :, None, None] * regions[None]).amax(1, keepdim=True) if args.regions else None

    editor, clf = MaskUNet(args.width), ConvClassifier(3, (32, 64, 128), A + A * STYLE)
    disc = patch_discriminator() if args.adversarial == "patch" else None
    opt = torch.optim.Adam([*editor.parameters(), *clf.parameters()], 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999)) if disc is not None else None
    batch = 64
    steps = args.epochs * (len(x) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 1e-3, total_steps=steps, pct_start=0.1)
    history = []
    for epoch in range(args.epochs):
        order = torch.randperm(len(x))
        for start in range(0, len(x) - batch + 1, batch):
            idx = order[start:start + batch]
            xb, cb = x[idx], c[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16):
                scores = clf(torch.cat([judged(xb), _noisy(judged(xb))])).float()
                logits, style = scores[:batch, :A], scores[:batch, A:]
                clf_loss = (F.binary_cross_entropy_with_logits(logits, cb)
                            + F.binary_cross_entropy_with_logits(scores[batch:, :A], cb)) / 2
                flip = (torch.rand_like(cb) < 0.5).float()
                flip[flip.sum(1) == 0, torch.randint(A, (1,))] = 1
                target = (cb + flip) % 2
                # an attribute the face keeps keeps its look; one it gains takes another face's
                keep = (cb * (1 - flip)).repeat_interleave(STYLE, 1).bool()
                new_style = torch.where(keep, style.detach(), style.detach()[torch.randperm(batch)])
                edited, mask = editor(xb, condition(cb, target, new_style), region_of(flip))
                seen = _frozen_call(clf, _noisy(judged(edited))).float()[:, :A]
                attribute_loss = F.binary_cross_entropy_with_logits(seen, target)
                back, mask_back = editor(edited, condition(target, cb, style.detach()), region_of(flip))
                cycle = (back - xb).abs().mean()
                loss = clf_loss + attribute_loss + args.cycle * cycle + args.mask * (mask.mean() + mask_back.mean())
                if disc is not None:
                    loss = loss + args.adversarial_weight * (_frozen_call(disc, edited).float() - 1).square().mean()
                if args.judge_on_edits > 0:
                    fooled = clf(_noisy(judged(edited.detach()))).float()[:, :A]
                    loss = loss + args.judge_on_edits * F.binary_cross_entropy_with_logits(fooled, cb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if disc is not None:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    d_loss = ((disc(xb).float() - 1).square().mean() + disc(edited.detach()).float().square().mean()) / 2
                opt_d.zero_grad()
                d_loss.backward()
                opt_d.step()
        history.append({"epoch": epoch, "attribute_loss": attribute_loss.item(), "cycle": cycle.item(),
                        "mask_mean": mask.mean().item(), **({"discriminator_loss": d_loss.item()} if disc else {})})
        print(json.dumps(history[-1]), flush=True)
    return editor.eval(), clf.eval(), regions, history


@torch.no_grad()
def score(editor, clf, regions, val, classify, use_regions):
    xv = torch.from_numpy(val.images).permute(0, 3, 1, 2).contiguous()
    labels = attribute_labels(val)
    cv = torch.from_numpy(labels.astype(np.float32))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        style = clf(judged(xv)).float()[:, A:]
    has = cv.bool()
    mean_style = torch.cat([style[has[:, j], j * STYLE:(j + 1) * STYLE].mean(0) for j in range(A)])
    out = {}
    for j, name in enumerate(ATTRIBUTES):
        on, off = val.render(**{name: 1}), val.render(**{name: 0})
        region = binary_dilation(np.abs(on - off).max(-1) > 1 / 255, iterations=2, structure=np.ones((1, 3, 3), bool))
        for target_value, direction in ((1, "add"), (0, "remove")):
            idx = np.flatnonzero(labels[:, j] != target_value)
            cb = cv[idx]
            target = cb.clone()
            target[:, j] = target_value
            st = torch.where(cb.repeat_interleave(STYLE, 1).bool(), style[idx], mean_style.expand(len(idx), -1))
            changed = torch.zeros_like(cb)
            changed[:, j] = 1
            reg = (changed[:, :, None, None] * regions[None]).amax(1, keepdim=True) if use_regions else None
            with torch.autocast("cpu", dtype=torch.bfloat16):
                edited, _ = editor(xv[idx], condition(cb, target, st), reg)
            edits = edited.float().permute(0, 2, 3, 1).numpy().clip(0, 1)
            after = labels[idx].copy()
            after[:, j] = target_value
            truth = (on if target_value else off)[idx]
            scores = score_edits(edits, truth, region[idx], classify, j, target_value, after)
            scores["no_edit_psnr"] = mean_of(psnr, truth, val.images[idx])
            out[f"{name}_{direction}"] = scores
            print(f"{name}_{direction}: {scores['psnr']:.2f} dB (no edit {scores['no_edit_psnr']:.2f}), "
                  f"read as requested {scores['classifier_accuracy']:.3f}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faces", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--cycle", type=float, default=10.0)
    ap.add_argument("--mask", type=float, default=0.05)
    ap.add_argument("--regions", type=int, choices=[0, 1], default=1)
    ap.add_argument("--adversarial", choices=["none", "patch"], default="patch")
    ap.add_argument("--adversarial-weight", type=float, default=1.0)
    ap.add_argument("--judge-on-edits", type=float, default=0.0)
    ap.add_argument("--name", default="translate_unet_trial", help="the result's name")
    args = ap.parse_args()
    torch.manual_seed(0)
    t0 = time.perf_counter()
    judge_faces = make_faces(3000, random_state=JUDGE_SEED)
    classify = fit_classifier(judge_faces.images, attribute_labels(judge_faces), [2] * A, 5, JUDGE_SEED + 1)
    editor, clf, regions, history = train(args, make_faces(args.faces, random_state=TRAIN_SEED))
    fit_seconds = time.perf_counter() - t0
    edits = score(editor, clf, regions, make_faces(400, random_state=VALIDATION_SEED), classify, args.regions)
    print(write_result(args.name, {"settings": vars(args), "fit_seconds": round(fit_seconds, 1),
                                                "history": history, "edits": edits}))


if __name__ == "__main__":
    main()
