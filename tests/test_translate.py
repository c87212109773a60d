"""aekit.AttributeEditor (Fader Networks, the mask-composing U-Net and the latent-vector baseline)
and aekit.Translator."""

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from scipy.ndimage import grey_dilation

import aekit
from aekit import AttributeEditor, Translator
from aekit.blocks import ConditionalConvDecoder, ConvClassifier, MaskEditNetwork, build
from aekit.cli import main
from aekit.datasets import load_mnist, make_faces
from aekit.errors import ModelFileError
from aekit.metrics import psnr
from aekit.translate import (
    REFERENCE_COLOUR_SOFTNESS,
    FaderNetwork,
    _as_images,
    _attribute_regions,
    _condition,
    _describe_attributes,
    _fader_loss,
    _groups,
    _mask_loss,
    _match_colours,
    _random_edits,
    _style_loss,
)

# a few hundred small faces do not locate every attribute's region; test_regions_* check the warning
pytestmark = pytest.mark.filterwarnings("ignore:the labels do not locate")

TINY = dict(channels=(8, 16, 16), batch_size=32, random_state=0, verbose=0)


@pytest.fixture(scope="module")
def faces():
    return make_faces(160, size=32, random_state=0)


@pytest.fixture(scope="module")
def fader(faces):
    return AttributeEditor(max_epochs=3, **TINY).fit(faces.images, faces.attributes)


@pytest.fixture(scope="module")
def vector(faces):
    return AttributeEditor(method="vector", max_epochs=2, **TINY).fit(faces.images, faces.attributes)


@pytest.fixture(scope="module")
def masked(faces):
    return AttributeEditor(method="mask", max_epochs=3, **TINY).fit(faces.images, faces.attributes)


@pytest.fixture(scope="module")
def digits():
    X, y = load_mnist("test", flatten=False)
    return X[:300], y[:300]


# -- building blocks ------------------------------------------------------------------------------


def test_conditional_decoder_sees_the_condition_at_every_stage():
    dec = ConditionalConvDecoder(out_channels=3, channels=(8, 16, 32), latent_channels=32, condition_dim=2)
    z = torch.rand(2, 32, 4, 4)
    a, b = dec(z, torch.zeros(2, 2)), dec(z, torch.ones(2, 2))
    assert a.shape == (2, 3, 32, 32)  # three doublings, the last a sub-pixel convolution
    assert not torch.allclose(a, b)
    widths = [m.in_channels for m in dec.modules() if isinstance(m, torch.nn.Conv2d)]
    assert widths[0] == 32 + 2 and widths[-1] == 8 + 2  # the condition enters first and last


def test_conv_classifier_any_size():
    net = ConvClassifier(in_channels=1, channels=(4, 8), n_outputs=3)
    assert net(torch.rand(5, 1, 28, 28)).shape == (5, 3)
    assert net(torch.rand(5, 1, 9, 13)).shape == (5, 3)


# -- attributes -----------------------------------------------------------------------------------


def test_attribute_kinds_are_inferred():
    specs = _describe_attributes({"glasses": np.array([0, 1, 1]), "ok": np.array([True, False, True]),
                                  "digit": np.array([3, 7, 9]), "hair": np.array(["red", "dark", "red"])})
    assert [(s["name"], s["kind"]) for s in specs] == [
        ("glasses", "binary"), ("ok", "binary"), ("digit", "categorical"), ("hair", "categorical")]
    assert specs[2]["classes"] == [3, 7, 9] and specs[3]["classes"] == ["dark", "red"]


@pytest.mark.parametrize("attributes, message", [
    ({"glasses": np.ones(3)}, r"'glasses' has \(3,\) values; expected one per image \(4\)"),
    ({"glasses": [0, 1, np.nan, 1]}, r"'glasses' has missing \(NaN\) values"),
    ({"size": [0.5, 1.5, 2.0, 1.0]}, r"'size' holds fractional values"),
    ({}, r"attributes is empty"),
])
def test_bad_attributes_are_named(attributes, message):
    images = np.zeros((4, 16, 16), np.float32)
    with pytest.raises(ValueError, match=message):
        AttributeEditor(max_epochs=1, **TINY).fit(images, attributes)


def test_attributes_may_be_a_dataframe(faces):
    ed = AttributeEditor(max_epochs=1, **TINY).fit(faces.images[:64], pd.DataFrame(faces.attributes).iloc[:64])
    assert [a["name"] for a in ed.attributes_] == ["glasses", "beard", "blond", "smiling"]


def _gradients(loss_fn, model, x, c):
    """Each weight's gradient of one step of ``loss_fn``, and the step's extras (the random edits
    and the noise seeded the same every call)."""
    model.zero_grad()
    torch.manual_seed(1)
    loss, extras = loss_fn(model, (x, c))
    loss.backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}, extras


# -- the mask editor (method="mask") ----------------------------------------------------------------


def test_random_edits_change_at_least_one_attribute_unless_kept():
    torch.manual_seed(0)
    groups = [(0, 1, "binary"), (1, 3, "categorical"), (4, 1, "binary")]
    c = torch.cat([torch.randint(0, 2, (200, 1)).float(), F.one_hot(torch.randint(0, 3, (200,)), 3).float(),
                   torch.randint(0, 2, (200, 1)).float()], dim=1)
    target, changed = _random_edits(groups, c, keep_share=0.0)
    assert changed.any(dim=1).all() and 0.3 < changed.float().mean() < 0.8
    assert torch.equal(target[:, 0] != c[:, 0], changed[:, 0])  # a binary attribute flips
    assert torch.equal(target[:, 4] != c[:, 4], changed[:, 2])
    new_class, old_class = target[:, 1:4].argmax(1), c[:, 1:4].argmax(1)
    assert torch.equal(new_class != old_class, changed[:, 1])  # a categorical one takes another class
    assert torch.equal(target[:, 1:4].sum(1), torch.ones(200))  # and stays one-hot
    target, changed = _random_edits(groups, c, keep_share=1.0)
    assert not changed.any() and torch.equal(target, c)


def _mask_gradients(model, x, c, groups, regions, **weights):
    """Each weight's gradient of one step of the mask objective (same noise and edits every call)."""
    settings = dict(attribute_weight=1.0, cycle_weight=10.0, mask_weight=0.05, adversarial_weight=1.0,
                    judge_edits_weight=0.0, style_weight=0.0, ramp_steps=0)
    return _gradients(_mask_loss(groups, regions, **{**settings, **weights}), model, x, c)


