"""GET /v1/models and the LowCodeAPI model routes: paging, find and search modes."""

import base64

REQUIRED_METADATA = {
    "display_name", "category", "description", "status", "tags", "updated_at", "is_favorited",
    "thumbnail_url", "model_url", "date", "highlighted", "pinned",
}  # fmt: skip


def test_fal_model_pages_cover_every_endpoint_exactly_once(client):
    pages = client.fal_pages("/models", {"limit": 100})

    ids = [m["endpoint_id"] for page in pages for m in page["models"]]
    assert len(pages) == 15
    assert ids == [m["endpoint_id"] for m in client.sim.models()]
    assert len(set(ids)) == 1500
    assert pages[-1]["has_more"] is False and all(p["has_more"] for p in pages[:-1])


def test_lowcode_offset_pages_cover_every_endpoint_exactly_once(client):
    ids, offset = [], 0
    while True:
        body = client.lowcode("/models", {"limit": 100, "offset": offset}).json()["result"]
        ids += [m["endpoint_id"] for m in body["models"]]
        offset += 100
        if len(body["models"]) < 100 or body["next_cursor"] is None:
            break

    assert ids == [m["endpoint_id"] for m in client.sim.models()]


def test_lowcode_models_default_to_20_per_page(client):
    body = client.lowcode("/models").json()["result"]

    assert len(body["models"]) == 20
    assert body["has_more"] is True


def test_cursor_is_base64_of_the_page_number(client):
    page_two = client.fal("/models", {"cursor": "Mg=="}).json()
    first = client.fal("/models").json()

    assert first["next_cursor"] == base64.b64encode(b"2").decode() == "Mg=="
    assert page_two["models"] == client.sim.models()[50:100]


def test_model_limit_above_100_answers_400(client):
    response = client.fal("/models", {"limit": 101})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_garbage_cursor_answers_400(client):
    assert client.fal("/models", {"cursor": "%%%"}).status_code == 400


def test_catalogue_has_bare_and_deprecated_endpoints_in_realistic_shares(client):
    models = client.sim.models()
    bare = [m for m in models if "metadata" not in m]
    deprecated = [m for m in models if m.get("metadata", {}).get("status") == "deprecated"]

    assert 5 <= len(bare) <= 40
    assert 20 <= len(deprecated) <= 80
    assert {"fal-ai/flux/dev", "fal-ai/kling-video/v2/pro/text-to-video"} <= {
        m["endpoint_id"] for m in models
    }


def test_metadata_carries_the_required_fields(client):
    for model in client.sim.models():
        if "metadata" in model:
            meta = model["metadata"]
            assert set(meta) >= REQUIRED_METADATA
            assert meta["status"] in ("active", "deprecated")
            assert meta["highlighted"] is False and meta["pinned"] is False
            assert meta["model_url"] == f"https://fal.run/{model['endpoint_id']}"


def test_find_mode_accepts_repeated_and_comma_separated_ids(client):
    repeated = client.fal(
        "/models", [("endpoint_id", "fal-ai/veo3"), ("endpoint_id", "fal-ai/flux/dev")]
    )
    comma = client.fal("/models", {"endpoint_id": "fal-ai/veo3,fal-ai/flux/dev"})

    assert [m["endpoint_id"] for m in repeated.json()["models"]] == [
        "fal-ai/veo3",
        "fal-ai/flux/dev",
    ]
    assert comma.json() == repeated.json()


def test_find_mode_with_more_than_50_ids_answers_400(client):
    ids = ",".join(m["endpoint_id"] for m in client.sim.models()[:51])

    assert client.fal("/models", {"endpoint_id": ids}).status_code == 400


def test_search_filters_by_category_and_status(client):
    pages = client.fal_pages("/models", {"category": "text-to-video", "status": "deprecated"})

    models = [m for page in pages for m in page["models"]]
    assert models
    assert all(m["metadata"]["category"] == "text-to-video" for m in models)
    assert all(m["metadata"]["status"] == "deprecated" for m in models)


def test_free_text_search_matches_names_but_not_endpoint_ids(client):
    by_name = client.fal("/models", {"q": "kling video"}).json()["models"]
    by_id = client.fal("/models", {"q": "fal-ai/flux/dev"}).json()["models"]

    assert by_name and all("Kling" in m["metadata"]["display_name"] for m in by_name)
    assert by_id == []


def test_lowcode_search_is_free_text_like_q(client):
    lowcode = client.lowcode("/models", {"search": "kling video", "limit": 50}).json()["result"]

    assert lowcode["models"] == client.fal("/models", {"q": "kling video"}).json()["models"]


def test_lowcode_model_id_answers_a_one_item_list(client):
    body = client.lowcode("/models/model_id", {"model_id": "fal-ai/flux/dev"}).json()["result"]

    assert body["next_cursor"] is None and body["has_more"] is False
    assert [m["endpoint_id"] for m in body["models"]] == ["fal-ai/flux/dev"]


def test_lowcode_unknown_model_id_answers_404(client):
    response = client.lowcode("/models/model_id", {"model_id": "fal-ai/none"})

    assert response.status_code == 404
    assert response.json()["error"]["error"]["type"] == "not_found"
