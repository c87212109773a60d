"""
Denoise: a photo with Gaussian noise, and one with camera noise
===============================================================

``Denoiser.pretrained()`` needs no training: it cleans any image size, grayscale or colour,
told the noise level or estimating it. Camera noise (photon shot noise plus read noise) is
brighter where the image is brighter; ``noise="poisson_gaussian"`` gives the network a level per
pixel. Look at the cameraman's coat and the grass: a good denoiser keeps their texture.
"""

import matplotlib.pyplot as plt
import numpy as np
import skimage.data

from aekit import Denoiser
from aekit.denoise import estimate_noise_model
from aekit.metrics import psnr
from aekit.noise import gaussian, poisson_gaussian

clean = skimage.data.camera()[60:316, 120:376] / np.float32(255)   # a 256 x 256 crop
denoiser = Denoiser.pretrained()

noisy = gaussian(clean, 25, seed=0)
out = denoiser.denoise(noisy)                    # blind: sigma estimated
raw = poisson_gaussian(clean, peak=30, sigma=10, seed=0)
out_raw = denoiser.denoise(raw, noise="poisson_gaussian")
peak, read = estimate_noise_model(raw)
print(f"estimated camera noise: {peak:.1f} photons for white, read noise {read:.1f} (true: 30, 10)")

# %%
# Noisy and denoised, with PSNR against the clean crop (higher is better).
fig, axes = plt.subplots(2, 3, figsize=(9, 6.4))
rows = [("Gaussian, sigma 25", noisy, out), ("camera: 30 photons, read noise 10", raw, out_raw)]
for ax_row, (name, y, z) in zip(axes, rows):
    for ax, (title, img) in zip(ax_row, ((f"{name}\n{psnr(clean, np.clip(y, 0, 1)):.2f} dB", y),
                                         (f"aekit\n{psnr(clean, np.clip(z, 0, 1)):.2f} dB", z),
                                         ("clean", clean))):
        ax.imshow(np.clip(img, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
fig.tight_layout()
plt.show()