def test_each_mask_loss_term_moves_only_its_own_players_weights():
    """The editor's "look real" term must not train the patch discriminator to be fooled (its own
    loss is the same whatever that term weighs), and judging the edits trains the judge only."""
    torch.manual_seed(0)
    model = MaskEditNetwork(3, (8, 16, 16), 2, 2, style_slots=[0, 1], style_dim=4).eval()
    x, c = torch.rand(8, 3, 32, 32), torch.randint(0, 2, (8, 2)).float()
    groups, regions = [(0, 1, "binary"), (1, 1, "binary")], torch.ones(2, 32, 32)
    (low, extras), (high, _) = (_mask_gradients(model, x, c, groups, regions, adversarial_weight=w) for w in (1.0, 10.0))
    assert {"cycle", "self_reconstruction", "mask_mean", "edit_accuracy", "discriminator_loss"} <= set(extras)
    for name in low:
        if name.startswith(("discriminator.", "classifier.")):
            assert torch.allclose(low[name], high[name], atol=1e-6), name
    assert not torch.allclose(low["out.weight"], high["out.weight"], atol=1e-6)  # the U-Net feels it
    (plain, _), (judged, _) = (_mask_gradients(model, x, c, groups, regions, judge_edits_weight=w) for w in (0.0, 10.0))
    for name in plain:
        if not name.startswith("classifier."):
            assert torch.allclose(plain[name], judged[name], atol=1e-6), name
    assert not torch.allclose(plain["classifier.features.0.weight"], judged["classifier.features.0.weight"], atol=1e-6)


@pytest.mark.parametrize("detach", [False, True])
def test_the_cycle_trains_the_style_codes_when_told(detach, monkeypatch):
    """With CYCLE_TRAINS_STYLE only the cycle asks the style codes to carry a look (the input's
    glasses, to redraw after an edit removed them): without it no loss reaches the classifier's
    style outputs."""
    import aekit.translate as module

    monkeypatch.setattr(module, "CYCLE_TRAINS_STYLE", True)
    monkeypatch.setattr(module, "CYCLE_DETACH", detach)
    monkeypatch.setattr(module, "STYLE_NO_DROPOUT", detach)
    torch.manual_seed(0)
    model = MaskEditNetwork(3, (8, 16, 16), 2, 2, style_slots=[0, 1], style_dim=4).eval()
    x, c = torch.rand(8, 3, 32, 32), torch.ones(8, 2)  # every image has both: the cycle gives them back
    groups, regions = [(0, 1, "binary"), (1, 1, "binary")], torch.ones(2, 32, 32)
    style_rows = slice(model.n_logits, None)
    (without, _), (with_cycle, _) = (_mask_gradients(model, x, c, groups, regions, cycle_weight=w, mask_weight=0.0)
                                     for w in (0.0, 10.0))  # (the mask of the edit back sees the codes too)
    assert torch.count_nonzero(without["classifier.head.3.weight"][style_rows]) == 0
    assert torch.count_nonzero(with_cycle["classifier.head.3.weight"][style_rows]) > 0
    monkeypatch.setattr(module, "CYCLE_TRAINS_STYLE", False)  # the recipe: the cycle does not reach them
    off, _ = _mask_gradients(model, x, c, groups, regions, cycle_weight=10.0, mask_weight=0.0)
    assert torch.count_nonzero(off["classifier.head.3.weight"][style_rows]) == 0


def test_the_mask_editor_learns_and_changes_only_the_changed_regions(masked, faces):
    history = masked.history_.history
    assert history["cycle"][-1] < history["cycle"][0]
    assert set(history) >= {"loss", "val_loss", "mask_mean", "edit_accuracy", "discriminator_loss"}
    assert isinstance(masked.model_, MaskEditNetwork) and masked.regions_.shape == (4, 32, 32)
    assert masked._weight("attribute_weight") == 1.0 and masked._weight("judge_edits_weight") == 0.5
    x = faces.images[:8]
    worn = {**{k: v[:8] for k, v in faces.attributes.items()}, "glasses": np.ones(8)}
    out = masked.edit(x, source_attributes=worn, glasses=0)
    outside = masked.regions_[0] == 0
    assert 0 < outside.mean() < 1
    np.testing.assert_array_equal(out[:, outside], x[:, outside])
    assert np.abs(out - x).max() > 0.01  # and it does change the region
    np.testing.assert_array_equal(masked.edit(x), x)  # nothing to change, nothing changed
    every = masked.regions_.max(axis=0) == 0
    rec = masked.reconstruct(x)
    np.testing.assert_array_equal(rec[:, every], x[:, every])
    assert 0 < np.abs(rec - x).max()  # told to keep the face, it may still redraw the regions
    assert masked.encode(x).shape == (8, 16 * 4 * 4)  # the bottleneck, at 1/8 of 32 px


@pytest.mark.filterwarnings("ignore:.*reference images show no")
def test_the_mask_editor_takes_references_and_refuses_fader_only_settings(masked, faces):
    x, ref = faces.images[:6], faces.images[6:12]
    src = {k: np.zeros(6, np.int64) for k in faces.attributes}
    plain = masked.edit(x, source_attributes=src, glasses=1)
    guided = masked.edit(x, source_attributes=src, glasses=1, reference=ref)
    assert guided.shape == x.shape and np.abs(guided - plain).max() > 1e-5
    with pytest.raises(ValueError, match="method='mask' composes every edit with the mask it predicts"):
        masked.edit(x, glasses=0, mode="residual")
    with pytest.raises(ValueError, match="has no latent to morph. Use method='fader'"):
        masked.interpolate(x[0], x[1])


def test_the_mask_editor_redraws_digits_as_other_digits(digits):
    X, y = digits
    ed = AttributeEditor(method="mask", max_epochs=1, **TINY).fit(X, {"digit": y})
    out = ed.edit(X[:4], digit=3)
    assert out.shape == (4, 28, 28) and 0 <= out.min() and out.max() <= 1
    assert ed.predict_attributes(X[:4])["digit"].shape == (4,)


# -- the Fader objective --------------------------------------------------------------------------


