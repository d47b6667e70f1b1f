import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.params import call_with_params
from usvmask.data.splits import assign_splits


def test_assign_splits_counts_per_kind():
    kinds = ["usv"] * 100 + ["noise"] * 20
    splits = assign_splits(kinds, test_fraction=0.1, val_fraction=0.1, seed=0)
    usv, noise = splits[:100], splits[100:]
    # usv: 10 test, round(0.1*90)=9 val, 81 train; noise: 2 test, round(0.1*18)=2 val, 16 train
    assert [(usv == s).sum() for s in ("test", "val", "train")] == [10, 9, 81]
    assert [(noise == s).sum() for s in ("test", "val", "train")] == [2, 2, 16]
    assert np.array_equal(splits, assign_splits(kinds, test_fraction=0.1, val_fraction=0.1, seed=0))


def test_assign_splits_rejects_bad_fraction():
    with pytest.raises(UsvmaskError, match="val_fraction"):
        assign_splits(["usv"], test_fraction=0.1, val_fraction=1.5, seed=0)


def f(*, a: int, b: int = 2) -> int:
    if a < 0:
        raise UsvmaskError("a: must be ≥ 0; use 1")
    return a + b


def test_call_with_params_passes_and_names_unknown_keys():
    assert call_with_params(f, {"a": 1, "b": 5}, "sec") == 6
    with pytest.raises(UsvmaskError, match=r"params.yaml: sec.c: unknown key; valid keys are a, b"):
        call_with_params(f, {"a": 1, "c": 5}, "sec")


def test_call_with_params_prefixes_library_errors_with_the_key():
    with pytest.raises(UsvmaskError, match=r"^params.yaml: sec.a: must be ≥ 0"):
        call_with_params(f, {"a": -1}, "sec")


def forwarding(*, x: int, **kwargs: int) -> int:
    return f(**kwargs) + x


def test_call_with_params_checks_keys_of_the_forwarded_function():
    assert call_with_params(forwarding, {"a": 1}, "sec", keys_of=f, x=10) == 13
    with pytest.raises(UsvmaskError, match=r"sec.zz: unknown key; valid keys are a, b$"):
        call_with_params(forwarding, {"zz": 1}, "sec", keys_of=f, x=10)
