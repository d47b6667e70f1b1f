"""The review API through Flask's test client: queue and ranking, saving, the version check, bad requests."""

from __future__ import annotations

import numpy as np
import pytest

from usvmask.data import store
from usvmask.data.dataset import load_masks
from usvmask.errors import UsvmaskError
from usvmask.pipeline.corrections import import_corrections
from usvmask.review.app import MAX_BODY, create_app
from usvmask.review.load import open_session
from usvmask.review.session import decode_runs, encode_runs


def _client(inputs, out, compare=True):
    session, images = open_session(inputs["data"], inputs["masks"], out,
                                   compare_file=inputs["previous"] if compare else None)
    app = create_app(session, images, {"out": str(out)})
    app.config["REVIEW_HOSTS"] = {"localhost"}
    return app.test_client(), session


def _put(client, name, **body):
    return client.put(f"/api/items/{name}", json=body)


@pytest.fixture
def api(review_inputs, corrections_dir):
    return _client(review_inputs, corrections_dir)


def test_runs_round_trip():
    mask = np.zeros((3, 4), bool)
    mask[0, 0] = mask[1, 1:3] = mask[2, 3] = True
    assert encode_runs(mask) == [0, 1, 4, 2, 4, 1]
    assert np.array_equal(decode_runs(encode_runs(mask), (3, 4)), mask)
    assert encode_runs(np.zeros((2, 2), bool)) == [4]


def test_the_queue_puts_the_spoiled_masks_first(api, review_inputs):
    client, _ = api
    items = client.get("/api/queue").get_json()["items"]
    assert {item["name"] for item in items[:6]} == set(review_inputs["spoiled"])
    assert [item["rank"] for item in items] == list(range(1, 33))
    assert items[0]["score"] >= items[-1]["score"]


def test_filters_and_progress(api):
    client, _ = api
    noise = client.get("/api/queue?kind=noise&split=test").get_json()
    assert noise["items"] and all(i["kind"] == "noise" and i["split"] == "test" for i in noise["items"])
    assert noise["progress"] == {"reviewed": 0, "total": len(noise["items"]), "fixed": 0, "estimated_fix_share": None}
    first = noise["items"][0]["name"]
    assert _put(client, first, decision="noise", version=0, save_id="s1").status_code == 200
    todo = client.get("/api/queue?kind=noise&split=test&todo=1").get_json()
    assert first not in [i["name"] for i in todo["items"]] and len(todo["items"]) == len(noise["items"]) - 1
    progress = client.get("/api/progress?kind=noise&split=test").get_json()
    assert progress["reviewed"] == 1 and progress["fixed"] == 1 and progress["estimated_fix_share"] > 0
    info = client.get("/api/info").get_json()
    assert info["axis"] == {"f_low_khz": 45.0, "f_high_khz": 125.0, "width_ms": 220.0}
    assert "noise" in info["facets"]["kind"] and info["shape"] == [227, 227]


def test_every_decision_is_saved_and_import_corrections_applies_it(api, review_inputs, corrections_dir, tmp_path):
    client, _ = api
    stroke = np.zeros((227, 227), bool)
    stroke[50:60, 20:120] = True
    assert _put(client, "usv_000005", decision="edit", version=0, save_id="e1", mask=encode_runs(stroke)).json[
        "version"] == 1
    assert _put(client, "noise_000000", decision="noise", version=0, save_id="n1").json["changed"] is True
    accepted = _put(client, "usv_000006", decision="accept", version=0, save_id="a1").json
    assert accepted["decision"] == "accept" and accepted["changed"] is False
    item = client.get("/api/items/usv_000005").get_json()
    assert item["version"] == 1 and item["decision"] == "edit"
    assert np.array_equal(decode_runs(item["mask"], (227, 227)), stroke)
    facts = import_corrections(review_inputs["data"], review_inputs["masks"], [corrections_dir], tmp_path / "c.zip")
    assert facts["changed"] == 2
    names = ["usv_000005", "noise_000000", "usv_000006"]
    new, old = load_masks(tmp_path / "c.zip", names), load_masks(review_inputs["masks"], names)
    assert np.array_equal(new[0], stroke) and not new[1].any() and np.array_equal(new[2], old[2])


def test_a_stale_version_is_a_conflict_and_a_retry_is_not(api):
    client, _ = api
    assert _put(client, "usv_000007", decision="accept", version=0, save_id="tab1").status_code == 200
    retry = _put(client, "usv_000007", decision="accept", version=0, save_id="tab1")
    assert retry.status_code == 200 and retry.json["version"] == 1  # applied once
    other_tab = _put(client, "usv_000007", decision="noise", version=0, save_id="tab2")
    assert other_tab.status_code == 409
    assert "another tab or by another reviewer" in other_tab.json["error"] and "version 1" in other_tab.json["error"]
    assert client.get("/api/items/usv_000007").get_json()["decision"] == "accept"  # not overwritten
    assert _put(client, "usv_000007", decision="noise", version=1, save_id="tab2").status_code == 200