def _loss_gradients(model, x, c, groups, **loss_settings):
    """Each weight's gradient of one step of the fader objective, and the step's extras; the same
    noise and the same edit partners every call."""
    return _gradients(_fader_loss(groups, loss_settings.pop("adversarial_weight", 0.0), ramp_steps=0,
                                  **loss_settings), model, x, c)


@pytest.mark.parametrize("style_dim", [0, 4])
def test_each_player_moves_only_its_own_weights(style_dim):
    """The encoder's adversarial loss must not train the discriminator to be fooled, and the
    discriminator's loss must not train the encoder."""
    torch.manual_seed(0)
    # eval: no dropout, same output each call
    model = FaderNetwork(3, (8, 16, 16), 2, 2, style_slots=[0, 1], style_dim=style_dim).eval()
    x, c = torch.rand(8, 3, 32, 32), torch.randint(0, 2, (8, 2)).float()
    groups = [(0, 1, "binary"), (1, 1, "binary")]
    (plain, _), (adversarial, _) = (_loss_gradients(model, x, c, groups, adversarial_weight=w) for w in (0.0, 10.0))
    for name in plain:
        if name.startswith(("discriminator.", "decoder.", "classifier.")):
            assert torch.allclose(plain[name], adversarial[name], atol=1e-7), name
    a, b = plain["encoder.features.0.weight"], adversarial["encoder.features.0.weight"]
    assert (a - b).norm() > 0.01 * a.norm()  # the encoder does feel the adversarial term


def test_a_style_code_counts_only_while_its_attribute_is_on():
    torch.manual_seed(0)
    model = FaderNetwork(3, (8, 16, 16), 2, 2, style_slots=[0, 1], style_dim=4).eval()
    z = model.encode(torch.rand(2, 3, 32, 32))
    style_a, style_b = torch.rand(2, 8), torch.rand(2, 8)

    def decode(c, style):
        return model.decode(z, model.condition(c, style), (32, 32))

    off = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    assert torch.equal(decode(off, style_a), decode(off, style_b))
    on = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    assert not torch.allclose(decode(on, style_a), decode(on, style_b))
    # only the first attribute's code matters while only the first attribute is on
    style_c = style_a.clone()
    style_c[:, 4:] += 1
    assert torch.equal(decode(on, style_a), decode(on, style_c))


def test_the_style_term_scores_only_added_attributes_and_trains_the_decoder():
    torch.manual_seed(0)
    model = FaderNetwork(3, (8, 16, 16), 2, 2, style_slots=[0, 1], style_dim=4).eval()
    wanted = torch.rand(3, 8)
    seen = torch.cat([torch.zeros(3, 2), wanted], dim=1)
    on_first = torch.tensor([[1.0, 0.0]] * 3)
    assert float(_style_loss(model, seen, wanted, on_first)) == 0.0
    seen_off = seen.clone()
    seen_off[:, 2 + 4:] += 1.0  # the second attribute's code is wrong, but it is not being added
    assert float(_style_loss(model, seen_off, wanted, on_first)) == 0.0
    seen_off[:, 2:2 + 4] += 0.5
    assert float(_style_loss(model, seen_off, wanted, on_first)) == pytest.approx(0.5)

    x, c = torch.rand(8, 3, 32, 32), torch.randint(0, 2, (8, 2)).float()
    groups = [(0, 1, "binary"), (1, 1, "binary")]
    plain, _ = _loss_gradients(model, x, c, groups, attribute_weight=1.0, style_weight=0.0)
    styled, extras = _loss_gradients(model, x, c, groups, attribute_weight=1.0, style_weight=10.0)
    assert "style_gap" in extras
    for name in plain:
        if name.startswith("discriminator."):  # the latent's adversary has nothing to do with the look
            assert torch.allclose(plain[name], styled[name], atol=1e-6), name
    assert any(not torch.allclose(plain[n], styled[n], atol=1e-6) for n in plain if n.startswith("decoder."))


def test_judging_the_edits_trains_the_judge_only():
    """judge_edits_weight teaches the classifier to read an edit as the image before it; the
    decoder must not learn from it to undo its own edits."""
    torch.manual_seed(0)
    model = FaderNetwork(3, (8, 16, 16), 2, 2, style_slots=[0, 1], style_dim=4).eval()
    x, c = torch.rand(8, 3, 32, 32), torch.randint(0, 2, (8, 2)).float()
    groups = [(0, 1, "binary"), (1, 1, "binary")]
    (plain, _), (judged, _) = (_loss_gradients(model, x, c, groups, attribute_weight=1.0, judge_edits_weight=w)
                               for w in (0.0, 10.0))
    for name in plain:
        if name.startswith(("encoder.", "decoder.", "discriminator.")):
            assert torch.allclose(plain[name], judged[name], atol=1e-6), name
    assert not torch.allclose(plain["classifier.features.0.weight"], judged["classifier.features.0.weight"], atol=1e-6)


def test_training_lowers_the_reconstruction_error(fader):
    rec = fader.history_.history["reconstruction"]
    assert rec[-1] < rec[0]
    assert set(fader.history_.history) >= {"loss", "val_loss", "discriminator_accuracy"}


# -- editing --------------------------------------------------------------------------------------


def test_edit_shapes_and_range(fader, faces):
    out = fader.edit(faces.images[:5], glasses=1, blond=0)
    assert out.shape == (5, 32, 32, 3) and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 1
    uint8 = fader.edit((faces.images[:5] * 255).astype(np.uint8), glasses=1, blond=0)
    assert np.abs(uint8 - out).max() < 0.05


@pytest.mark.parametrize("method", ["fader", "vector"])
def test_residual_edit_without_a_change_returns_the_input(method, fader, vector, faces):
    ed = fader if method == "fader" else vector
    x = faces.images[:6]
    current = {k: v[:6] for k, v in faces.attributes.items()}
    for mode in ("residual", "mask"):
        out = ed.edit(x, source_attributes=current, glasses=current["glasses"], mode=mode)
        np.testing.assert_allclose(out, x, atol=1e-5)
    assert psnr(x, ed.reconstruct(x)) < 60  # the decoder's own image is not the input


def test_edit_changes_pixels_and_strength_is_continuous(fader, faces):
    x = faces.images[:8]
    src = {k: v[:8] for k, v in faces.attributes.items()}
    on = fader.edit(x, source_attributes=src, glasses=1)
    off = fader.edit(x, source_attributes=src, glasses=0)
    half = fader.edit(x, source_attributes=src, glasses=0.5)
    assert np.abs(on - off).mean() > 1e-4
    # half strength lands between the two (before clipping to [0, 1])
    assert np.abs(half - (on + off) / 2).mean() < np.abs(on - off).mean()


