import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import candidate_grid, crop_frames, stft_magnitude
from usvmask.data.splits import assign_splits
from usvmask.synth.corpus import COLUMNS, PAPER_PRESET, make_corpus

ARGS = dict(n_usv=12, n_noise=4, n_test_usv=3, n_test_noise=1, val_fraction=0.25, snr_db_min=15.0,
            snr_db_max=45.0)


@pytest.fixture(scope="module")
def corpus():
    return make_corpus(seed=7, **ARGS)


def test_shapes_types_and_table(corpus):
    assert corpus.images.shape == (16, 227, 227) and corpus.images.dtype == np.uint8
    assert corpus.truth.shape == (16, 227, 227) and corpus.truth.dtype == bool
    table = corpus.table
    assert list(table.columns) == list(COLUMNS)
    assert table.name.is_unique
    assert list(table.name[:2]) == ["usv_000000", "usv_000001"] and table.name.iloc[-1] == "noise_000003"
    assert set(table.label[table.kind == "usv"]) <= set(table.label) - {"noise"}
    assert (table.label[table.kind == "noise"] == "noise").all()


def test_split_counts(corpus):
    counts = corpus.table.groupby(["kind", "split"]).size().to_dict()
    assert counts == {("usv", "test"): 3, ("usv", "val"): 2, ("usv", "train"): 7,
                      ("noise", "test"): 1, ("noise", "val"): 1, ("noise", "train"): 2}


def test_truth_nonempty_for_usv_and_empty_for_noise(corpus):
    per_image = corpus.truth.reshape(16, -1).sum(axis=1)
    usv = (corpus.table.kind == "usv").to_numpy()
    assert np.all(per_image[usv] > 0)
    assert np.all(per_image[~usv] == 0)


def test_truth_lies_on_the_call(corpus):
    _, freqs, times = stft_magnitude(np.zeros(int(0.24 * 250_000), np.float32), 250_000)
    grid = candidate_grid(freqs, times, *crop_frames(times, float(times.mean())))
    for i, row in corpus.table[corpus.table.kind == "usv"].iterrows():
        rows, cols = np.nonzero(corpus.truth[i])
        f = grid.row_to_freq(rows) / 1e3
        top = 2 * row.fmax_khz if row.harmonic else row.fmax_khz
        assert f.min() > row.fmin_khz - 3.0 and f.max() < top + 3.0, row.name
        t = grid.col_to_time(cols) - (grid.t0_s + grid.t1_s) / 2
        assert np.abs(t).max() < row.duration_ms / 2e3 + 0.005 + 0.003
        # calls are bright, as in VocalMat's saved candidates
        assert corpus.images[i][corpus.truth[i]].mean() > corpus.images[i][~corpus.truth[i]].mean()


def test_deterministic_and_independent_of_workers(corpus):
    again = make_corpus(seed=7, workers=2, **ARGS)
    assert again.images.tobytes() == corpus.images.tobytes()
    assert again.truth.tobytes() == corpus.truth.tobytes()
    assert again.table.equals(corpus.table)
    other = make_corpus(seed=8, **ARGS)
    assert other.images.tobytes() != corpus.images.tobytes()


@pytest.mark.parametrize(
    "change, key",
    [({"n_test_usv": 13}, "n_test_usv"), ({"n_test_noise": 5}, "n_test_noise"),
     ({"val_fraction": 1.0}, "val_fraction"), ({"snr_db_min": 50.0}, "snr_db_min"), ({"n_usv": -1}, "n_usv"),
     ({"workers": 0}, "workers")],
)
def test_invalid_arguments_name_the_key(change, key):
    with pytest.raises(UsvmaskError, match=key):
        make_corpus(seed=0, **{**ARGS, **change})


def test_paper_preset_split_sizes():
    kinds = ["usv"] * PAPER_PRESET["n_usv"] + ["noise"] * PAPER_PRESET["n_noise"]
    split = assign_splits(kinds, val_fraction=0.1, seed=0, n_test={"usv": PAPER_PRESET["n_test_usv"], "noise": 0})
    usv = split[: PAPER_PRESET["n_usv"]]
    assert np.sum(usv == "test") == 849
    assert np.sum(usv == "val") == round(0.1 * (10871 - 849))
    assert np.sum(split == "test") == 849


def test_empty_noise_candidates_hold_background_only_and_long_calls_are_long():
    corpus = make_corpus(seed=3, **{**ARGS, "n_usv": 6, "n_noise": 3, "n_test_usv": 0, "n_test_noise": 0},
                         empty_noise_prob=1.0, long_call_prob=1.0)
    table = corpus.table
    assert (table.noise_types[table.kind == "noise"] == "background").all()
    assert (table.duration_ms[(table.kind == "usv") & (table.label != "short")] >= 60).all()
    with pytest.raises(UsvmaskError, match="empty_noise_prob"):
        make_corpus(seed=0, **ARGS, empty_noise_prob=1.5)
