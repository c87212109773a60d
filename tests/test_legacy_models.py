"""Model files written by older aekit code still load and give the same outputs.

``tests/data/models/`` holds one small model of every class, written by ``tests/model_zoo.py``
before the estimators moved onto ``aekit._base``; each folder's ``expected.npy`` is what that
code computed on the zoo's inputs.
"""

from pathlib import Path

import model_zoo as legacy
import numpy as np
import pytest

import aekit
from aekit.serialization import registered_classes

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def inputs():
    return legacy.inputs()


OUTPUTS = legacy.OUTPUTS


def test_every_registered_class_has_a_legacy_file():
    assert set(registered_classes()) <= set(OUTPUTS)
    for name in OUTPUTS:
        assert (DATA / "models" / name / "config.json").is_file(), name


def _fp32(model):
    """The expected outputs were computed in fp32: on a CPU with native bf16, precision "auto"
    would run inference in bf16 and differ by far more than rounding."""
    if "precision" in model.get_params():
        model.set_params(precision="fp32")
    return model


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_legacy_file_loads_and_gives_the_same_outputs(name, inputs, tmp_path):
    folder = DATA / "models" / name
    model = _fp32(aekit.load(folder))
    assert type(model).__name__ == name
    expected = np.load(folder / "expected.npy")
    got = np.asarray(OUTPUTS[name](model, inputs), dtype=np.float32)
    # uint8 denoiser output may move by one grey level across BLAS builds
    np.testing.assert_allclose(got, expected, atol=1.01 if name == "Denoiser" else 1e-5)
    # and it saves again in today's format, to the same outputs
    model.save(tmp_path / "again")
    again = _fp32(aekit.load(tmp_path / "again"))
    np.testing.assert_allclose(np.asarray(OUTPUTS[name](again, inputs), dtype=np.float32), got, atol=1e-6)
