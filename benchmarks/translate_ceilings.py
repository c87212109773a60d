"""How close to the ground truth an edit *can* come, where the input does not hold the answer.

Removing blond hair must draw the hair in this person's dark colour, which a blond face does not
show: ``make_faces`` draws the dark colour (black, brown or auburn) independently of everything
else in the face. The best any editor can do without it, in mean squared error, is the mean dark
colour; so the ceiling of "blond off" is the ground truth itself with the hair in that mean
colour (every other pixel exact). It is scored here on the benchmark's test faces
(``make_faces(1000, random_state=1)``, those of ``benchmarks/translate.py``), beside no edit and
the shipped editor (``AttributeEditor.pretrained("faces")``), with the benchmark's PSNR (the mean
over images).

    .venv/bin/python benchmarks/translate_ceilings.py   # under a minute

Writes ``benchmarks/results/translate_ceilings.json``.
"""

from __future__ import annotations

import numpy as np
from _common import write_result
from translate import FULL, mean_of

from aekit import AttributeEditor
from aekit.datasets import make_faces
from aekit.faces import render_faces, sample_identities
from aekit.metrics import psnr

TEST_SEED = 1  # benchmarks/translate.py: make_faces(n_test, random_state=seed + 1), seed 0


def main() -> None:
    test = make_faces(FULL["n_test"], random_state=TEST_SEED)
    blond = test[test.attributes["blond"] == 1]
    truth = blond.render(blond=0)
    # the mean of the dark hair colour over many people (none of them the test faces)
    mean_dark = sample_identities(200_000, random_state=123)["hair_color"].mean(axis=0)
    identities = {**blond.identities, "hair_color": np.tile(mean_dark, (len(blond), 1))}
    best = render_faces(identities, {**blond.attributes, "blond": np.zeros(len(blond), np.int64)}, test.size)
    edited = AttributeEditor.pretrained("faces").edit(blond.images, blond=0)
    result = {"blond_remove": {
        "n": len(blond),
        "no_edit_psnr": mean_of(psnr, truth, blond.images),
        "shipped_editor_psnr": mean_of(psnr, truth, edited),
        "ceiling_psnr": mean_of(psnr, truth, best),
        "mean_dark_hair_colour": [round(float(v), 4) for v in mean_dark],
        "ceiling": "the ground truth with the hair in the mean dark colour",
    }}
    print(write_result("translate_ceilings", result))


if __name__ == "__main__":
    main()
