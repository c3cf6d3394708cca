"""Same seed, same request, same bytes; any day can be produced alone.

How fast days are generated and served is measured by the benchmark
(``python -m benchmarks.run --only bounds``), not asserted here.
"""

from datetime import date, timedelta

from pipelines.sim import SimConfig, Simulation

REQUESTS = [
    ("/models", {"limit": 100, "cursor": "Mw=="}),
    ("/models/pricing", {"endpoint_id": "fal-ai/flux/dev,fal-ai/veo3"}),
    ("/models/usage", {"start": "2026-10-01", "end": "2026-10-15", "limit": 500,
                       "expand": "time_series,summary,auth_method"}),
    ("/models/analytics", {"start": "2026-10-01", "end": "2026-11-25", "timeframe": "week",
                           "endpoint_id": "fal-ai/flux/dev,fal-ai/veo3",
                           "expand": "time_series,summary,request_count,p99_duration"}),
]  # fmt: skip


def test_the_same_request_gives_the_same_bytes(make_client):
    first, second = make_client(), make_client()

    for path, params in REQUESTS:
        a, b = first.fal(path, params), second.fal(path, params)
        assert a.status_code == 200 and a.content == b.content
        assert first.fal(path, params).content == a.content


def test_another_seed_gives_another_account(make_client):
    seven, eight = make_client(seed=7), make_client(seed=8)

    assert seven.sim.models() != eight.sim.models()
    assert seven.sim.usage_items(date(2026, 11, 1)) != eight.sim.usage_items(date(2026, 11, 1))


def test_a_day_does_not_depend_on_the_days_generated_before_it():
    day = date(2026, 3, 14)
    alone = Simulation(SimConfig(today=date(2026, 11, 25)))
    warmed = Simulation(SimConfig(today=date(2026, 11, 25)))
    for n in range(30):
        warmed.usage_items(day - timedelta(days=n + 1))

    assert alone.usage_items(day) == warmed.usage_items(day)
    assert alone.analytics_items(day) == warmed.analytics_items(day)


def test_a_90_day_window_of_300_endpoints_is_generated():
    days = [date(2026, 8, 1) + timedelta(days=n) for n in range(90)]
    sim = Simulation(SimConfig(today=date(2026, 11, 25)))

    assert sum(len(sim.day_records(day)) for day in days) > 20_000


def test_a_full_90_day_usage_pull_is_served(make_client):
    client = make_client()
    params = {"start": "2026-08-01", "end": "2026-10-30", "timeframe": "day", "limit": 1000,
              "expand": "time_series,auth_method"}  # fmt: skip

    pages = client.fal_pages("/models/usage", params)

    assert sum(len(client.series_items(p)) for p in pages) > 60_000