def test_decisions_survive_a_restart(review_inputs, corrections_dir):
    client, _ = _client(review_inputs, corrections_dir)
    _put(client, "usv_000001", decision="noise", version=0, save_id="x1")
    _put(client, "usv_000002", decision="accept", version=0, save_id="x2")
    again, _ = _client(review_inputs, corrections_dir)
    item = again.get("/api/items/usv_000001").get_json()
    assert item["version"] == 1 and item["decision"] == "noise" and not any(decode_runs(item["mask"], (227, 227)).flat)
    assert again.get("/api/progress").get_json()["reviewed"] == 2
    assert _put(again, "usv_000001", decision="accept", version=0, save_id="x3").status_code == 409


def test_a_save_killed_half_way_leaves_a_valid_folder_and_the_retry_completes(api, review_inputs, corrections_dir,
                                                                                monkeypatch):
    client, _ = api
    stroke = np.zeros((227, 227), bool)
    stroke[5:9, 5:9] = True
    _put(client, "usv_000008", decision="edit", version=0, save_id="p1", mask=encode_runs(stroke))
    real = store.write_text

    def dies_on_the_noise_list(path, text):
        if str(path).endswith("noise.txt"):
            raise OSError(28, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(store, "write_text", dies_on_the_noise_list)
    failed = _put(client, "usv_000008", decision="noise", version=1, save_id="p2")
    assert failed.status_code == 500 and "not saved" in failed.json["error"]
    open_session(review_inputs["data"], review_inputs["masks"], corrections_dir)  # the folder still loads
    monkeypatch.setattr(store, "write_text", real)
    retried = _put(client, "usv_000008", decision="noise", version=1, save_id="p2")
    assert retried.status_code == 200 and retried.json["version"] == 2
    assert "usv_000008" in (corrections_dir / "noise.txt").read_text()


@pytest.mark.parametrize("body, status, words", [
    ({"decision": "maybe", "version": 0, "save_id": "a"}, 400, "decision"),
    ({"decision": "accept", "version": "0", "save_id": "a"}, 400, "version"),
    ({"decision": "accept", "version": 0, "save_id": "../x"}, 400, "save_id"),
    ({"decision": "edit", "version": 0, "save_id": "a", "mask": [1, 2, 3]}, 400, "run lengths add up"),
    ({"decision": "edit", "version": 0, "save_id": "a"}, 400, "mask"),
    ({"decision": "accept", "version": 0, "save_id": "a", "path": "/etc"}, 400, "unknown field"),
])
def test_malformed_saves_are_4xx_with_a_message(api, body, status, words):
    client, _ = api
    response = _put(client, "usv_000009", **body)
    assert response.status_code == status and words in response.json["error"]


def test_unknown_names_oversized_and_non_json_bodies_and_foreign_hosts(api, corrections_dir):
    client, _ = api
    assert client.get("/api/items/nope").status_code == 404
    assert "unknown image name" in client.get("/api/items/nope").json["error"]
    assert client.get("/api/images/..%2F..%2Fetc%2Fpasswd.png").status_code == 404
    assert client.put("/api/items/usv_000000", data=b"x" * (MAX_BODY + 1),
                      content_type="application/json").status_code == 413
    assert client.put("/api/items/usv_000000", data="decision=accept").status_code == 415
    assert client.put("/api/items/usv_000000", data="{not json", content_type="application/json").status_code == 400
    assert client.get("/api/info", headers={"Host": "evil.example:80"}).status_code == 403
    assert list(corrections_dir.iterdir()) == []  # none of it wrote anything


def test_the_page_its_scripts_and_the_images_are_served(api):
    client, _ = api
    page = client.get("/")
    assert page.status_code == 200 and b'src="/static/js/main.js"' in page.data
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for script in ("main.js", "editor.js", "saver.js", "keys.js", "runs.js"):
        assert client.get(f"/static/js/{script}").status_code == 200
    png = client.get("/api/images/usv_000000.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"


def test_masks_that_do_not_match_the_prepared_folder_stop_at_start(review_inputs, tmp_path):
    names = store.stack_names(review_inputs["masks"])
    store.write_stack(tmp_path / "short.zip", names[:-1], np.zeros((len(names) - 1, 227, 227), bool))
    with pytest.raises(UsvmaskError) as info:
        open_session(review_inputs["data"], tmp_path / "short.zip", tmp_path / "out")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'short.zip'}: does not match") and "\n" not in message
    assert "1 images without a mask" in message and "give a masks zip made from" in message
    store.write_stack(tmp_path / "small.zip", names, np.zeros((len(names), 32, 32), bool))
    with pytest.raises(UsvmaskError, match="masks are 32x32, the images 227x227"):
        open_session(review_inputs["data"], tmp_path / "small.zip", tmp_path / "out")


def test_a_model_adds_the_entropy_term(review_inputs, tmp_path, monkeypatch):
    import usvmask.infer.predictor as predictor_module

    class Hesitant:  # stands in for a trained checkpoint: 0.5 on the first image, 0.02 elsewhere
        def predict_proba(self, images):
            probs = np.full(images.shape, 0.02, dtype=np.float32)
            probs[0] = 0.5
            return probs

    monkeypatch.setattr(predictor_module, "load_predictor", lambda path, **kw: (Hesitant(), {"path": str(path)}))
    session, _ = open_session(review_inputs["data"], review_inputs["masks"], tmp_path / "out", model_file="m.pt")
    assert list(session.scores.columns) == ["score", "area", "entropy"]
    assert session.scores["entropy"].tolist() == pytest.approx([1.0] + [0.0] * 31)