def test_per_image_targets_and_attribute_table(fader, faces):
    x = faces.images[:4]
    a = fader.edit(x, attributes={"glasses": [1, 0, 1, 0]})
    b = fader.edit(x, glasses=np.array([1, 0, 1, 0]))
    np.testing.assert_array_equal(a, b)


def test_unknown_attribute_and_bad_values_are_named(fader, faces):
    x = faces.images[:2]
    with pytest.raises(ValueError, match=r"Unknown attribute 'glases'; this model knows 'glasses', 'beard'"):
        fader.edit(x, glases=0)
    with pytest.raises(ValueError, match=r"glasses is a binary attribute: give 0, 1 or a strength"):
        fader.edit(x, glasses="yes")
    with pytest.raises(ValueError, match=r"glasses has 3 values for 2 images"):
        fader.edit(x, glasses=[0, 1, 0])
    with pytest.raises(ValueError, match=r"mode must be 'auto', 'residual', 'mask' or 'decode'"):
        fader.edit(x, glasses=0, mode="blend")
    with pytest.raises(ValueError, match=r"must be uint8 or floats in \[0, 1\].*Divide by 255"):
        fader.edit(x * 255, glasses=0)


def test_an_added_attribute_gets_the_mean_style_a_kept_one_its_own(fader, faces):
    x = faces.images[:8]
    src = {k: v[:8].copy() for k, v in faces.attributes.items()}
    src["glasses"] = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert fader.style_means_["glasses"].shape == (8,)  # style_dim=8, the default
    ed = copy.deepcopy(fader)
    ed.style_means_["glasses"] = ed.style_means_["glasses"] + 5.0
    before = fader.edit(x, source_attributes=src, glasses=1, mode="decode")
    after = ed.edit(x, source_attributes=src, glasses=1, mode="decode")
    changed = np.abs(after - before).reshape(8, -1).max(axis=1)
    assert (changed[:4] > 1e-3).all()  # glasses added: drawn in the mean style
    assert (changed[4:] == 0).all()  # glasses kept: drawn in the face's own style


@pytest.mark.filterwarnings("ignore:.*reference images show no")  # the tiny editor's judge is unsure
def test_reference_lends_its_style_to_the_attributes_being_set(fader, faces, monkeypatch):
    import aekit.translate as module

    monkeypatch.setattr(module, "REFERENCE_COLOURS", False)  # the style codes alone
    x, ref = faces.images[:6], faces.images[6:12]
    src = {k: np.zeros(6, np.int64) for k in faces.attributes}
    plain = fader.edit(x, source_attributes=src, glasses=1, mode="decode")
    guided = fader.edit(x, source_attributes=src, glasses=1, reference=ref, mode="decode")
    assert guided.shape == x.shape and np.abs(guided - plain).max() > 1e-4
    # exactly the reference's style code: an editor whose mean style is the reference's draws the same
    ed = copy.deepcopy(fader)
    k = [s["name"] for s in ed.attributes_ if s["kind"] == "binary"].index("glasses")
    d = ed.model_.style_dim
    one = ed._scores(_as_images(ref[:1])[0])[0, ed.model_.n_logits + k * d:ed.model_.n_logits + (k + 1) * d]
    ed.style_means_["glasses"] = one
    np.testing.assert_allclose(fader.edit(x, source_attributes=src, glasses=1, reference=ref[:1], mode="decode"),
                               ed.edit(x, source_attributes=src, glasses=1, mode="decode"), atol=1e-5)
    # a reference lends nothing to an attribute being removed
    np.testing.assert_array_equal(fader.edit(x, source_attributes=src, beard=0, reference=ref, mode="decode"),
                                  fader.edit(x, source_attributes=src, beard=0, mode="decode"))


def test_an_edit_takes_the_colour_of_the_references_attribute():
    """The pixels an edit drew move to the mean colour of the pixels the reference loses without its
    attribute, each in proportion to how much it changed; nothing else moves, and a reference with
    nothing to lose lends no colour."""
    x = np.full((2, 3, 8, 8), 0.5, np.float32)
    edited = x.copy()
    edited[:, :, 2:4, 2:6] = [[[0.9]], [[0.1]], [[0.1]]]  # a red bar drawn
    edited[:, :, 5, 5] = 0.55  # a pixel barely changed
    ref_without = np.full((2, 3, 8, 8), 0.3, np.float32)
    ref = ref_without.copy()
    ref[0, :, 0:2, :] = np.array([0.1, 0.2, 0.8], np.float32)[:, None, None]  # the reference's blue bar
    out = _match_colours(x, edited, ref, ref_without)
    np.testing.assert_allclose(out[0, :, 2, 3], [0.1, 0.2, 0.8], atol=1e-6)
    moved = 0.55 + 0.05 / REFERENCE_COLOUR_SOFTNESS * (np.array([0.1, 0.2, 0.8]) - [0.9, 0.1, 0.1])
    np.testing.assert_allclose(out[0, :, 5, 5], moved, atol=1e-6)
    untouched = np.abs(edited[0] - x[0]).max(axis=0) == 0
    np.testing.assert_array_equal(out[0][:, untouched], x[0][:, untouched])
    np.testing.assert_array_equal(out[1], edited[1])  # its reference shows nothing to lend
    where = np.zeros((8, 8), np.float32)  # the attribute's region, outside the drawn bar
    np.testing.assert_array_equal(_match_colours(x, edited, ref, ref_without, where), edited)


@pytest.mark.filterwarnings("ignore:.*reference images show no")
def test_reference_errors_name_the_problem(fader, vector, faces):
    x = faces.images[:4]
    with pytest.raises(ValueError, match="one per image \\(4\\) or one for all"):
        fader.edit(x, glasses=1, reference=faces.images[:3])
    with pytest.raises(ValueError, match="reference images have shape"):
        fader.edit(x, glasses=1, reference=faces.images[:1, :16, :16])
    with pytest.raises(ValueError, match="name at least one binary attribute"):
        fader.edit(x, reference=faces.images[:1])
    with pytest.raises(ValueError, match="needs style codes"):
        vector.edit(x, glasses=1, reference=faces.images[:1])


