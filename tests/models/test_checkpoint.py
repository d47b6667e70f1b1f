"""save_model / load_model round trip and error messages."""

import pytest
import torch

from usvmask.errors import UsvmaskError
from usvmask.models import build_model, load_model, save_model


@pytest.mark.parametrize(
    ("name", "kwargs"), [("unet", {"base_channels": 4, "depth": 2}), ("squeakout", {"width": 0.25})]
)
def test_round_trip_gives_identical_outputs(tmp_path, name, kwargs):
    torch.manual_seed(1)
    model = build_model(name, **kwargs)
    model.train()(torch.rand(4, 1, 32, 32))  # move the BatchNorm running statistics away from their defaults
    model.eval()
    path = tmp_path / "sub" / "model.pt"
    save_model(model, path, meta={"epoch": 3, "val/dice": 0.5})
    loaded, meta = load_model(path)
    x = torch.rand(2, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    assert (loaded.name, loaded.kwargs, meta) == (name, kwargs, {"epoch": 3, "val/dice": 0.5})
    assert not loaded.training
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]  # no temp file left behind


def test_missing_checkpoint_names_file(tmp_path):
    with pytest.raises(UsvmaskError, match="nope.pt: checkpoint not found"):
        load_model(tmp_path / "nope.pt")


def test_corrupt_checkpoint_names_file(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"this is not a checkpoint")
    with pytest.raises(UsvmaskError, match="bad.pt: not a readable checkpoint"):
        load_model(path)


def test_checkpoint_without_model_fields(tmp_path):
    path = tmp_path / "raw.pt"
    torch.save({"weights": torch.zeros(1)}, path)
    with pytest.raises(UsvmaskError, match="raw.pt: checkpoint lacks name/kwargs/state_dict"):
        load_model(path)


def test_mismatched_weights(tmp_path):
    path = tmp_path / "mix.pt"
    state = build_model("unet", base_channels=4, depth=2).state_dict()
    torch.save({"name": "unet", "kwargs": {"base_channels": 8, "depth": 2}, "state_dict": state}, path)
    with pytest.raises(UsvmaskError, match="mix.pt: weights do not fit model 'unet'"):
        load_model(path)


def test_unnamed_model_cannot_be_saved(tmp_path):
    model = build_model("unet", base_channels=4)
    model.name = ""
    with pytest.raises(UsvmaskError, match="no registry name"):
        save_model(model, tmp_path / "m.pt")
