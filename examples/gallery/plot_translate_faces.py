"""
Translate: edit faces with the shipped editor, and in a reference face's look
=============================================================================

``AttributeEditor.pretrained("faces")`` edits 64 x 64 faces without any training. Every edit of
a rendered face has a ground truth: the same face rendered with the new attribute. Look at what
each edit should leave alone (eyes, mouth, background) and at whether the added glasses take the
reference's frame; the PSNR against the ground truth (higher is better) beside "no edit" (the
input returned unchanged) says whether the edit helped.
"""

import matplotlib.pyplot as plt
import numpy as np

from aekit import AttributeEditor
from aekit.datasets import make_faces
from aekit.metrics import psnr

editor = AttributeEditor.pretrained("faces")
faces = make_faces(200, random_state=1)
with_glasses = faces[faces.attributes["glasses"] == 1][:6]
without = faces[faces.attributes["glasses"] == 0][:6]
pool = make_faces(60, random_state=3)
refs = pool[pool.attributes["glasses"] == 1][:6]

removed, truth_removed = editor.edit(with_glasses.images, glasses=0), with_glasses.render(glasses=0)
added = editor.edit(without.images, glasses=1, reference=refs.images)
truth_added = without.render(glasses=1, style_from=refs)
for name, edited, truth, original in (("remove glasses", removed, truth_removed, with_glasses.images),
                                      ("add a reference's glasses", added, truth_added, without.images)):
    print(f"{name}: {np.mean([psnr(t, e) for t, e in zip(truth, edited)]):.2f} dB "
          f"(no edit: {np.mean([psnr(t, o) for t, o in zip(truth, original)]):.2f} dB)")

# %%
rows = [("original", with_glasses.images), ("glasses removed", removed), ("ground truth", truth_removed),
        ("reference", refs.images), ("original", without.images), ("their glasses", added),
        ("ground truth", truth_added)]
fig, axes = plt.subplots(len(rows), 6, figsize=(7, 8.5))
for ax_row, (title, images) in zip(axes, rows):
    for ax, image in zip(ax_row, images):
        ax.imshow(np.clip(image, 0, 1))
        ax.set_xticks([]), ax.set_yticks([])
    ax_row[0].set_ylabel(title, fontsize=8)
fig.tight_layout()
plt.show()