def test_faces_render_with_a_reference_style():
    faces, ref = make_faces(4, size=32, random_state=0), make_faces(4, size=32, random_state=1)
    theirs = faces.render(glasses=1, style_from=ref)
    assert not np.allclose(theirs, faces.render(glasses=1))
    assert np.array_equal(faces.render(beard=0, style_from=ref), faces.render(beard=0))  # no beard, no look
    one = faces.render(glasses=1, style_from=make_faces(1, size=32, random_state=1))
    assert one.shape == theirs.shape
    with pytest.raises(ValueError, match="style_from has 3 faces"):
        faces.render(glasses=1, style_from=make_faces(3, size=32, random_state=1))


# -- the context path: edits redraw only the changed attributes' regions --------------------------


def _true_region(faces, name):
    return np.abs(faces.render(**{name: 1}) - faces.render(**{name: 0})).max(-1) > 1 / 255


def test_regions_are_learnt_from_the_labels_alone():
    faces = make_faces(1500, size=32, random_state=3)
    x = faces.images.transpose(0, 3, 1, 2)
    specs = _describe_attributes(faces.attributes)
    regions = _attribute_regions(x, _condition(specs, faces.attributes, len(x)), _groups(specs))
    assert regions.shape == (4, 32, 32) and set(np.unique(regions)) <= {0.0, 1.0}
    for j, (name, most) in enumerate([("glasses", 0.4), ("beard", 0.4), ("blond", 0.85)]):  # blond: the hair
        truth = _true_region(faces, name)
        assert (regions[j][None] * truth).sum() > 0.9 * truth.sum(), name  # covers what it changes
        assert regions[j].mean() < most, name  # and is not the whole image
    # labels that say nothing about the pixels locate nothing: the region is the whole image
    noise = {"coin": np.random.default_rng(0).integers(0, 2, len(x))}
    specs = _describe_attributes(noise)
    assert _attribute_regions(x, _condition(specs, noise, len(x)), _groups(specs)).min() == 1


def test_regions_the_labels_do_not_locate_are_named(faces):
    coin = np.random.default_rng(0).integers(0, 2, len(faces.images))
    with pytest.warns(UserWarning, match=r"the labels do not locate .*'coin' in the images.*redraw the whole image"):
        ed = AttributeEditor(max_epochs=1, **TINY).fit(faces.images, {**faces.attributes, "coin": coin})
    assert ed.regions_[-1].min() == 1


def test_an_edit_keeps_every_pixel_outside_the_changed_regions(fader, faces):
    x = faces.images[:8]
    outside = fader.regions_[0] == 0  # glasses
    assert 0 < outside.mean() < 1
    worn = {**{k: v[:8] for k, v in faces.attributes.items()}, "glasses": np.ones(8)}  # so each edit removes them
    for mode in ("auto", "residual", "mask", "decode"):
        out = fader.edit(x, source_attributes=worn, glasses=0, mode=mode)
        np.testing.assert_array_equal(out[:, outside], x[:, outside])
        assert np.abs(out - x).max() > 0.01, mode  # and it does change the region
    # nothing to change, nothing redrawn; reconstruct redraws every region
    np.testing.assert_array_equal(fader.edit(x, mode="decode"), x)
    every = fader.regions_.max(axis=0) == 0
    np.testing.assert_array_equal(fader.reconstruct(x)[:, every], x[:, every])


def test_the_context_path_off_is_the_earlier_recipe(faces, tmp_path):
    ed = AttributeEditor(max_epochs=1, context_channels=0, **TINY).fit(faces.images, faces.attributes)
    assert not hasattr(ed, "regions_") and ed.model_.context is None
    assert "context_channels" not in ed.model_.config  # files read by earlier versions stay readable
    x = faces.images[:4]
    assert psnr(x, ed.edit(x, mode="decode")) < 60  # the decoder redraws the whole image
    np.testing.assert_array_equal(aekit.load(ed.save(tmp_path / "m")).edit(x, glasses=0), ed.edit(x, glasses=0))


