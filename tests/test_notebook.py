"""The walk-through notebook runs from top to bottom, offline, and trains to 100% accuracy."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "understanding_autoencoders.ipynb"


def test_walkthrough_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # a fresh kernel in a scratch folder; any failing cell (including its asserts) fails the test
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(
        o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    assert "final training accuracy: 1.0" in outputs
    assert "Total params" in outputs and "(None, 4, 8)" in outputs
    assert "5-NN test accuracy" in outputs
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    # the figures render inline, once each, as a reader opening the notebook expects (not as
    # "<Figure size ...>" text, which a non-interactive backend gives)
    for call in ("plot_training_curves(history", "plot_latent_comparison(", "plot_image_grid("):
        cell = next(c for c in nb.cells if c.cell_type == "code" and call in c.source)
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1, f"the cell calling {call}...) has {len(images)} image outputs"
    assert "<Figure size" not in outputs
