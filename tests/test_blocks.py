"""Building blocks: shapes, options, conv autoencoders for any image size, spec round-trips."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from aekit.blocks import (
    ACTIVATIONS,
    Autoencoder,
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    build_module,
    make_activation,
)


def _linear_shapes(module: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in module.modules() if isinstance(m, nn.Linear)]


def _count(module: nn.Module, cls: type) -> int:
    return sum(isinstance(m, cls) for m in module.modules())


# --------------------------------------------------------------------------------------------
# Dense
# --------------------------------------------------------------------------------------------


def test_dense_encoder_decoder_chain_784_100_50_20():
    enc = DenseEncoder(784, (100, 50), 20)
    dec = DenseDecoder(20, (100, 50), 784)
    assert _linear_shapes(enc) == [(784, 100), (100, 50), (50, 20)]
    assert _linear_shapes(dec) == [(20, 50), (50, 100), (100, 784)]
    x = torch.rand(3, 784)
    z = enc(x)
    assert z.shape == (3, 20)
    assert dec(z).shape == (3, 784)


def test_dense_autoencoder_encode_decode_forward():
    ae = Autoencoder.dense(784, (100, 50), 20).eval()
    x = torch.rand(5, 784)
    z = ae.encode(x)
    assert z.shape == (5, 20)
    assert ae.decode(z).shape == (5, 784)
    torch.testing.assert_close(ae(x), ae.decode(ae.encode(x)), rtol=0, atol=0)


def test_dense_no_hidden_layers():
    ae = Autoencoder.dense(10, (), 3)
    assert _linear_shapes(ae.encoder) == [(10, 3)]
    assert _linear_shapes(ae.decoder) == [(3, 10)]
    assert ae(torch.rand(2, 10)).shape == (2, 10)


def test_default_activation_is_relu_between_layers_only():
    enc = DenseEncoder(8, (6, 4), 2)
    # relu after each hidden layer, none after the last (identity output)
    assert _count(enc, nn.ReLU) == 2
    assert isinstance(enc.net[-1], nn.Identity)
    assert _count(enc, nn.BatchNorm1d) == 0
    assert _count(enc, nn.Dropout) == 0


@pytest.mark.parametrize("name", [k for k in ACTIVATIONS if k is not None])
def test_every_named_activation_builds_and_runs(name):
    ae = Autoencoder.dense(6, (5,), 2, activation=name)
    expected = type(make_activation(name))
    # one activation after the hidden layer of each half
    assert isinstance(ae.encoder.net[1], expected)
    assert isinstance(ae.decoder.net[1], expected)
    out = ae(torch.rand(4, 6))
    assert out.shape == (4, 6)
    assert torch.isfinite(out).all()


def test_tanh_batch_norm_and_dropout_options():
    ae = Autoencoder.dense(12, (10, 8), 3, activation="tanh", batch_norm=True, dropout=0.25)
    for half in (ae.encoder, ae.decoder):
        assert _count(half, nn.Tanh) == 2
        assert _count(half, nn.BatchNorm1d) == 2
        drops = [m for m in half.modules() if isinstance(m, nn.Dropout)]
        assert len(drops) == 2
        assert all(d.p == 0.25 for d in drops)
    # batch norm sizes follow the hidden layers
    bn_sizes = [m.num_features for m in ae.encoder.modules() if isinstance(m, nn.BatchNorm1d)]
    assert bn_sizes == [10, 8]

    x = torch.rand(16, 12)
    ae.train()
    torch.manual_seed(0)
    a = ae(x)
    b = ae(x)
    assert not torch.equal(a, b), "dropout should make training-mode passes differ"
    ae.eval()
    torch.testing.assert_close(ae(x), ae(x), rtol=0, atol=0)


def test_output_activation_sigmoid_bounds_the_reconstruction():
    ae = Autoencoder.dense(7, (5,), 2, output_activation="sigmoid").eval()
    out = ae(torch.randn(50, 7) * 100)
    assert isinstance(ae.decoder.net[-1], nn.Sigmoid)
    assert isinstance(ae.encoder.net[-1], nn.Identity)  # the latent is not squashed
    assert ((out >= 0) & (out <= 1)).all()


def test_unknown_activation_error_names_the_choices():
    with pytest.raises(ValueError) as info:
        make_activation("swish")
    msg = str(info.value)
    assert "'swish'" in msg
    for name in ("relu", "leaky_relu", "gelu", "tanh", "sigmoid", "identity"):
        assert repr(name) in msg
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        Autoencoder.dense(4, (3,), 2, activation="swish")
    with pytest.raises(ValueError, match="Unknown activation"):
        Autoencoder.conv(1, (4,), activation="swish")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_features=0, hidden_layer_sizes=(4,), n_components=2), "positive"),
        (dict(n_features=5, hidden_layer_sizes=(-1,), n_components=2), "positive"),
        (dict(n_features=5, hidden_layer_sizes=(4,), n_components=2, dropout=1.0), "dropout"),
        (dict(n_features=5, hidden_layer_sizes=(4,), n_components=2, dropout=-0.1), "dropout"),
    ],
)
def test_invalid_dense_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DenseEncoder(**kwargs)


# --------------------------------------------------------------------------------------------
# Convolutional
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 29, 31), (3, 37, 50), (1, 28, 28), (2, 5, 3)])
def test_fully_convolutional_autoencoder_returns_the_input_shape(shape):
    c, h, w = shape
    ae = Autoencoder.conv(in_channels=c, channels=(4, 8, 8)).eval()
    x = torch.rand(2, c, h, w)
    with torch.no_grad():
        out = ae(x)
        z = ae.encode(x)
    assert out.shape == x.shape
    # the latent map is the padded size divided by the downsampling factor (8)
    assert z.shape == (2, 8, -(-h // 8), -(-w // 8))


@pytest.mark.parametrize("shape", [(1, 29, 31), (3, 37, 50)])
def test_conv_autoencoder_with_dense_latent(shape):
    c, h, w = shape
    ae = Autoencoder.conv(in_channels=c, channels=(4, 8), latent_dim=6, input_size=(h, w)).eval()
    x = torch.rand(3, c, h, w)
    with torch.no_grad():
        z = ae.encode(x)
        out = ae(x)
        dec = ae.decode(z)
    assert z.shape == (3, 6)
    assert out.shape == x.shape
    assert dec.shape == x.shape
    torch.testing.assert_close(out, dec, rtol=0, atol=0)


def test_conv_dense_latent_needs_input_size():
    with pytest.raises(ValueError, match="input_size"):
        ConvEncoder(1, (4,), latent_dim=3)
    with pytest.raises(ValueError, match="input_size"):
        ConvDecoder(1, (4,), latent_dim=3)
    with pytest.raises(ValueError, match="input_size"):
        Autoencoder.conv(1, (4,), latent_dim=3)


def test_conv_decoder_extra_inputs_widen_the_latent():
    dec = ConvDecoder(2, (4, 8), latent_dim=5, input_size=(9, 11), extra_inputs=3).eval()
    assert dec.from_latent.in_features == 8
    assert dec(torch.rand(4, 8)).shape == (4, 2, 9, 11)


# --------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------


def _spec_roundtrip(ae: Autoencoder, x: torch.Tensor) -> None:
    # give batch norm non-default running statistics so they are part of the comparison
    ae.train()
    with torch.no_grad():
        ae(x)
    ae.eval()
    spec = json.loads(json.dumps(ae.spec))  # must be JSON-able, and survive JSON
    clone = Autoencoder.from_spec(spec)
    assert clone.spec == ae.spec
    clone.load_state_dict(ae.state_dict())  # strict: same parameter names and shapes
    clone.eval()
    with torch.no_grad():
        assert torch.equal(clone(x), ae(x))
        assert torch.equal(clone.encode(x), ae.encode(x))


def test_dense_spec_roundtrip_gives_identical_outputs():
    torch.manual_seed(0)
    ae = Autoencoder.dense(
        9, (7, 5), 3, activation="elu", batch_norm=True, dropout=0.2, output_activation="sigmoid"
    )
    _spec_roundtrip(ae, torch.rand(8, 9))


def test_dense_spec_roundtrip_asymmetric_hidden_sizes():
    # the decoder's hidden sizes are stored reversed; rebuilding must not reverse them twice
    torch.manual_seed(0)
    ae = Autoencoder.dense(11, (10, 4, 6), 2)
    clone = Autoencoder.from_spec(ae.spec)
    assert _linear_shapes(clone.decoder) == _linear_shapes(ae.decoder) == [(2, 6), (6, 4), (4, 10), (10, 11)]
    _spec_roundtrip(ae, torch.rand(4, 11))


def test_conv_spec_roundtrip_gives_identical_outputs():
    torch.manual_seed(0)
    ae = Autoencoder.conv(3, (4, 8), batch_norm=True, activation="leaky_relu", output_activation="sigmoid")
    _spec_roundtrip(ae, torch.rand(2, 3, 13, 10))


def test_conv_latent_spec_roundtrip_gives_identical_outputs():
    torch.manual_seed(0)
    ae = Autoencoder.conv(1, (4, 8), latent_dim=5, input_size=(29, 31))
    _spec_roundtrip(ae, torch.rand(2, 1, 29, 31))


def test_build_module_rebuilds_each_block_type():
    for block in (
        DenseEncoder(6, (4,), 2),
        DenseDecoder(2, (4,), 6, output_activation="tanh"),
        ConvEncoder(1, (4,)),
        ConvDecoder(1, (4,), latent_dim=2, input_size=(5, 5)),
    ):
        spec = {"type": type(block).__name__, "config": block.config}
        rebuilt = build_module(json.loads(json.dumps(spec)))
        assert type(rebuilt) is type(block)
        assert rebuilt.config == block.config
        rebuilt.load_state_dict(block.state_dict())


@pytest.mark.parametrize("kind", ["os.system", "Autoencoder", "Linear", None])
def test_build_module_refuses_unknown_types(kind):
    with pytest.raises(ValueError) as info:
        build_module({"type": kind, "config": {}})
    msg = str(info.value)
    assert "Unknown block type" in msg
    assert repr(kind) in msg
    assert "DenseEncoder" in msg  # lists what is known


# --------------------------------------------------------------------------------------------
# The PCA front end
# --------------------------------------------------------------------------------------------


def _low_rank_rows(n=600, f=20, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 4)) @ rng.normal(size=(4, f)) * 3 + 0.1 * rng.normal(size=(n, f))
            + rng.normal(size=f)).astype(np.float32)


def test_front_end_loss_is_the_exact_input_space_mse():
    """Training in the basis must minimise the true reconstruction error: coordinates' error plus
    the residual outside the basis, for any weights (not only at the start)."""
    import numpy as np

    from aekit.blocks import Autoencoder, PCAFrontEnd, fit_pca_basis

    X = _low_rank_rows()
    mean, axes, var, _ = fit_pca_basis(X)
    torch.manual_seed(0)
    net = PCAFrontEnd(Autoencoder.dense(6, (16,), 3), 20, 6, 3).set_basis(mean, axes[:6], var[:6])
    x = torch.from_numpy(X)
    p, residual = net.project(x)
    with torch.no_grad():
        in_basis = net.reconstruction_loss(p, residual, net.decode_basis(net.encode_basis(p)))
        direct = ((net(x) - x) ** 2).mean()
    assert float(in_basis) == pytest.approx(float(direct), rel=1e-4)
    assert np.all(residual.numpy() >= 0)


def test_front_end_starts_as_pca_with_n_components_axes():
    from sklearn.decomposition import PCA

    from aekit.blocks import Autoencoder, PCAFrontEnd, fit_pca_basis

    X = _low_rank_rows()
    mean, axes, var, _ = fit_pca_basis(X)
    net = PCAFrontEnd(Autoencoder.dense(8, (16,), 2), 20, 8, 2).set_basis(mean, axes[:8], var[:8]).start_at_pca()
    pca = PCA(2).fit(X)
    with torch.no_grad():
        ours = net(torch.from_numpy(X)).numpy()
    theirs = pca.inverse_transform(pca.transform(X))
    assert abs(((ours - X) ** 2).mean() - ((theirs - X) ** 2).mean()) < 1e-4 * ((theirs - X) ** 2).mean() + 1e-7
    # without pca_start the code is whatever the network computes
    plain = PCAFrontEnd(Autoencoder.dense(8, (16,), 2), 20, 8, 2, pca_start=False).set_basis(mean, axes[:8], var[:8])
    with torch.no_grad():
        assert ((plain(torch.from_numpy(X)).numpy() - X) ** 2).mean() > ((theirs - X) ** 2).mean()


def test_basis_from_a_sample_of_rows_on_disk_finds_the_same_axes(tmp_path):
    import numpy as np

    from aekit.blocks import fit_pca_basis

    X = _low_rank_rows(n=5000)
    np.save(tmp_path / "x.npy", X)
    on_disk = np.load(tmp_path / "x.npy", mmap_mode="r")
    _, axes_all, var_all, total_all = fit_pca_basis(X, max_rows=10_000)
    _, axes_disk, var_disk, total_disk = fit_pca_basis(on_disk, seed=3, max_rows=2048)
    assert np.allclose(axes_disk @ axes_disk.T, np.eye(20), atol=1e-6)
    for i in range(4):  # the four real directions, up to sign
        assert abs(float(axes_all[i] @ axes_disk[i])) > 0.99
    assert total_disk == pytest.approx(total_all, rel=0.1)


def test_choose_n_basis_leaves_out_a_tenth_of_what_n_components_axes_leave_out():
    import numpy as np

    from aekit.blocks import choose_n_basis

    var = np.array([10.0, 5, 2, 1, 0.5, 0.25, 0.125, 0.0625])
    k = choose_n_basis(var, 2)
    left = var.sum() - np.cumsum(var)
    assert left[k - 1] <= 0.1 * left[1] < left[k - 2]
    assert choose_n_basis(var, 8) == 8  # never fewer axes than components
    assert choose_n_basis(np.zeros(5), 2) == 2  # constant data


def test_front_end_config_round_trips_and_rejects_bad_sizes():
    from aekit.blocks import Autoencoder, PCAFrontEnd, build, count_weights, spec_of

    net = PCAFrontEnd(Autoencoder.dense(5, (8,), 2), 12, 5, 2)
    rebuilt = build(json.loads(json.dumps(spec_of(net))))
    assert type(rebuilt) is PCAFrontEnd and rebuilt.n_basis == 5
    assert count_weights(spec_of(net)) == sum(t.numel() for t in net.state_dict().values())  # basis included
    with pytest.raises(ValueError, match="n_basis"):
        PCAFrontEnd(Autoencoder.dense(13, (8,), 2), 12, 13, 2)
    with pytest.raises(ValueError, match="pca_start"):
        PCAFrontEnd(Autoencoder.dense(2, (8,), 3), 12, 2, 3)