def test_a_model_file_with_a_context_path_needs_its_regions(fader, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = fader.save(tmp_path / "m")
    tensors = load_file(str(folder / "model.safetensors"))
    np.testing.assert_array_equal(tensors["regions"].numpy(), fader.regions_)
    del tensors["regions"]
    save_file(tensors, str(folder / "model.safetensors"))
    with pytest.raises((ModelFileError, ValueError), match="no attribute regions"):
        aekit.load(folder)


def test_auto_adds_by_residual_and_removes_by_mask(fader, faces):
    x = faces.images[:6]
    src = {k: v[:6].copy() for k, v in faces.attributes.items()}
    src["glasses"] = np.array([0, 0, 0, 1, 1, 1])
    want = np.array([1, 1, 1, 0, 0, 0])
    auto = fader.edit(x, source_attributes=src, glasses=want)
    residual = fader.edit(x, source_attributes=src, glasses=want, mode="residual")
    mask = fader.edit(x, source_attributes=src, glasses=want, mode="mask")
    np.testing.assert_array_equal(auto[:3], residual[:3])
    np.testing.assert_array_equal(auto[3:], mask[3:])


def test_a_higher_blend_threshold_keeps_more_of_the_input(fader, faces, tmp_path):
    from aekit.translate import BLEND_TAU

    assert fader.blend_thresholds_ == {name: BLEND_TAU for name in ("glasses", "beard", "blond", "smiling")}
    x = faces.images[:8]
    worn = {**{k: v[:8] for k, v in faces.attributes.items()}, "glasses": np.ones(8)}
    default = fader.edit(x, source_attributes=worn, glasses=0)
    ed = copy.deepcopy(fader)
    ed.blend_thresholds_["glasses"] = 0.5
    kept = ed.edit(x, source_attributes=worn, glasses=0)
    assert 0 < np.abs(kept - x).sum() < np.abs(default - x).sum()
    # an image that changes two attributes blends at the lower threshold (beard's, unchanged)
    both = ed.edit(x, source_attributes={**worn, "beard": np.ones(8)}, glasses=0, beard=0)
    np.testing.assert_array_equal(both, fader.edit(x, source_attributes={**worn, "beard": np.ones(8)},
                                                   glasses=0, beard=0))
    # additions add the decoder's change: no threshold
    np.testing.assert_array_equal(ed.edit(x, source_attributes={**worn, "glasses": np.zeros(8)}, glasses=1),
                                  fader.edit(x, source_attributes={**worn, "glasses": np.zeros(8)}, glasses=1))
    # the thresholds live in the model file, which refuses a nonsensical one
    loaded = aekit.load(ed.save(tmp_path / "m"))
    assert loaded.blend_thresholds_["glasses"] == 0.5
    np.testing.assert_array_equal(loaded.edit(x, source_attributes=worn, glasses=0), kept)
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["state"]["blend_thresholds_"]["glasses"] = -1
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises((ModelFileError, ValueError), match="blend threshold of 'glasses' must be a positive number"):
        aekit.load(tmp_path / "m")
    # a file written before thresholds were saved blends at the default
    del config["state"]["blend_thresholds_"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    assert aekit.load(tmp_path / "m").blend_thresholds_["glasses"] == BLEND_TAU


def test_auto_removal_does_not_trust_the_classifier(fader, faces):
    x = faces.images[:40]
    lacking = np.flatnonzero(fader.predict_attributes(x)["glasses"] == 0)[:4]
    assert len(lacking)
    x = x[lacking]
    # told the faces have no glasses: nothing to remove
    told = {"glasses": np.zeros(len(x), int)}
    np.testing.assert_allclose(fader.edit(x, source_attributes=told, glasses=0), x, atol=1e-6)
    np.testing.assert_allclose(fader.edit(x, glasses=0, mode="mask"), x, atol=1e-6)  # the classifier's word
    # "auto" erases glasses the classifier may have missed: the eye region is redrawn
    assert np.abs(fader.edit(x, glasses=0) - x).max() > 1e-3


def test_the_judge_sees_large_images_at_half_resolution(tmp_path):
    faces = make_faces(64, size=48, random_state=0)
    ed = AttributeEditor(max_epochs=1, **TINY).fit(faces.images, faces.attributes)
    assert ed.model_.config["judge_pool"] == 2
    assert ed.model_.judge_input(torch.rand(2, 3, 48, 48)).shape == (2, 3, 24, 24)
    ed.save(tmp_path / "m")
    back = aekit.load(tmp_path / "m")
    assert back.model_.config["judge_pool"] == 2
    np.testing.assert_array_equal(back.predict_attributes(faces.images[:5])["glasses"],
                                  ed.predict_attributes(faces.images[:5])["glasses"])


def test_style_codes_can_be_turned_off(faces):
    ed = AttributeEditor(max_epochs=1, style_dim=0, **TINY).fit(faces.images, faces.attributes)
    assert not hasattr(ed, "style_means_") and ed.model_.config["style_dim"] == 0
    assert ed.edit(faces.images[:3], glasses=1).shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match=r"style_dim must be an integer in \[0, 256\], got -1"):
        AttributeEditor(style_dim=-1).fit(faces.images, faces.attributes)


def test_predict_attributes_and_interpolate(fader, faces):
    pred = fader.predict_attributes(faces.images[:10])
    assert set(pred) == {"glasses", "beard", "blond", "smiling"}
    assert all(v.shape == (10,) and set(np.unique(v)) <= {0, 1} for v in pred.values())
    path = fader.interpolate(faces.images[0], faces.images[1], steps=5)
    assert path.shape == (5, 32, 32, 3)
    assert np.abs(path[0] - path[-1]).mean() > np.abs(path[0] - path[1]).mean()
    with pytest.raises(ValueError, match="steps must be >= 2"):
        fader.interpolate(faces.images[0], faces.images[1], steps=1)


def test_vector_baseline_moves_latents_by_class_means(vector, faces):
    means = vector.attribute_vectors_["glasses"]
    assert means.shape[0] == 2  # the mean latent without and with glasses
    z = vector.encode(faces.images[:3])
    assert z.shape == (3, int(np.prod(means.shape[1:])))
    out = vector.edit(faces.images[:3], glasses=1, mode="decode")
    assert out.shape == (3, 32, 32, 3)


def test_categorical_attribute_on_digits(digits):
    X, y = digits
    ed = AttributeEditor(max_epochs=2, **TINY).fit(X, {"digit": y})
    assert ed.attributes_[0] == {"name": "digit", "kind": "categorical", "classes": list(range(10))}
    # a digit's region is nearly the whole image: the context path would see nothing, so it is
    # left out and the decoder redraws the whole digit (CONTEXT_MAX_AREA)
    assert ed.model_.context is None and not hasattr(ed, "regions_")
    out = ed.edit(X[:4], digit=3)
    assert out.shape == (4, 28, 28)
    # a categorical change is a new shape: "auto" masks instead of adding a residual
    np.testing.assert_array_equal(out, ed.edit(X[:4], digit=3, mode="mask"))
    assert not np.array_equal(out, ed.edit(X[:4], digit=3, mode="residual"))
    assert ed.predict_attributes(X[:4])["digit"].shape == (4,)
    with pytest.raises(ValueError, match=r"attribute 'digit' has no class 12; the model knows \[0, 1"):
        ed.edit(X[:4], digit=12)


@pytest.mark.parametrize("method", ["fader", "mask", "vector"])
def test_save_and_load_round_trip(method, fader, masked, vector, faces, tmp_path):
    ed = {"fader": fader, "mask": masked, "vector": vector}[method]
    ed.save(tmp_path / "m")
    back = aekit.load(tmp_path / "m")
    assert isinstance(back, AttributeEditor) and back.attributes_ == ed.attributes_
    assert type(back.model_) is type(ed.model_)
    x = faces.images[:4]
    np.testing.assert_array_equal(back.edit(x, beard=1), ed.edit(x, beard=1))
    np.testing.assert_array_equal(back.reconstruct(x), ed.reconstruct(x))
    if method != "mask":
        np.testing.assert_array_equal(ed.edit(x, beard=1), ed.edit(x, beard=1, mode="residual"))  # "auto"
    assert not any(p.suffix in (".pkl", ".pt") for p in (tmp_path / "m").iterdir())


# -- model files: the size guard sees the editor's network ------------------------------------------

LEGACY = Path(__file__).parent / "data" / "models"


def _edited_copy(src: Path, dst: Path, edit) -> Path:
    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text())
    edit(cfg)
    (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def _weights_in(folder: Path) -> int:
    from safetensors.torch import load_file

    return sum(t.numel() for t in load_file(str(folder / "model.safetensors")).values())


def _refuses_before_building(folder: Path, match: str, monkeypatch):
    """aekit.load refuses the folder with ModelFileError, having built no FaderNetwork off the
    meta device (where the guard counts weights without allocating them)."""
    built, init = [], FaderNetwork.__init__

    def spy(self, *args, **kwargs):
        built.append(torch.empty(0).device.type)
        init(self, *args, **kwargs)

    monkeypatch.setattr(FaderNetwork, "__init__", spy)
    with pytest.raises(ModelFileError, match=match):
        aekit.load(folder)
    assert set(built) <= {"meta"}, built


@pytest.mark.parametrize("layout", ["today", "legacy"])
def test_an_edited_config_asking_for_a_huge_network_is_refused_before_allocation(layout, fader, tmp_path,
                                                                                   monkeypatch):
    if layout == "today":
        src = fader.save(tmp_path / "saved")
        assert json.loads((src / "config.json").read_text())["state"]["network"]["type"] == "FaderNetwork"

        def config_of(cfg):
            return cfg["state"]["network"]["config"]
    else:  # written before the network registry: state["network"] is the bare config
        src = LEGACY / "AttributeEditor"

        def config_of(cfg):
            return cfg["state"]["network"]

    wide = _edited_copy(src, tmp_path / "wide", lambda cfg: config_of(cfg).update(channels=[10**6, 10**6]))
    _refuses_before_building(wide, r"channels\[0\] = 1,000,000, but the network holds only", monkeypatch)
    # each width within the file's weight count, but their product far beyond it
    n = _weights_in(src)
    product = _edited_copy(src, tmp_path / "product", lambda cfg: config_of(cfg).update(channels=[n, n]))
    _refuses_before_building(product, r"describes a FaderNetwork of [\d,]+ weights, but model.safetensors "
                             r"holds only", monkeypatch)


def test_a_saved_network_of_another_type_is_refused(fader, tmp_path):
    src = fader.save(tmp_path / "saved")

    def edit(cfg):
        cfg["state"]["network"]["type"] = "UNet"

    with pytest.raises(ModelFileError, match=r"does not match a AttributeEditor.*the network is a 'UNet', not a "
                       r"FaderNetwork"):
        aekit.load(_edited_copy(src, tmp_path / "unet", edit))


def test_a_fader_config_from_before_style_codes_builds_without_them():
    old = {"in_channels": 3, "channels": [8, 16], "condition_dim": 2, "n_logits": 2}
    net = build({"type": "FaderNetwork", "config": old})
    assert isinstance(net, FaderNetwork)
    assert net.config == {**old, "style_slots": [], "style_dim": 0, "judge_pool": 1}
    with pytest.raises(ValueError, match=r"no entries \['colour'\]"):
        build({"type": "FaderNetwork", "config": {**old, "colour": 1}})


# -- Translator -----------------------------------------------------------------------------------


def _thicken(a):
    return grey_dilation(a, footprint=np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])[None])


