"""How a reference-guided edit takes the reference's colour, chosen on validation faces.

``AttributeEditor.edit(faces, glasses=1, reference=refs)`` draws the attribute from the
reference's style code, then moves the pixels it drew to the colour of the reference's own
attribute (the pixels the reference loses when the editor removes it): see
``aekit.translate.REFERENCE_COLOUR_THRESHOLD``. This script scores, for the shipped editor
(``AttributeEditor.pretrained("faces")``) on validation people (``make_faces(400,
random_state=31)``, references ``make_faces(1200, random_state=34)``; never the benchmark's test
faces), each face given the look of a reference that has the attribute against the ground truth
rendered in exactly that look (as ``benchmarks/translate.py`` does on its test faces):

- the style codes alone (``REFERENCE_COLOURS = False``),
- the mean shift (the shipped rule) at each threshold and softness of a small grid,
- the same with the standard deviation matched too (Reinhard et al. 2001, "Color transfer
  between images"), computed here from the codes-alone edits;

and, for faces that already have the attribute, restyled in the reference's look: the shipped
rule against the style codes alone.

    .venv/bin/python benchmarks/translate_reference_colours.py   # about 3 minutes on 2 cores

Writes ``benchmarks/results/translate_reference_colours.json``.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from _common import write_result
from translate import REFERENCE_ATTRIBUTES, mean_of
from translate_validation import REFERENCE_SEED, VALIDATION_SEED

import aekit.translate as aekit_translate
from aekit import AttributeEditor
from aekit.datasets import make_faces
from aekit.metrics import psnr

THRESHOLDS = (0.1, 0.15, 0.25)
SOFTNESS = (0.15, 0.3)


def _reinhard(x, edited, ref, ref_without, threshold, softness):
    """Mean and standard deviation of the drawn pixels matched to the reference's ((n, H, W, C))."""
    change = np.abs(edited - x).max(-1, keepdims=True)
    drawn_w = (change > threshold).astype(np.float32)
    ref_w = (np.abs(ref - ref_without).max(-1, keepdims=True) > threshold).astype(np.float32)

    def stats(img, w):
        total = np.maximum(w.sum((1, 2)), 1)
        mu = (img * w).sum((1, 2)) / total
        sd = np.sqrt(((img - mu[:, None, None]) ** 2 * w).sum((1, 2)) / total)
        return mu[:, None, None], sd[:, None, None]

    (mu_d, sd_d), (mu_r, sd_r) = stats(edited, drawn_w), stats(ref, ref_w)
    ok = ((drawn_w.sum((1, 2, 3)) > 0) & (ref_w.sum((1, 2, 3)) > 0))[:, None, None, None]
    moved = (edited - mu_d) * sd_r / np.maximum(sd_d, 1e-3) + mu_r
    weight = np.clip(change / softness, 0, 1)
    return np.where(ok, edited + weight * (moved - edited), edited).clip(0, 1)


def main() -> None:
    editor = AttributeEditor.pretrained("faces")
    val = make_faces(400, random_state=VALIDATION_SEED)
    pool = make_faces(1200, random_state=REFERENCE_SEED)
    result = {"validation_faces": len(val), "shipped": {"threshold": aekit_translate.REFERENCE_COLOUR_THRESHOLD,
                                                         "softness": aekit_translate.REFERENCE_COLOUR_SOFTNESS},
              "edits": {}}
    for name in REFERENCE_ATTRIBUTES:
        idx = np.flatnonzero(val.attributes[name] == 0)
        wearers = np.flatnonzero(pool.attributes[name] == 1)[:len(idx)]
        idx = idx[:len(wearers)]
        faces, refs = val[idx], pool[wearers]
        truth = faces.render(**{name: 1}, style_from=refs)
        rows = {"n": len(faces), "no_edit": mean_of(psnr, truth, faces.images)}
        with patch.object(aekit_translate, "REFERENCE_COLOURS", False):
            codes = editor.edit(faces.images, reference=refs.images, **{name: 1})
        rows["style_codes_alone"] = mean_of(psnr, truth, codes)
        ref_without = editor.edit(refs.images, **{name: 0})
        for threshold in THRESHOLDS:
            for softness in SOFTNESS:
                with patch.multiple(aekit_translate, REFERENCE_COLOUR_THRESHOLD=threshold,
                                    REFERENCE_COLOUR_SOFTNESS=softness):
                    shifted = editor.edit(faces.images, reference=refs.images, **{name: 1})
                key = f"threshold {threshold}, softness {softness}"
                rows[f"mean shift, {key}"] = mean_of(psnr, truth, shifted)
                rows[f"reinhard, {key}"] = mean_of(
                    psnr, truth, _reinhard(faces.images, codes, refs.images, ref_without, threshold, softness))
        result["edits"][f"{name}_add_like_reference"] = rows
        print(name, {k: round(v, 2) for k, v in rows.items() if k != "n"}, flush=True)
        # faces that already have the attribute, given the reference's look instead (restyled)
        idx = np.flatnonzero(val.attributes[name] == 1)
        wearers = np.flatnonzero(pool.attributes[name] == 1)[-len(idx):]
        idx = idx[:len(wearers)]
        faces, refs = val[idx], pool[wearers]
        truth = faces.render(**{name: 1}, style_from=refs)
        rows = {"n": len(faces), "no_edit": mean_of(psnr, truth, faces.images),
                "shipped": mean_of(psnr, truth, editor.edit(faces.images, reference=refs.images, **{name: 1}))}
        with patch.object(aekit_translate, "REFERENCE_COLOURS", False):
            rows["style_codes_alone"] = mean_of(psnr, truth, editor.edit(faces.images, reference=refs.images,
                                                                         **{name: 1}))
        result["edits"][f"{name}_restyle_like_reference"] = rows
        print(name, "restyled", {k: round(v, 2) for k, v in rows.items() if k != "n"}, flush=True)
    print(write_result("translate_reference_colours", result))


if __name__ == "__main__":
    main()
