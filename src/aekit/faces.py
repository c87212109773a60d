"""Procedural cartoon faces with exactly controllable attributes.

A synthetic stand-in for CelebA-style attribute editing: every face is drawn from a dictionary of
*identity* parameters (face shape, skin tone, eyes, nose, mouth, hair style and colours,
background, lighting, clothing, pose, and the *style* each attribute takes on this identity) and
four binary *attributes*, :data:`ATTRIBUTES` = ``("glasses", "beard", "blond", "smiling")``.
Because the identity and the attributes are separate inputs of a deterministic renderer, the same
person can be drawn with any combination of attributes, so every attribute edit has an exact
ground-truth image (``faces.render(glasses=0)`` is what "remove the glasses" should produce).

Design
------
- Geometry is computed for the whole batch at once with NumPy, in a canonical frame where the
  image is the unit square (y down). Every shape is a polygon or a polyline; the pose jitter
  (rotation, scale, shift) is an affine map applied to those points, so the attributes move
  with the face.
- Each face is then drawn with :mod:`PIL.ImageDraw` at a supersampled resolution (4x for
  ``size <= 80``) and reduced with a box filter, which antialiases it. Nothing is random at
  render time, so the same identities and attributes give the same pixels bit for bit.
- Layers, back to front: background gradient, neck and clothing, hair behind the head (long and
  bob styles), ears, the face (skin tone times a linear lighting gradient), eyes, eyebrows, nose,
  mouth (neutral or one of three smiles), beard (full, goatee, chin-strap or stubble, with a
  fixed clearance around the mouth so it never hides the mouth), hair on top (short, long, bob,
  fringe, receding), glasses (round, rectangular, oval or cat-eye frames, semi-transparent
  tinted lenses, bridge and temple arms).
- Switching one attribute changes only its own pixels: glasses the eye band, beard the lower
  face, smiling the mouth, blond only the hair (from this identity's dark colour to its blond
  shade; eyebrows and beard keep their own dark colours).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["ATTRIBUTES", "STYLE_KEYS", "Faces", "make_faces", "render_faces", "sample_identities"]

ATTRIBUTES = ("glasses", "beard", "blond", "smiling")

HAIR_STYLES = ("short", "long", "bob", "fringe", "receding")
GLASSES_SHAPES = ("round", "rectangular", "oval", "cat-eye")
BEARD_SHAPES = ("full", "goatee", "chin-strap", "stubble")
SMILE_STYLES = ("closed", "open", "grin")
# The identity fields that make up each attribute's look, which a reference face lends another in
# ``Faces.render(style_from=...)`` (the ground truth of a reference-guided edit).
STYLE_KEYS = {
    "glasses": ("glasses_shape", "glasses_color", "glasses_thickness", "glasses_size", "glasses_aspect",
                "lens_color", "lens_alpha"),
    "beard": ("beard_shape", "beard_color", "beard_bulk"),
    "blond": ("blond_color",),
    "smiling": ("smile_style", "smile_width", "smile_depth"),
}

_CX, _CY = 0.5, 0.45  # canonical centre of the head ellipse
_PIVOT = np.array([0.5, 0.5])
_ZOOM = 1.2  # constant magnification of the canonical frame (the pose adds +-5 % to it)


# --------------------------------------------------------------------------- validation helpers
def _check_rng(random_state):
    if isinstance(random_state, np.random.Generator | np.random.RandomState):
        return random_state
    if random_state is None or isinstance(random_state, Integral):
        return np.random.default_rng(random_state)
    raise ValueError(
        "random_state must be None, an int, a numpy Generator or RandomState, "
        f"got {type(random_state).__name__}"
    )


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return int(n)


def _check_size(size) -> int:
    if isinstance(size, bool) or not isinstance(size, Integral):
        raise ValueError(f"size must be an int >= 16, got {size!r}")
    if size < 16:
        raise ValueError(f"size must be >= 16 pixels, got {size}")
    return int(size)


# --------------------------------------------------------------------------- sampling
def _ranges(rng, n, boxes):
    """Colours drawn uniformly inside one of several RGB boxes (a continuous range per box)."""
    boxes = np.asarray(boxes, dtype=float)  # (k, 2, 3): low, high
    which = rng.choice(len(boxes), size=n)
    u = rng.uniform(0.0, 1.0, size=(n, 3))
    lo, hi = boxes[which, 0], boxes[which, 1]
    return lo + u * (hi - lo)


def _jitter(rng, colors, scale):
    return np.clip(colors + rng.normal(0.0, scale, size=colors.shape), 0.0, 1.0)


def sample_identities(n: int, random_state=None) -> dict[str, np.ndarray]:
    """Draw the identity parameters of ``n`` random faces.

    An identity is everything about a face except the on/off state of the four attributes:
    face shape, skin tone, eyes, eyebrows, nose, mouth, hair style, the dark hair colour *and*
    the blond shade used when ``blond=1``, background, lighting, clothing, pose jitter, and the
    style each attribute takes on this face (glasses shape, frame colour and thickness, lens
    tint and opacity; beard shape and colour; smile style).

    Parameters
    ----------
    n : int
        Number of identities, >= 1.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Seed or generator.

    Returns
    -------
    dict of str to numpy.ndarray
        Every value has first axis ``n``. Colours are ``(n, 3)`` floats in [0, 1]; style
        indices are ``int64`` (see ``HAIR_STYLES``, ``GLASSES_SHAPES``, ``BEARD_SHAPES``,
        ``SMILE_STYLES``); lengths are in units of the image side.

    Examples
    --------
    >>> ids = sample_identities(5, random_state=0)
    >>> ids["skin_color"].shape, ids["hair_style"].shape
    ((5, 3), (5,))
    """
    n = _check_n(n)
    rng = _check_rng(random_state)
    U = rng.uniform
    ids: dict[str, np.ndarray] = {}

    # face shape and skin
    ids["face_width"] = U(0.19, 0.235, n)  # half-width
    ids["face_height"] = U(0.255, 0.30, n)  # half-height
    ids["jaw"] = U(1.6, 3.0, n)  # superellipse exponent of the lower face: low = pointy chin
    ids["chin_taper"] = U(0.0, 0.18, n)
    t = U(0.0, 1.0, n)[:, None]
    light, dark = np.array([0.98, 0.84, 0.72]), np.array([0.40, 0.26, 0.17])
    ids["skin_color"] = _jitter(rng, light * (1 - t) + dark * t, 0.02)
    ids["ear_size"] = U(0.8, 1.2, n)

    # eyes and eyebrows
    fh = ids["face_height"]
    ids["eye_y"] = fh * U(-0.12, 0.02, n)  # relative to the head centre
    ids["eye_spacing"] = U(0.082, 0.105, n)  # half the distance between the eyes
    ids["eye_width"] = U(0.030, 0.040, n)
    ids["eye_height"] = ids["eye_width"] * U(0.5, 0.72, n)
    ids["gaze"] = U(-0.3, 0.3, n)
    ids["iris_color"] = _ranges(rng, n, [
        [[0.30, 0.17, 0.08], [0.55, 0.35, 0.16]],  # brown
        [[0.22, 0.42, 0.65], [0.45, 0.65, 0.90]],  # blue
        [[0.22, 0.42, 0.22], [0.45, 0.60, 0.35]],  # green
        [[0.42, 0.47, 0.52], [0.60, 0.65, 0.70]],  # grey
        [[0.10, 0.06, 0.04], [0.25, 0.15, 0.10]],  # dark
    ])
    ids["brow_color"] = _ranges(rng, n, [
        [[0.05, 0.04, 0.03], [0.15, 0.11, 0.08]],
        [[0.15, 0.09, 0.05], [0.32, 0.20, 0.12]],
    ])
    ids["brow_thickness"] = U(0.013, 0.024, n)
    ids["brow_raise"] = U(0.045, 0.062, n)
    ids["brow_arch"] = U(0.0, 0.014, n)
    ids["brow_tilt"] = U(-0.010, 0.012, n)
    ids["brow_length"] = U(1.0, 1.35, n)

    # nose and mouth
    ids["nose_length"] = fh * U(0.28, 0.38, n)
    ids["nose_width"] = U(0.020, 0.036, n)
    ids["nose_side"] = rng.choice(np.array([-1.0, 1.0]), size=n)
    ids["mouth_gap"] = fh * U(0.16, 0.21, n)  # from the nose base to the mouth
    ids["mouth_width"] = U(0.038, 0.052, n)  # half-width
    lips = _ranges(rng, n, [[[0.62, 0.22, 0.22], [0.85, 0.42, 0.42]]])
    ids["lip_color"] = np.clip(0.5 * lips + 0.5 * ids["skin_color"] * 0.8, 0, 1)
    ids["lip_thickness"] = U(0.010, 0.017, n)
    ids["mouth_curve"] = U(-0.006, 0.004, n)
    ids["smile_style"] = rng.choice(len(SMILE_STYLES), size=n).astype(np.int64)
    ids["smile_width"] = U(1.5, 1.8, n)
    ids["smile_depth"] = U(0.05, 0.068, n)

    # hair
    style = rng.choice(len(HAIR_STYLES), size=n).astype(np.int64)
    ids["hair_style"] = style
    ids["hair_color"] = _ranges(rng, n, [
        [[0.04, 0.03, 0.03], [0.12, 0.10, 0.09]],  # black
        [[0.16, 0.10, 0.06], [0.26, 0.16, 0.10]],  # dark brown
        [[0.30, 0.18, 0.09], [0.42, 0.27, 0.15]],  # brown
        [[0.42, 0.16, 0.07], [0.58, 0.26, 0.12]],  # auburn
    ])
    t = U(0.0, 1.0, n)[:, None]
    pale, golden = np.array([0.98, 0.93, 0.62]), np.array([0.88, 0.66, 0.26])
    ids["blond_color"] = _jitter(rng, pale * (1 - t) + golden * t, 0.02)
    ids["hair_volume"] = U(0.04, 0.10, n)
    # hairline height (fraction of the face half-height), per style
    hl_lo = np.array([0.55, 0.50, 0.38, 0.22, 0.66])[style]
    hl_hi = np.array([0.70, 0.65, 0.50, 0.34, 0.76])[style]
    ids["hairline"] = U(0.0, 1.0, n) * (hl_hi - hl_lo) + hl_lo
    ids["fringe_jag"] = np.where(style == 3, U(0.008, 0.02, n), 0.0)
    ids["recession"] = np.where(style == 4, U(0.35, 0.55, n), 0.0)
    side_lo = np.array([0.15, 0.55, 0.45, 0.2, 0.05])[style]
    ids["sideburn"] = side_lo + U(0.0, 0.15, n)
    len_lo = np.array([0.0, 1.35, 0.65, 0.0, 0.0])[style]
    ids["hair_length"] = len_lo * U(1.0, 1.3, n)

    # background, lighting, clothing
    grey = U(0.3, 0.9, n)[:, None]
    bg = 0.55 * U(0.1, 1.0, (n, 3)) + 0.45 * grey
    ids["background_color"] = np.clip(bg, 0, 1)
    plain = U(0, 1, n) < 0.3
    bg2 = np.clip(bg + rng.normal(0, 0.15, (n, 3)), 0, 1)
    ids["background_color2"] = np.where(plain[:, None], bg, bg2)
    ids["background_angle"] = U(0, 2 * np.pi, n)
    ids["light_angle"] = U(0, 2 * np.pi, n)
    ids["light_strength"] = U(0.0, 0.22, n)
    ids["clothing_color"] = U(0.05, 0.95, (n, 3))
    ids["neckline"] = U(0.02, 0.07, n)

    # pose jitter (shift in units of the image side: +-2 px at 64)
    ids["rotation"] = U(-8.0, 8.0, n)  # degrees
    ids["shift"] = U(-2 / 64, 2 / 64, (n, 2))
    ids["scale"] = U(0.95, 1.05, n)

    # attribute styles
    ids["glasses_shape"] = rng.choice(len(GLASSES_SHAPES), size=n).astype(np.int64)
    frame = np.array([
        [0.05, 0.05, 0.05], [0.35, 0.20, 0.10], [0.55, 0.57, 0.60],
        [0.70, 0.10, 0.10], [0.10, 0.20, 0.65], [0.75, 0.60, 0.25],
    ])
    ids["glasses_color"] = _jitter(rng, frame[rng.choice(len(frame), size=n)], 0.04)
    ids["glasses_thickness"] = U(0.02, 0.032, n)
    ids["glasses_size"] = U(0.72, 0.84, n)  # lens half-width / eye spacing
    ids["glasses_aspect"] = U(0.0, 1.0, n)  # position inside the shape's height range
    ids["lens_color"] = U(0.35, 1.0, (n, 3))
    ids["lens_alpha"] = U(0.2, 0.5, n)
    ids["beard_shape"] = rng.choice(len(BEARD_SHAPES), size=n).astype(np.int64)
    ids["beard_color"] = _ranges(rng, n, [
        [[0.03, 0.03, 0.03], [0.10, 0.09, 0.08]],  # black
        [[0.12, 0.07, 0.04], [0.24, 0.15, 0.09]],  # dark brown
        [[0.24, 0.15, 0.08], [0.34, 0.22, 0.12]],  # brown
        [[0.25, 0.25, 0.25], [0.38, 0.37, 0.36]],  # dark grey
    ])
    ids["beard_bulk"] = U(0.02, 0.08, n)
    return ids


# --------------------------------------------------------------------------- geometry
def _ell(cx, cy, rx, ry, k, start=0.0, stop=2 * np.pi, endpoint=False):
    """(n, k, 2) points of ellipses (all arguments broadcast to (n,))."""
    t = np.linspace(start, stop, k, endpoint=endpoint)
    x = np.asarray(cx)[:, None] + np.asarray(rx)[:, None] * np.cos(t)
    y = np.asarray(cy)[:, None] + np.asarray(ry)[:, None] * np.sin(t)
    return np.stack([x, y], axis=-1)


def _col(v):
    return np.broadcast_to(np.asarray(v, dtype=float), (np.shape(v)[0],))[:, None]


def _face_contour(cx, cy, fw, fh, jaw, taper, t):
    """Head outline at angles t (n, k): ellipse above, superellipse (jaw) below."""
    c, s = np.cos(t), np.sin(t)
    p = jaw[:, None]
    lower = s > 0
    cl = np.sign(c) * np.abs(c) ** (2 / p)
    sl = np.abs(s) ** (2 / p)
    x = np.where(lower, cl * (1 - taper[:, None] * s**2), c)
    y = np.where(lower, sl, s)
    return np.stack([cx[:, None] + fw[:, None] * x, cy[:, None] + fh[:, None] * y], axis=-1)


def _layout(ids) -> dict[str, np.ndarray]:
    """Canonical (pre-pose) positions of the main features, each (n,)."""
    n = ids["face_width"].shape[0]
    cx = np.full(n, _CX)
    cy = np.full(n, _CY)
    ey = cy + ids["eye_y"]
    ny = ey + ids["nose_length"]
    my = ny + ids["mouth_gap"]
    sw = ids["mouth_width"] * ids["smile_width"]
    return {"cx": cx, "cy": cy, "ey": ey, "ny": ny, "my": my, "sw": sw,
            "fw": ids["face_width"], "fh": ids["face_height"]}


def _pose(ids):
    th = np.deg2rad(ids["rotation"])
    s = ids["scale"] * _ZOOM
    a = np.stack([np.stack([np.cos(th), -np.sin(th)], -1),
                  np.stack([np.sin(th), np.cos(th)], -1)], -2) * s[:, None, None]
    b = _PIVOT + ids["shift"] - np.einsum("nij,j->ni", a, _PIVOT)
    return a, b


def _canonical_grid(ids, size: int) -> np.ndarray:
    """Canonical coordinates (n, size, size, 2) of every output pixel centre (x, y)."""
    a, b = _pose(ids)
    g = (np.arange(size) + 0.5) / size
    xy = np.stack(np.meshgrid(g, g), axis=-1)  # (size, size, 2): x, y
    inv = np.linalg.inv(a)
    return np.einsum("nij,nhwj->nhwi", inv, xy[None] - b[:, None, None, :])


def _geometry(ids) -> dict[str, np.ndarray]:
    """All shapes of all faces, canonical coordinates, (n, k, 2) arrays."""
    L = _layout(ids)
    cx, cy, ey, ny, my, sw = L["cx"], L["cy"], L["ey"], L["ny"], L["my"], L["sw"]
    fw, fh = L["fw"], L["fh"]
    jaw, taper = ids["jaw"], ids["chin_taper"]
    n = cx.shape[0]
    G: dict[str, np.ndarray] = {}
    C = _col

    # head, ears, neck, clothing
    t = np.broadcast_to(np.linspace(0, 2 * np.pi, 56, endpoint=False), (n, 56))
    G["face"] = _face_contour(cx, cy, fw, fh, jaw, taper, t)
    er = ids["ear_size"]
    G["ear_l"] = _ell(cx - fw * 0.97, ey + 0.018, 0.027 * er, 0.048 * er, 16)
    G["ear_r"] = _ell(cx + fw * 0.97, ey + 0.018, 0.027 * er, 0.048 * er, 16)
    nk = fw * 0.45
    top, sy = cy + 0.4 * fh, cy + fh + 0.09
    G["neck"] = np.stack([
        np.stack([cx - nk, top], -1), np.stack([cx - nk, sy + 0.05], -1),
        np.stack([cx + nk, sy + 0.05], -1), np.stack([cx + nk, top], -1)], 1)
    dn = ids["neckline"]
    xs = np.array([-0.55, -0.55, -0.38, -0.2])
    ys = np.array([0.9, 0.10, 0.015, -0.015])
    left = np.stack([cx[:, None] + xs, sy[:, None] + ys], -1)
    right = np.stack([cx[:, None] - xs[::-1], sy[:, None] + ys[::-1]], -1)
    u = np.linspace(-1, 1, 9)
    neck_cut = np.stack([cx[:, None] + C(nk * 1.1) * u,
                         C(sy - 0.015) + C(dn + 0.015) * (1 - u**2)], -1)
    G["clothing"] = np.concatenate([left, neck_cut, right], 1)

    # hair: behind the head (long, bob) and on top
    vol = ids["hair_volume"]
    orx, ory = fw * (1 + vol), fh * (1 + 1.3 * vol)
    arc = _ell(cx, cy, orx * 1.06, ory, 20, np.pi, 2 * np.pi, endpoint=True)
    hl = cy + ids["hair_length"] * fh
    bottom = np.stack([
        np.stack([cx + orx * 1.14, hl], -1), np.stack([cx + orx * 0.4, hl - 0.015], -1),
        np.stack([cx - orx * 0.4, hl - 0.015], -1), np.stack([cx - orx * 1.14, hl], -1)], 1)
    G["hair_back"] = np.concatenate([arc, bottom], 1)
    a = ids["sideburn"]
    k = 32
    to = np.linspace(0, 1, k)[None] * (np.pi + 2 * a[:, None]) + (np.pi - a)[:, None]
    outer = np.stack([cx[:, None] + C(orx) * np.cos(to), cy[:, None] + C(ory) * np.sin(to)], -1)
    ti = to[:, ::-1]
    ci, si = np.cos(ti), np.sin(ti)
    xin = cx[:, None] + C(fw * 0.96) * ci
    yin = np.where(si < 0, C(ids["hairline"] * fh) * si, C(fh * 0.96) * si) + cy[:, None]
    # fringe: zig-zag lower edge; receding: temples pushed up (M-shaped hairline)
    zig = np.abs(((ti * 10 / np.pi) % 2) - 1) * 2 - 1
    yin = yin + C(ids["fringe_jag"]) * zig * (si < -0.3)
    dx = (xin - cx[:, None]) / C(fw)
    temples = np.exp(-((np.abs(dx) - 0.5) / 0.22) ** 2) * (si < 0)
    yin = yin - C(ids["recession"] * fh) * temples * 0.6
    G["hair_top"] = np.concatenate([outer, np.stack([xin, yin], -1)], 1)

    # eyes, irises, brows
    es, erx, ery = ids["eye_spacing"], ids["eye_width"], ids["eye_height"]
    ir = np.minimum(ery * 0.95, erx * 0.6)
    gx = ids["gaze"] * erx
    for side, sgn in (("l", -1), ("r", 1)):
        ex = cx + sgn * es
        G[f"eye_{side}"] = _ell(ex, ey, erx, ery, 20)
        G[f"lid_{side}"] = _ell(ex, ey, erx, ery, 9, np.pi, 2 * np.pi, endpoint=True)
        G[f"iris_{side}"] = _ell(ex + gx, ey, ir, ir, 14)
        G[f"pupil_{side}"] = _ell(ex + gx, ey, ir * 0.45, ir * 0.45, 10)
        bl = erx * ids["brow_length"]
        u = np.linspace(-1, 1, 5)
        bx = ex[:, None] + C(bl) * u
        by = (C(ey - ids["brow_raise"]) - C(ids["brow_arch"]) * (1 - u**2)
              - C(ids["brow_tilt"]) * (u * sgn))
        G[f"brow_{side}"] = np.stack([bx, by], -1)

    # nose
    nw, ns = ids["nose_width"], ids["nose_side"]
    G["nose_base"] = np.stack([
        np.stack([cx - nw, ny - 0.012], -1), np.stack([cx - nw * 0.45, ny], -1),
        np.stack([cx + nw * 0.45, ny], -1), np.stack([cx + nw, ny - 0.012], -1)], 1)
    G["nose_ridge"] = np.stack([
        np.stack([cx + ns * nw * 0.3, ey + 0.035], -1),
        np.stack([cx + ns * nw * 0.75, ny - 0.022], -1)], 1)

    # mouths
    mw, lt = ids["mouth_width"], ids["lip_thickness"]
    u = np.linspace(-1, 1, 15)
    bump = np.sqrt(1 - u**2)
    yc = C(my) + C(ids["mouth_curve"]) * (1 - u**2)
    xm = cx[:, None] + C(mw) * u
    G["mouth_line"] = np.stack([xm, yc], -1)
    G["mouth"] = np.concatenate([np.stack([xm, yc - C(lt * 0.8) * bump], -1),
                                 np.stack([xm, yc + C(lt) * bump], -1)[:, ::-1]], 1)
    d = ids["smile_depth"]
    xs_ = cx[:, None] + C(sw) * u
    # closed smile: crescent whose corners are raised
    ysc = C(my) + C(d * 0.8) * (1 - u**2) - C(d * 0.3)
    G["smile_line"] = np.stack([xs_, ysc], -1)
    G["smile_closed"] = np.concatenate([
        np.stack([xs_, ysc - C(lt * 0.6) * bump], -1),
        np.stack([xs_, ysc + C(lt * 1.3) * bump], -1)[:, ::-1]], 1)
    # open smile: D shape (flat top, round bottom) with the upper teeth showing
    yt = C(my - 0.008) - C(0.012 + 0.0 * d) * u**2
    yb = yt + C(d) * (1 - u**2) ** 0.7
    G["smile_open"] = np.concatenate([np.stack([xs_, yt], -1), np.stack([xs_, yb], -1)[:, ::-1]], 1)
    teeth_b = yt + C(d * 0.38) * bump
    G["teeth_open"] = np.concatenate([np.stack([xs_, yt], -1),
                                      np.stack([xs_, teeth_b], -1)[:, ::-1]], 1)
    # grin: shallower, all teeth, a line between the rows
    ybg = yt + C(d * 0.85) * (1 - u**2) ** 0.7
    G["smile_grin"] = np.concatenate([np.stack([xs_, yt], -1),
                                      np.stack([xs_, ybg], -1)[:, ::-1]], 1)
    G["grin_line"] = np.stack([xs_[:, 2:-2], (yt + C(d * 0.42) * (1 - u**2) ** 0.7)[:, 2:-2]], -1)
    # smile lines: a bracket at each corner of every smile
    for side, sgn in (("l", -1), ("r", 1)):
        G[f"dimple_{side}"] = np.stack([
            np.stack([cx + sgn * (sw + 0.004), my - 0.032], -1),
            np.stack([cx + sgn * (sw + 0.016), my - 0.012], -1),
            np.stack([cx + sgn * (sw + 0.010), my + 0.010], -1)], 1)

    # beards (and the mouth clearance cut out of every beard)
    G["mouth_clear"] = _ell(cx, my + 0.45 * d - 0.006, sw + lt + 0.026, 0.6 * d + lt + 0.024, 28)
    tb = np.broadcast_to(np.linspace(-0.08, np.pi + 0.08, 30), (n, 30))
    bulk = ids["beard_bulk"]
    low = _face_contour(cx, cy, fw * (1 + bulk * 0.3), fh * (1 + bulk), jaw, taper, tb)
    cheek = np.stack([
        np.stack([cx - fw * 0.72, ny + 0.012], -1), np.stack([cx - mw * 1.25, ny + 0.004], -1),
        np.stack([cx, ny + 0.012], -1), np.stack([cx + mw * 1.25, ny + 0.004], -1),
        np.stack([cx + fw * 0.72, ny + 0.012], -1)], 1)
    G["beard_full"] = np.concatenate([low, cheek], 1)
    plain_low = _face_contour(cx, cy, fw, fh * 1.01, jaw, taper, tb)
    G["beard_stubble"] = np.concatenate([plain_low, cheek], 1)
    chin = cy + fh * 1.04
    G["beard_goatee"] = _ell(cx, (ny + 0.008 + chin) / 2, sw + 0.03, (chin - ny - 0.008) / 2, 24)
    tb2 = np.broadcast_to(np.linspace(-0.02, np.pi + 0.02, 26), (n, 26))
    outer_s = _face_contour(cx, cy, fw * 1.02, fh * 1.03, jaw, taper, tb2)
    inner_s = _face_contour(cx, cy + 0.03, fw * 0.8, fh * 0.8 - 0.012, jaw, taper, tb2)
    G["beard_chin-strap"] = np.concatenate([outer_s, inner_s[:, ::-1]], 1)

    # glasses
    gshape = ids["glasses_shape"]
    grx = es * ids["glasses_size"]
    asp_lo = np.array([0.88, 0.58, 0.62, 0.62])[gshape]
    asp_hi = np.array([1.00, 0.74, 0.78, 0.76])[gshape]
    gry = grx * (asp_lo + ids["glasses_aspect"] * (asp_hi - asp_lo))
    q = np.where(gshape == 1, 4.5, 2.0)[:, None]
    tg = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    cg, sg = np.cos(tg)[None], np.sin(tg)[None]
    ux = np.sign(cg) * np.abs(cg) ** (2 / q)
    uy = np.sign(sg) * np.abs(sg) ** (2 / q)
    cat = (gshape == 3)[:, None]
    gy = ey + 0.004
    for side, sgn in (("l", -1), ("r", 1)):
        out = np.maximum(ux * sgn, 0)  # outward half
        lift = np.where(cat, 0.55 * out**2 * np.where(uy < 0, 1.0, 0.45), 0.0)
        wid = np.where(cat, 1 + 0.12 * out, 1.0)
        lx = (cx + sgn * es)[:, None] + C(grx) * ux * wid
        ly = gy[:, None] + C(gry) * (uy - lift)
        G[f"lens_{side}"] = np.stack([lx, ly], -1)
        G[f"arm_{side}"] = np.stack([
            np.stack([cx + sgn * (es + grx * 0.98), gy - gry * 0.35], -1),
            np.stack([cx + sgn * fw * 1.0, gy - gry * 0.45], -1)], 1)
    G["bridge"] = np.stack([
        np.stack([cx - es + grx * 0.97, gy - gry * 0.25], -1),
        np.stack([cx, gy - gry * 0.25 - 0.01], -1),
        np.stack([cx + es - grx * 0.97, gy - gry * 0.25], -1)], 1)
    return G


def _apply_pose(G, ids, scale_px):
    a, b = _pose(ids)
    a = a * scale_px
    b = b * scale_px
    return {k: np.einsum("nij,nkj->nki", a, v) + b[:, None, :] for k, v in G.items()}


def _gradient(c0, c1, angle, xy, center, extent):
    """One linear gradient image (size, size, 3) uint8 from colour ``c0`` to ``c1``.

    ``xy`` holds the (x, y) coordinates of the output pixel centres. Upsampled with NEAREST by
    the supersampling factor, each block is one output pixel after the box reduction, so this
    is exact and much cheaper than interpolating at full resolution.
    """
    d = np.array([np.cos(angle), np.sin(angle)], dtype=np.float32)
    proj = (xy[0] - np.float32(center[0])) * d[0] + (xy[1] - np.float32(center[1])) * d[1]
    tt = np.clip(0.5 + proj * np.float32(0.5 / extent), 0, 1)[..., None]
    c0 = np.asarray(c0, dtype=np.float32) * 255
    c1 = np.asarray(c1, dtype=np.float32) * 255
    return np.clip(c0 + (c1 - c0) * tt + 0.5, 0, 255).astype(np.uint8)


def _bbox(poly, S):
    x0, y0 = np.floor(poly.min(0)).astype(int)
    x1, y1 = np.ceil(poly.max(0)).astype(int) + 1
    return max(0, x0), max(0, y0), min(S, x1), min(S, y1)


def _masked_fill(canvas, poly, fill, S, value=255, cut=None):
    """Paste ``fill`` (a colour or a full-size image) through a polygon mask, within its bbox.

    ``cut``: a polygon removed from the mask (a hole).
    """
    x0, y0, x1, y1 = _bbox(poly, S)
    if x1 <= x0 or y1 <= y0:
        return
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    md = ImageDraw.Draw(mask)
    off = np.array([x0, y0])
    md.polygon((poly - off).ravel().tolist(), fill=value)
    if cut is not None:
        md.polygon((cut - off).ravel().tolist(), fill=0)
    if isinstance(fill, Image.Image):
        canvas.paste(fill.crop((x0, y0, x1, y1)), (x0, y0), mask)
    else:
        canvas.paste(fill, (x0, y0, x1, y1), mask)


def _rgb(c, alpha=255):
    r, g, b = (int(round(float(v) * 255)) for v in c)
    return (r, g, b, int(alpha))


# --------------------------------------------------------------------------- rendering
_REQUIRED = tuple(sample_identities(1, random_state=0).keys())


def _check_identities(identities) -> int:
    if not isinstance(identities, dict):
        raise ValueError("identities must be a dict as returned by sample_identities")
    missing = [k for k in _REQUIRED if k not in identities]
    if missing:
        raise ValueError(f"identities lacks {missing}; use sample_identities(n) to make them")
    n = len(identities["face_width"])
    bad = [k for k in _REQUIRED if np.shape(identities[k])[:1] != (n,)]
    if bad:
        raise ValueError(f"identities entries {bad} do not have first axis {n}")
    if n < 1:
        raise ValueError("n must be >= 1: identities are empty")
    return n


def _check_attributes(attributes, n) -> dict[str, np.ndarray]:
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise ValueError("attributes must be a dict mapping attribute names to 0/1 arrays")
    unknown = [k for k in attributes if k not in ATTRIBUTES]
    if unknown:
        raise ValueError(f"unknown attribute name(s) {unknown}; known attributes: {ATTRIBUTES}")
    out = {}
    for name in ATTRIBUTES:
        v = np.asarray(attributes.get(name, 0))
        if v.ndim == 0:
            v = np.full(n, v)
        if v.ndim != 1 or v.shape[0] != n:
            raise ValueError(
                f"attribute {name!r} has shape {v.shape}; it needs {n} values, one per face"
            )
        if not np.all((v == 0) | (v == 1)):
            raise ValueError(f"attribute {name!r} must hold only 0/1 (or booleans)")
        out[name] = v.astype(np.int64)
    return out


def _supersample(size: int) -> int:
    return 4 if size <= 80 else (3 if size <= 128 else 2)


def render_faces(identities: dict, attributes: dict, size: int = 64) -> np.ndarray:
    """Render faces with the given identities and attributes.

    Parameters
    ----------
    identities : dict
        As returned by :func:`sample_identities` (n faces).
    attributes : dict
        Maps names in :data:`ATTRIBUTES` to ``n`` values in {0, 1} (bool or int; a scalar is
        broadcast). A missing name means 0.
    size : int
        Output side in pixels, >= 16.

    Returns
    -------
    numpy.ndarray
        ``(n, size, size, 3)`` float32 in [0, 1]. Deterministic: the same identities and
        attributes give the same pixels bit for bit.

    Raises
    ------
    ValueError
        Unknown attribute names, attribute arrays of the wrong length or with values other
        than 0/1, a size below 16, or incomplete identities.

    Examples
    --------
    >>> ids = sample_identities(3, random_state=0)
    >>> plain = render_faces(ids, {})
    >>> specs = render_faces(ids, {"glasses": [1, 1, 1]})
    >>> plain.shape, plain.dtype, bool((plain != specs).any())
    ((3, 64, 64, 3), dtype('float32'), True)
    """
    size = _check_size(size)
    n = _check_identities(identities)
    attrs = _check_attributes(attributes, n)
    ss = _supersample(size)
    S = size * ss
    ids = {k: np.asarray(v) for k, v in identities.items()}
    G = _apply_pose(_geometry(ids), ids, S)
    L = _layout(ids)
    a, b = _pose(ids)
    # background and lighting gradients, computed small and upsampled (they are linear)
    centre = np.einsum("nij,nj->ni", a, np.stack([L["cx"], L["cy"]], -1)) + b
    ext = L["fw"] * ids["scale"] * _ZOOM
    st = ids["light_strength"][:, None]
    skin = ids["skin_color"]
    skin_a, skin_b = np.clip(skin * (1 + st), 0, 1), np.clip(skin * (1 - st), 0, 1)
    g = ((np.arange(size) + 0.5) / size).astype(np.float32)
    xy = np.stack(np.meshgrid(g, g))  # (2, size, size)

    out = np.empty((n, size, size, 3), dtype=np.uint8)
    lw = {  # line widths in supersampled pixels
        "eye": max(1, round(0.006 * S)), "lid": max(1, round(0.011 * S)),
        "nose": max(1, round(0.010 * S)), "ridge": max(1, round(0.008 * S)),
    }

    def pts(key, i):
        return G[key][i].ravel().tolist()

    for i in range(n):
        bg = _gradient(ids["background_color"][i], ids["background_color2"][i],
                       ids["background_angle"][i], xy, (0.5, 0.5), 0.5)
        canvas = Image.fromarray(bg).resize((S, S), Image.Resampling.NEAREST)
        draw = ImageDraw.Draw(canvas, "RGBA")
        sk = skin[i]
        hair = ids["blond_color"][i] if attrs["blond"][i] else ids["hair_color"][i]
        style = int(ids["hair_style"][i])
        # neck, clothing, hair behind the head, ears
        draw.polygon(pts("neck", i), fill=_rgb(sk * 0.82))
        draw.polygon(pts("clothing", i), fill=_rgb(ids["clothing_color"][i]))
        if HAIR_STYLES[style] in ("long", "bob"):
            draw.polygon(pts("hair_back", i), fill=_rgb(hair * 0.82))
        draw.polygon(pts("ear_l", i), fill=_rgb(sk * 0.9))
        draw.polygon(pts("ear_r", i), fill=_rgb(sk * 0.9))
        # the face, lit by a linear gradient
        lit = _gradient(skin_a[i], skin_b[i], ids["light_angle"][i], xy, centre[i], ext[i])
        lit = Image.fromarray(lit).resize((S, S), Image.Resampling.NEAREST)
        _masked_fill(canvas, G["face"][i], lit, S)
        # eyes and brows
        line = _rgb(ids["brow_color"][i] * 0.8)
        for side in ("l", "r"):
            draw.polygon(pts(f"eye_{side}", i), fill=(245, 244, 238, 255))
            draw.polygon(pts(f"iris_{side}", i), fill=_rgb(ids["iris_color"][i]))
            draw.polygon(pts(f"pupil_{side}", i), fill=(15, 12, 12, 255))
            eye = G[f"eye_{side}"][i]
            draw.line(np.vstack([eye, eye[:1]]).ravel().tolist(), fill=line, width=lw["eye"])
            draw.line(pts(f"lid_{side}", i), fill=line, width=lw["lid"])
            draw.line(pts(f"brow_{side}", i), fill=_rgb(ids["brow_color"][i]),
                      width=max(1, round(float(ids["brow_thickness"][i]) * S)), joint="curve")
        # nose
        nose = _rgb(sk * 0.68)
        draw.line(pts("nose_base", i), fill=nose, width=lw["nose"])
        draw.line(pts("nose_ridge", i), fill=nose, width=lw["ridge"])
        # mouth
        lip = ids["lip_color"][i]
        lt = max(1, round(float(ids["lip_thickness"][i]) * S * 0.7))
        dark = _rgb(lip * 0.45)
        if attrs["smiling"][i]:
            smile = SMILE_STYLES[int(ids["smile_style"][i])]
            if smile == "closed":
                draw.polygon(pts("smile_closed", i), fill=_rgb(lip))
                draw.line(pts("smile_line", i), fill=dark, width=lw["lid"], joint="curve")
            elif smile == "open":
                poly = G["smile_open"][i]
                draw.polygon(poly.ravel().tolist(), fill=(85, 20, 25, 255))
                draw.polygon(pts("teeth_open", i), fill=(246, 244, 234, 255))
                draw.line(np.vstack([poly, poly[:1]]).ravel().tolist(), fill=_rgb(lip),
                          width=lt, joint="curve")
            else:
                poly = G["smile_grin"][i]
                draw.polygon(poly.ravel().tolist(), fill=(246, 244, 234, 255))
                draw.line(pts("grin_line", i), fill=(120, 110, 105, 255), width=lw["eye"])
                draw.line(np.vstack([poly, poly[:1]]).ravel().tolist(), fill=_rgb(lip * 0.8),
                          width=lt, joint="curve")
            for side in ("l", "r"):
                draw.line(pts(f"dimple_{side}", i), fill=nose, width=lw["nose"])
        else:
            draw.polygon(pts("mouth", i), fill=_rgb(lip))
            draw.line(pts("mouth_line", i), fill=dark, width=lw["eye"])
        # beard, never over the mouth clearance
        if attrs["beard"][i]:
            shape = BEARD_SHAPES[int(ids["beard_shape"][i])]
            _masked_fill(canvas, G[f"beard_{shape}"][i], _rgb(ids["beard_color"][i])[:3], S,
                         value=150 if shape == "stubble" else 255, cut=G["mouth_clear"][i])
        # hair on top
        draw.polygon(pts("hair_top", i), fill=_rgb(hair))
        # glasses
        if attrs["glasses"][i]:
            frame = _rgb(ids["glasses_color"][i])
            w = max(1, round(float(ids["glasses_thickness"][i]) * S))
            tint = _rgb(ids["lens_color"][i], 255 * float(ids["lens_alpha"][i]))
            for side in ("l", "r"):
                lens = G[f"lens_{side}"][i]
                draw.polygon(lens.ravel().tolist(), fill=tint)
                draw.line(np.vstack([lens, lens[:2]]).ravel().tolist(), fill=frame, width=w,
                          joint="curve")
                draw.line(pts(f"arm_{side}", i), fill=frame, width=max(1, w * 3 // 4))
            draw.line(pts("bridge", i), fill=frame, width=max(1, w * 3 // 4), joint="curve")
        out[i] = np.asarray(canvas.reduce(ss))
    return out.astype(np.float32) / np.float32(255)


# --------------------------------------------------------------------------- data set
@dataclass
class Faces:
    """Rendered faces together with their identities and attributes.

    Attributes
    ----------
    images : numpy.ndarray
        ``(n, size, size, 3)`` float32 in [0, 1].
    attributes : dict of str to numpy.ndarray
        Attribute name -> ``int64`` array of 0/1, keys in :data:`ATTRIBUTES` order.
    identities : dict of str to numpy.ndarray
        As returned by :func:`sample_identities`.
    size : int
        Image side in pixels.

    Examples
    --------
    >>> faces = make_faces(4, random_state=0)
    >>> truth = faces.render(glasses=0)  # the same people without glasses
    >>> truth.shape, len(faces)
    ((4, 64, 64, 3), 4)
    """

    images: np.ndarray
    attributes: dict[str, np.ndarray]
    identities: dict[str, np.ndarray] = field(repr=False)
    size: int

    def render(self, attributes: dict | None = None, *, style_from=None, **overrides) -> np.ndarray:
        """Render the same identities with other attributes.

        Starts from ``self.attributes``; entries of ``attributes`` (a dict of arrays) and then
        ``overrides`` (``name=0/1`` scalar or array) replace them.

        Parameters
        ----------
        attributes : dict, optional
            Attribute name -> ``n`` values in {0, 1}.
        style_from : Faces, optional
            Reference faces (``n`` of them, or one for all) whose look the changed attributes
            take: the shape, colour and thickness of their glasses, their beard, their blond
            shade, their smile (the fields in ``STYLE_KEYS``). Everything else stays this face's.
        **overrides
            Attribute name -> 0/1 scalar (applied to every face) or array.

        Returns
        -------
        numpy.ndarray
            ``(n, size, size, 3)`` float32 in [0, 1].

        Examples
        --------
        >>> faces = make_faces(3, random_state=1)
        >>> bool((faces.render() == faces.images).all())
        True
        >>> no_beard = faces.render(beard=0)
        >>> ref = make_faces(3, random_state=2)
        >>> their_glasses = faces.render(glasses=1, style_from=ref)  # each face wears its reference's
        """
        merged = dict(self.attributes)
        changed = []
        for extra in (attributes or {}), overrides:
            unknown = [k for k in extra if k not in ATTRIBUTES]
            if unknown:
                raise ValueError(
                    f"unknown attribute name(s) {unknown}; known attributes: {ATTRIBUTES}"
                )
            merged.update(extra)
            changed += list(extra)
        identities = self.identities
        if style_from is not None:
            ref = style_from.identities if isinstance(style_from, Faces) else style_from
            m = len(next(iter(ref.values())))
            n = len(self)
            if m not in (1, n):
                raise ValueError(f"style_from has {m} faces; give one per face ({n}) or one for all.")
            identities = dict(identities)
            for name in dict.fromkeys(changed):
                for key in STYLE_KEYS[name]:
                    value = np.asarray(ref[key])
                    identities[key] = np.repeat(value, n, axis=0) if m == 1 and n > 1 else value.copy()
        return render_faces(identities, merged, self.size)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index) -> Faces:
        """The faces at ``index`` (an int, slice, index array or boolean mask), as a :class:`Faces`.

        Examples
        --------
        >>> faces = make_faces(6, random_state=0)
        >>> len(faces[faces.attributes["glasses"] == 1]) == int(faces.attributes["glasses"].sum())
        True
        """
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Faces(images=self.images[index], attributes={k: v[index] for k, v in self.attributes.items()},
                     identities={k: v[index] for k, v in self.identities.items()}, size=self.size)


def make_faces(
    n: int,
    size: int = 64,
    random_state=None,
    attribute_probability: float | dict = 0.5,
) -> Faces:
    """Random identities, each attribute switched on independently.

    Parameters
    ----------
    n : int
        Number of faces, >= 1.
    size : int
        Image side in pixels, >= 16.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Seed or generator.
    attribute_probability : float or dict
        Probability that each attribute is on; a dict maps names in :data:`ATTRIBUTES` to
        probabilities (missing names get 0.5).

    Returns
    -------
    Faces

    Examples
    --------
    >>> faces = make_faces(4, random_state=0)
    >>> faces.images.shape
    (4, 64, 64, 3)
    >>> list(faces.attributes)
    ['glasses', 'beard', 'blond', 'smiling']
    """
    n = _check_n(n)
    size = _check_size(size)
    if isinstance(attribute_probability, dict):
        unknown = [k for k in attribute_probability if k not in ATTRIBUTES]
        if unknown:
            raise ValueError(
                f"unknown attribute name(s) {unknown} in attribute_probability; "
                f"known attributes: {ATTRIBUTES}"
            )
        probs = {k: attribute_probability.get(k, 0.5) for k in ATTRIBUTES}
    else:
        probs = dict.fromkeys(ATTRIBUTES, attribute_probability)
    for k, p in probs.items():
        if isinstance(p, bool) or not isinstance(p, Real) or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"attribute_probability for {k!r} must be a float in [0, 1], got {p!r}")
    rng = _check_rng(random_state)
    ids = sample_identities(n, rng)
    attrs = {k: (rng.uniform(0.0, 1.0, n) < float(probs[k])).astype(np.int64) for k in ATTRIBUTES}
    images = render_faces(ids, attrs, size)
    return Faces(images=images, attributes=attrs, identities=ids, size=size)