def test_translator_learns_a_paired_mapping(digits, tmp_path):
    X = digits[0]
    Y = _thicken(X)
    tr = Translator(channels=(8, 16), max_epochs=6, batch_size=16, learning_rate=3e-3, random_state=0).fit(X[:250], Y[:250])
    loss = tr.history_.history["loss"]
    assert loss[-1] < loss[0]
    out = tr.transform(X[250:])
    assert out.shape == X[250:].shape
    assert psnr(Y[250:], out) > psnr(Y[250:], X[250:].astype(np.float32) / 255) + 3
    tr.save(tmp_path / "t")
    np.testing.assert_array_equal(aekit.load(tmp_path / "t").transform(X[250:]), out)
    # the U-Net is saved as a registry spec, which the size guard walks
    network = json.loads((tmp_path / "t" / "config.json").read_text())["state"]["network"]
    assert network == {"type": "UNet", "config": tr.model_.config}


def test_a_legacy_translator_config_asking_for_a_huge_unet_is_refused(tmp_path):
    # written before the network registry: the bare U-Net config is state["architecture"]
    folder = _edited_copy(LEGACY / "Translator", tmp_path / "wide",
                          lambda cfg: cfg["state"]["architecture"].update(channels=[10**6, 10**6]))
    with pytest.raises(ModelFileError, match=r"channels\[0\] = 1,000,000, but the network holds only"):
        aekit.load(folder)


def test_translator_refuses_unpaired_shapes():
    with pytest.raises(ValueError, match=r"X and Y must be pairs of the same shape: X is \(4, 16, 16\), Y is \(4, 16, 16, 3\)"):
        Translator(max_epochs=1).fit(np.zeros((4, 16, 16)), np.zeros((4, 16, 16, 3)))


# -- CLI ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_files(faces, tmp_path_factory):
    d = tmp_path_factory.mktemp("translate-cli")
    images = (faces.images[:48] * 255).astype(np.uint8)
    np.save(d / "faces.npy", images)
    pd.DataFrame({k: v[:48] for k, v in faces.attributes.items()}).to_csv(d / "attrs.csv", index=False)
    (d / "pngs").mkdir()
    from PIL import Image

    names = [f"face{i:02d}.png" for i in range(12)]
    for name, im in zip(names, images[:12]):
        Image.fromarray(im).save(d / "pngs" / name)
    pd.DataFrame({"image": names[::-1], "glasses": faces.attributes["glasses"][:12][::-1]}).to_csv(
        d / "folder.csv", index=False)
    return d


def test_cli_fit_and_apply_on_a_npy_stack(cli_files, monkeypatch, capsys):
    monkeypatch.chdir(cli_files)
    assert main(["translate", "fit", "faces.npy", "attrs.csv", "-o", "ed", "--epochs", "1", "-q"]) == 0
    assert "attributes: glasses (binary), beard (binary)" in capsys.readouterr().out
    assert main(["translate", "apply", "ed", "faces.npy", "-o", "out.npy", "--set", "glasses=0",
                 "--set", "blond=1"]) == 0
    out = np.load(cli_files / "out.npy")
    assert out.shape == (48, 32, 32, 3) and out.dtype == np.uint8


