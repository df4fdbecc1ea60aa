"""The sandbox's switches: generated principals, page sizes, budgets and stats."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests

from tap_calinstances.sandbox import Faults, Sandbox
from tap_calinstances.sandbox.dataset import build_dataset
from tests.sandbox.helpers import (
    ALEX,
    OPS,
    ROBIN,
    events_path,
    get,
    instances_path,
    subject_token,
    user_token,
)

USER1, USER2, USER3 = (f"user000{n}@sandbox.example" for n in (1, 2, 3))
WEEKLY_JANUARY = {"timeMin": "2026-01-01T00:00:00Z", "timeMax": "2026-02-01T00:00:00Z"}


def pages(sb: Sandbox, path: str, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a listing, following nextPageToken to the end."""
    found: list[dict[str, Any]] = []
    page_token = None
    while True:
        extra: dict[str, str] = {"pageToken": page_token} if page_token else {}
        answer = get(sb, path, token, **params, **extra)
        assert answer.status_code == 200, answer.text
        found.append(answer.json())
        page_token = found[-1].get("nextPageToken")
        if not page_token:
            return found


def at_once(count: int, call: Callable[[], requests.Response]) -> list[requests.Response]:
    """`count` calls started together from threads."""
    barrier = threading.Barrier(count)
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        answer = call()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def error(answer: requests.Response) -> tuple[int, str, str, str]:
    body = answer.json()["error"]
    detail = body["errors"][0]
    return body["code"], detail["domain"], detail["reason"], detail["message"]


# -- generated principals --------------------------------------------------------------------


def test_generated_principals_are_subjects_after_the_fixed_ones() -> None:
    with Sandbox(seed=7, principals=3, series_per_calendar=2) as sb:
        subjects = sb.tap_config(google_auth="service_account")["google"]["subjects"]
        assert subjects == [ALEX, ROBIN, USER1, USER2, USER3]


def test_a_generated_principal_owns_a_primary_calendar_of_generated_series() -> None:
    with Sandbox(seed=7, principals=3, series_per_calendar=2) as sb:
        token = subject_token(sb, USER2)
        listed = get(sb, "/users/me/calendarList", token).json()["items"]
        assert [(c["id"], c["accessRole"], c.get("primary")) for c in listed] == [
            (USER2, "owner", True)
        ]
        assert listed[0]["timeZone"] == "Europe/Berlin"
        found = [p["items"] for p in pages(sb, events_path(USER2), token)]
        masters = [(e["summary"], e["recurrence"]) for page in found for e in page]
        assert masters == [
            ("User 0002 series 000", ["RRULE:FREQ=DAILY"]),
            ("User 0002 series 001", ["RRULE:FREQ=WEEKLY;BYDAY=MO"]),
        ]


def test_generated_principals_leave_the_fixed_dataset_as_it_is() -> None:
    fixed, grown = build_dataset(7), build_dataset(7, 0, 3, 2)
    assert grown.series[:6] == fixed.series
    assert grown.calendars[:3] == fixed.calendars
    assert len(grown.series) == 6 + 3 * 2
    assert build_dataset(7, 0, 3, 2) == grown


def test_series_listing_names_generated_series_with_their_rules() -> None:
    with Sandbox(seed=7, principals=1, series_per_calendar=1) as sb:
        described = requests.get(f"{sb.url}/_sandbox/series", timeout=10).json()["series"]
        assert described[-1] | {"series_id": "x"} == {
            "calendar_id": USER1,
            "series_id": "x",
            "key": "user-7-1-0",
            "summary": "User 0001 series 000",
            "recurring": True,
            "deleted": False,
            "rrule": "RRULE:FREQ=WEEKLY;BYDAY=TH",
            "zone": "Asia/Kolkata",
            "all_day": False,
            "start": "2025-10-09T08:45:00+05:30",
            "duration_s": described[-1]["duration_s"],
        }
        assert sb.series() == described


# -- page size -----------------------------------------------------------------------------


def test_page_size_caps_every_listing_whatever_max_results_says() -> None:
    with Sandbox(seed=7, page_size=2) as sb:
        token = user_token(sb)
        calendars = pages(sb, "/users/me/calendarList", token, maxResults=250)
        assert [len(p["items"]) for p in calendars] == [2]
        events = pages(sb, events_path(OPS), token, maxResults=2500)
        assert [len(p["items"]) for p in events] == [0, 2, 2]
        assert "nextSyncToken" in events[-1]
        weekly = pages(sb, instances_path(sb, "Weekly sync"), token, **WEEKLY_JANUARY)
        assert [len(p["items"]) for p in weekly] == [0, 2, 2]
        days = [i["start"]["dateTime"][:10] for p in weekly for i in p["items"]]
        assert days == ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]


def test_page_size_of_one_splits_the_calendar_list() -> None:
    with Sandbox(seed=7, page_size=1) as sb:
        listed = pages(sb, "/users/me/calendarList", user_token(sb))
        assert [[c["id"] for c in p["items"]] for p in listed] == [[ALEX], [OPS]]
        assert "nextPageToken" in listed[0]


def test_without_page_size_max_results_decides() -> None:
    with Sandbox(seed=7) as sb:
        weekly = pages(sb, instances_path(sb, "Weekly sync"), user_token(sb), **WEEKLY_JANUARY)
        assert [len(p["items"]) for p in weekly] == [0, 4]


