"""Example figures: deterministic choice of examples, and PNGs written atomically with the right layout."""

import numpy as np
import pytest
from matplotlib.image import imread

from usvmask.errors import UsvmaskError
from usvmask.evaluate.figures import choose_examples, comparison_figure, examples_figure

KINDS = ["usv", "noise", "usv", "usv", "noise", "usv", "usv", "noise"]


def _examples(n=2, size=32):
    rng = np.random.default_rng(0)
    images = rng.integers(150, 255, (n, size, size), dtype=np.uint8)
    truths = np.zeros((n, size, size), bool)
    truths[:, 10:14, 5:25] = True
    images[truths] = 30
    masks = np.zeros_like(truths)
    masks[:, 9:15, 4:26] = True
    return images, truths, masks, [f"cand_{i}" for i in range(n)]


def test_choose_examples_deterministic_and_by_kind():
    chosen = choose_examples(KINDS, n_usv=3, n_noise=2, seed=7)
    assert chosen == choose_examples(KINDS, n_usv=3, n_noise=2, seed=7)
    assert [KINDS[i] for i in chosen] == ["usv"] * 3 + ["noise"] * 2
    assert len(set(chosen)) == 5 and all(isinstance(i, int) for i in chosen)


def test_choose_examples_takes_all_when_too_few():
    assert choose_examples(KINDS, n_usv=10, n_noise=10) == [0, 2, 3, 5, 6, 1, 4, 7]
    assert choose_examples(["usv", "usv"], n_noise=2) == [0, 1]
    with pytest.raises(UsvmaskError, match="unknown labels"):
        choose_examples(["usv", "click"])


def _png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    return imread(path)


def test_examples_figure_with_and_without_truth(tmp_path):
    images, truths, masks, names = _examples()
    with_truth = _png(examples_figure(images, truths, masks, names, tmp_path / "a" / "ex.png", title="t"))
    without = _png(examples_figure(images, None, masks, names, tmp_path / "b" / "ex.png", title="t",
                                   scores=[80.0, 90.0]))
    assert with_truth.shape[0] == without.shape[0]
    assert with_truth.shape[1] == pytest.approx(without.shape[1] * 3 / 2, rel=0.02)


def test_examples_figure_rejects_mismatched_lengths(tmp_path):
    images, truths, masks, names = _examples()
    with pytest.raises(UsvmaskError, match="masks: 1 entries for 2 names"):
        examples_figure(images, truths, masks[:1], names, tmp_path / "x.png", title="t")
    assert not (tmp_path / "x.png").exists()


def test_comparison_figure_one_column_per_method(tmp_path):
    images, truths, masks, names = _examples(n=1)
    two = _png(comparison_figure(images, truths, {"VocalMat": masks, "SqueakOut": truths}, names,
                                 tmp_path / "c2" / "cmp.png", title="t"))
    one = _png(comparison_figure(images, truths, {"VocalMat": masks}, names, tmp_path / "c1" / "cmp.png",
                                 title="t"))
    assert two.shape[1] == pytest.approx(one.shape[1] * 4 / 3, rel=0.02)
    with pytest.raises(UsvmaskError, match="columns"):
        comparison_figure(images, truths, {}, names, tmp_path / "c0" / "cmp.png", title="t")