def test_cli_fit_and_apply_on_a_folder(cli_files, monkeypatch, capsys):
    monkeypatch.chdir(cli_files)
    assert main(["translate", "fit", "pngs", "folder.csv", "-o", "ed-folder", "--epochs", "1", "-q"]) == 0
    assert main(["translate", "apply", "ed-folder", "pngs", "-o", "edited", "--set", "glasses=1"]) == 0
    assert sorted(p.name for p in (cli_files / "edited").iterdir()) == sorted(
        p.name for p in (cli_files / "pngs").iterdir())


def test_cli_pairs_trains_a_translator(cli_files, monkeypatch, capsys):
    monkeypatch.chdir(cli_files)
    images = np.load(cli_files / "faces.npy")
    np.save(cli_files / "targets.npy", 255 - images)
    assert main(["translate", "pairs", "faces.npy", "targets.npy", "-o", "tr", "--epochs", "1", "-q"]) == 0
    assert main(["translate", "apply", "tr", "faces.npy", "-o", "tr-out.npy"]) == 0
    assert np.load(cli_files / "tr-out.npy").shape == images.shape
    code = main(["translate", "apply", "tr", "faces.npy", "-o", "x.npy", "--set", "glasses=1"])
    assert code == 2 and "a Translator has no attributes" in capsys.readouterr().err


@pytest.mark.parametrize("args, code, message", [
    (["--set", "glases=0"], 2, r"unknown attribute 'glases'; the model knows glasses, beard, blond, smiling"),
    (["--set", "glasses"], 2, r"'glasses' is not NAME=VALUE"),
    (["--set", "glasses=yes"], 2, r"glasses is binary: give 0, 1 or a strength"),
    ([], 2, r"Say what to change with --set NAME=VALUE"),
])
def test_cli_apply_bad_settings(cli_files, monkeypatch, capsys, args, code, message):
    import re

    monkeypatch.chdir(cli_files)
    if not (cli_files / "ed").exists():
        assert main(["translate", "fit", "faces.npy", "attrs.csv", "-o", "ed", "--epochs", "1", "-q"]) == 0
        capsys.readouterr()
    got = main(["translate", "apply", "ed", "faces.npy", "-o", "never.npy", *args])
    err = capsys.readouterr().err
    assert got == code and re.search(message, err), err
    assert "Traceback" not in err and not (cli_files / "never.npy").exists()


def test_cli_fit_needs_every_image_in_the_csv(cli_files, monkeypatch, capsys):
    monkeypatch.chdir(cli_files)
    pd.DataFrame({"image": ["face00.png"], "glasses": [1]}).to_csv(cli_files / "short.csv", index=False)
    assert main(["translate", "fit", "pngs", "short.csv", "-o", "never"]) == 1
    err = capsys.readouterr().err
    assert "short.csv has no row for 11 image(s)" in err and not (cli_files / "never").exists()


# -- the shipped face editor ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return AttributeEditor.pretrained("faces")


def test_the_shipped_face_editor_edits_new_faces(shipped, monkeypatch):
    from aekit.translate import PRETRAINED_EDITORS

    folder = PRETRAINED_EDITORS["faces"]
    assert sum(p.stat().st_size for p in folder.iterdir()) < 10e6  # the budget
    info = json.loads((folder / "training.json").read_text())
    assert info["data"]["random_state"] not in range(5)  # not the benchmark's or the demo's people
    assert [a["name"] for a in shipped.attributes_] == ["glasses", "beard", "blond", "smiling"]
    # the U-Net that composes each edit with its own mask, as its training record says
    assert shipped.method == info["params"]["method"] == "mask" and isinstance(shipped.model_, MaskEditNetwork)
    test = make_faces(24, random_state=1)
    lacking = test[test.attributes["glasses"] == 0]
    added = shipped.edit(lacking.images, glasses=1)
    assert added.shape == lacking.images.shape
    # its own classifier reads the glasses it drew, and most of what the edit changed is where
    # glasses go (the pixels the ground-truth edit changes, grown by 2)
    assert shipped.predict_attributes(added)["glasses"].mean() > 0.8
    from scipy.ndimage import binary_dilation

    region = binary_dilation(np.abs(lacking.render(glasses=1) - lacking.images).max(-1) > 1 / 255,
                             iterations=2, structure=np.ones((1, 3, 3), bool))
    change = ((added - lacking.images) ** 2).sum(-1)
    assert change[region].sum() > 0.5 * change.sum()
    rec = shipped.reconstruct(test.images)
    assert psnr(test.images, rec) > 18
    # a reference's blond shade: its colour moves the hair drawn toward the reference's look
    import aekit.translate as module

    dark, blond = make_faces(60, random_state=5), make_faces(120, random_state=6)
    dark, blond = dark[dark.attributes["blond"] == 0][:12], blond[blond.attributes["blond"] == 1][:12]
    truth = dark.render(blond=1, style_from=blond)
    coloured = shipped.edit(dark.images, blond=1, reference=blond.images)
    # a face already blond takes the reference's shade too (what the edit drew is counted from the
    # face with its own blond removed, so the old shade is not taken for the new)
    others = blond[::-1]
    restyled_truth = blond.render(blond=1, style_from=others)
    restyled = shipped.edit(blond.images, blond=1, reference=others.images)
    monkeypatch.setattr(module, "REFERENCE_COLOURS", False)
    codes_alone = shipped.edit(dark.images, blond=1, reference=blond.images)
    assert psnr(truth, coloured) > psnr(truth, codes_alone) + 0.5
    assert psnr(restyled_truth, restyled) > psnr(restyled_truth, shipped.edit(blond.images, blond=1,
                                                                               reference=others.images)) + 1
    # a reference without the attribute has no look to lend: the editor says so
    bare = test[test.attributes["glasses"] == 0].images[:1]
    with pytest.warns(UserWarning, match="reference images show no glasses"):
        shipped.edit(lacking.images, glasses=1, reference=bare)


def test_unknown_pretrained_editor_is_named():
    with pytest.raises(ValueError, match="Unknown pretrained editor 'cats'; aekit ships faces"):
        AttributeEditor.pretrained("cats")


def test_cli_applies_the_shipped_editor_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "in.npy", (make_faces(4, random_state=1).images * 255).astype(np.uint8))
    assert main(["translate", "apply", "faces", "in.npy", "-o", "out.npy", "--set", "glasses=0"]) == 0
    assert np.load(tmp_path / "out.npy").shape == (4, 64, 64, 3)