# -- budgets ---------------------------------------------------------------------------------


def test_requests_over_the_rate_budget_get_403_user_rate_limit_exceeded() -> None:
    with Sandbox(seed=7, enforce_budgets=True, budget_rate=(3, 60)) as sb:
        token = user_token(sb)
        answers = [get(sb, events_path(ALEX), token) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 403]
        assert error(answers[3]) == (
            403,
            "usageLimits",
            "userRateLimitExceeded",
            "User Rate Limit Exceeded",
        )
        assert [r.fault for r in sb.requests] == [None, None, None, "budget_rate"]
        # The budget is per principal: robin still has all of his.
        assert get(sb, events_path(ROBIN), subject_token(sb, ROBIN)).status_code == 200
        assert sb.stats()["principals"][ALEX]["refused"] == 1


def test_the_rate_budget_is_a_sliding_window() -> None:
    with Sandbox(seed=7, enforce_budgets=True, budget_rate=(2, 0.4)) as sb:
        token = user_token(sb)
        assert [get(sb, events_path(ALEX), token).status_code for _ in range(3)] == [200, 200, 403]
        threading.Event().wait(0.5)
        assert get(sb, events_path(ALEX), token).status_code == 200


def test_requests_over_the_concurrency_budget_get_429_rate_limit_exceeded() -> None:
    faults = Faults(latency_ms=400)
    with Sandbox(seed=7, faults=faults, enforce_budgets=True, budget_concurrency=2) as sb:
        token = user_token(sb)
        answers = at_once(4, lambda: get(sb, events_path(ALEX), token))
        assert sorted(a.status_code for a in answers) == [200, 200, 429, 429]
        refused = [a for a in answers if a.status_code == 429]
        assert error(refused[0]) == (429, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded")
        assert sorted(str(r.fault) for r in sb.requests) == [
            "None",
            "None",
            "budget_concurrency",
            "budget_concurrency",
        ]


def test_budgets_are_not_enforced_unless_asked() -> None:
    with Sandbox(seed=7, faults=Faults(latency_ms=200), budget_rate=(1, 60)) as sb:
        token = user_token(sb)
        answers = at_once(12, lambda: get(sb, events_path(ALEX), token))
        assert {a.status_code for a in answers} == {200}
        assert sb.stats()["totals"]["refused"] == 0


def test_google_declares_600_a_minute_and_10_in_flight_per_user() -> None:
    with Sandbox(seed=7, enforce_budgets=True, page_size=50, principals=2) as sb:
        index = requests.get(f"{sb.url}/_sandbox/", timeout=10).json()
        settings = index["settings"]
        assert settings["budgets"]["google"] == {
            "requests": 600,
            "window_s": 60.0,
            "concurrency": 10,
        }
        assert (settings["enforce_budgets"], settings["page_size"], settings["principals"]) == (
            True,
            50,
            2,
        )
        assert requests.get(f"{sb.url}/_sandbox", timeout=10).json() == index
        assert "stats" in index["control"]


# -- stats -----------------------------------------------------------------------------------


def test_stats_count_requests_and_the_peak_in_flight_per_principal() -> None:
    with Sandbox(seed=7, faults=Faults(latency_ms=300)) as sb:
        token = user_token(sb)
        at_once(5, lambda: get(sb, events_path(ALEX), token))
        get(sb, events_path(ALEX), token)
        get(sb, events_path(ROBIN), subject_token(sb, ROBIN))
        assert sb.stats() == {
            "principals": {
                ALEX: {"requests": 6, "in_flight": 0, "peak_in_flight": 5, "refused": 0},
                ROBIN: {"requests": 1, "in_flight": 0, "peak_in_flight": 1, "refused": 0},
            },
            "totals": {"requests": 7, "in_flight": 0, "peak_in_flight": 5, "refused": 0},
        }


def test_stats_are_served_and_reset_over_http() -> None:
    with Sandbox(seed=7) as sb:
        token = user_token(sb)
        get(sb, events_path(ALEX), token)
        get(sb, events_path(ALEX), token)
        served = requests.get(f"{sb.url}/_sandbox/stats", timeout=10).json()
        assert served["principals"][ALEX] == {
            "requests": 2,
            "in_flight": 0,
            "peak_in_flight": 1,
            "refused": 0,
        }
        cleared = requests.delete(f"{sb.url}/_sandbox/stats", timeout=10).json()
        assert cleared == {
            "principals": {},
            "totals": {"requests": 0, "in_flight": 0, "peak_in_flight": 0, "refused": 0},
        }
        assert sb.requests == []


def test_unauthenticated_requests_count_in_totals_only() -> None:
    with Sandbox(seed=7) as sb:
        get(sb, events_path(ALEX), None)
        assert sb.stats()["principals"] == {}
        assert sb.stats()["totals"]["requests"] == 1


def test_limits_can_be_changed_while_running() -> None:
    with Sandbox(seed=7) as sb:
        answer = requests.patch(
            f"{sb.url}/_sandbox/limits",
            json={"page_size": 3, "enforce_budgets": True, "budget_rate": [5, 10]},
            timeout=10,
        ).json()
        assert answer["budgets"]["google"] == {"requests": 5, "window_s": 10.0, "concurrency": 10}
        assert sb.limits.page_size == 3
        assert sb.set_limits(page_size=0).page_size == 0
