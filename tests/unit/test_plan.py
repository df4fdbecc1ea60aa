"""Per-calendar plans: what a run reads, keeps and tombstones, from changes and memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tap_calinstances.engine.memory import CalendarMemory, SeriesMemory, stamp_of
from tap_calinstances.engine.plan import plan
from tap_calinstances.providers import CalendarTarget, Changes, Master
from tap_calinstances.windows import Window
from tests.builders import series_facts

TARGET = CalendarTarget(
    "team@group.calendar.example", "me", "America/New_York", "owner@example.com", {"x": 1}
)
JAN = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_2026 = (JAN, datetime(2027, 1, 1, tzinfo=UTC))
MONDAY = datetime(2026, 3, 2, 14, tzinfo=UTC)


def window(start: datetime, end: datetime) -> Window:
    return Window(start, end)


def master(
    series_id: str = "abc123",
    rule: str = "RRULE:FREQ=WEEKLY;BYDAY=MO",
    first_start: datetime = datetime(2026, 1, 5, 9, tzinfo=UTC),
) -> Master:
    facts = series_facts(series_id=series_id)
    return Master(
        facts=facts,
        record={"series_id": series_id},
        stamp='"2"',
        rule=[rule],
        first_start=first_start,
    )


def memory(series_id: str = "abc123", **changes: object) -> SeriesMemory:
    values: dict[str, object] = {
        "series_id": series_id,
        "stamp": stamp_of('"1"'),
        "timezone": "America/New_York",
        "is_all_day": False,
        "duration": timedelta(hours=1),
        "starts": frozenset({MONDAY}),
        "exceptions": frozenset({MONDAY}),
        "ends_before": None,
    }
    values.update(changes)
    return SeriesMemory(**values)  # type: ignore[arg-type]


def changes(full: bool = False, **values: object) -> Changes:
    fields: dict[str, object] = {
        "full": full,
        "live": {},
        "deleted": frozenset(),
        "touched": frozenset(),
        "exceptions": {},
        "unexceptions": {},
        "cursor": "next",
    }
    fields.update(values)
    return Changes(**fields)  # type: ignore[arg-type]


def remembered(*series: SeriesMemory) -> CalendarMemory:
    return CalendarMemory("owner@example.com", {s.series_id: s for s in series})


def test_nothing_changed_reads_nothing() -> None:
    w = window(*WINDOW_2026)
    result = plan("google", TARGET, changes(), remembered(memory()), w, w)
    assert (result.reads, result.gone, result.series_records) == ((), (), ())
    assert [m.series_id for m in result.kept] == ["abc123"]
    assert result.cursor == "next"


def test_a_changed_master_is_read_over_the_whole_window_with_its_exceptions() -> None:
    w = window(*WINDOW_2026)
    moved = datetime(2026, 3, 9, 13, tzinfo=UTC)
    result = plan(
        "google",
        TARGET,
        changes(live={"abc123": master()}, exceptions={"abc123": frozenset({moved})}),
        remembered(memory()),
        w,
        w,
    )
    (read,) = result.reads
    assert read.spans == (w,) and read.keep_from is None
    assert read.exceptions == {MONDAY, moved}
    assert read.remembered == memory()
    assert result.series_records == ({"series_id": "abc123"},)


def test_a_cancelled_exception_is_no_longer_an_exception() -> None:
    w = window(*WINDOW_2026)
    result = plan(
        "google",
        TARGET,
        changes(touched=frozenset({"abc123"}), unexceptions={"abc123": frozenset({MONDAY})}),
        remembered(memory()),
        w,
        w,
    )
    (read,) = result.reads
    assert read.exceptions == frozenset()
    assert read.facts.summary is None and read.facts.timezone == "America/New_York"
    assert result.series_records == ()


def test_deleted_series_are_gone() -> None:
    w = window(*WINDOW_2026)
    result = plan(
        "google", TARGET, changes(deleted=frozenset({"abc123", "never-seen"})),
        remembered(memory()), w, w,
    )  # fmt: skip
    assert [m.series_id for m in result.gone] == ["abc123"]
    assert result.reads == () and result.kept == ()


def test_a_full_listing_without_a_remembered_series_means_it_was_deleted() -> None:
    w = window(*WINDOW_2026)
    result = plan(
        "google", TARGET, changes(full=True, live={"new": master("new")}),
        remembered(memory()), w, w,
    )  # fmt: skip
    assert [m.series_id for m in result.gone] == ["abc123"]
    assert [r.facts.series_id for r in result.reads] == ["new"]
    # A full listing lists every exception again: remembered ones are not carried over.
    assert result.reads[0].exceptions == frozenset()


def test_a_grown_window_reads_only_the_new_slice_of_unchanged_series() -> None:
    old = window(JAN, datetime(2026, 12, 3, tzinfo=UTC))
    new = window(JAN, datetime(2026, 12, 4, tzinfo=UTC))
    ended = memory("ended", ends_before=datetime(2026, 6, 1, tzinfo=UTC), exceptions=frozenset())
    result = plan("google", TARGET, changes(), remembered(memory(), ended), old, new)
    (read,) = result.reads
    assert read.facts.series_id == "abc123"
    assert read.spans == (window(old.end, new.end),)
    assert read.keep_from == old.end
    assert [m.series_id for m in result.kept] == ["ended"]


def test_a_rule_that_ended_before_the_window_costs_no_request() -> None:
    w = window(*WINDOW_2026)
    old_rule = "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20251218T000000Z"
    thursday = datetime(2025, 6, 5, 9, tzinfo=UTC)
    result = plan("google", TARGET, changes(live={"old": master("old", old_rule, thursday)}),
                  remembered(), None, w)  # fmt: skip
    (read,) = result.reads
    assert read.spans == ()
    assert read.ends_before == datetime(2025, 12, 11, 9, 0, 1, tzinfo=UTC)


def test_a_moved_window_start_forgets_starts_outside_it_instead_of_cancelling_them() -> None:
    old = window(*WINDOW_2026)
    new = window(datetime(2026, 6, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    result = plan("google", TARGET, changes(full=True, live={"abc123": master()}),
                  remembered(memory()), old, new)  # fmt: skip
    (read,) = result.reads
    assert read.remembered is not None and read.remembered.starts == frozenset()


def test_stamps_that_cover_occurrences_tell_unchanged_series_in_a_full_listing() -> None:
    # Graph: no change cursor, every run lists all masters; the stamp says what changed.
    w = window(*WINDOW_2026)
    same = master("abc123")
    same = Master(same.facts, same.record, '"1"', same.rule, same.first_start)
    edited = master("edited")
    result = plan(
        "microsoft", TARGET, changes(full=True, live={"abc123": same, "edited": edited}),
        remembered(memory(), memory("edited")), w, w, stamps_cover_occurrences=True,
    )  # fmt: skip
    assert [m.series_id for m in result.kept] == ["abc123"]
    assert [r.facts.series_id for r in result.reads] == ["edited"]
    assert result.series_records == ({"series_id": "edited"},)


def test_an_unchanged_series_read_for_a_grown_window_keeps_its_rule() -> None:
    old = window(JAN, datetime(2026, 12, 3, tzinfo=UTC))
    new = window(JAN, datetime(2026, 12, 4, tzinfo=UTC))
    same = master("abc123")
    same = Master(same.facts, same.record, '"1"', same.rule, same.first_start)
    result = plan("microsoft", TARGET, changes(full=True, live={"abc123": same}),
                  remembered(memory()), old, new, stamps_cover_occurrences=True)  # fmt: skip
    (read,) = result.reads
    assert read.keep_from == old.end
    assert read.rule == ("RRULE:FREQ=WEEKLY;BYDAY=MO",)


def test_an_ended_series_with_a_moved_occurrence_is_read_for_a_grown_window() -> None:
    # Its rule ended in June, but one occurrence was moved to December.
    old = window(JAN, datetime(2026, 11, 12, tzinfo=UTC))
    new = window(JAN, datetime(2026, 12, 12, tzinfo=UTC))
    ended = memory(ends_before=datetime(2026, 6, 1, tzinfo=UTC))
    result = plan("google", TARGET, changes(), remembered(ended), old, new)
    (read,) = result.reads
    assert read.spans == (window(old.end, new.end),)


def test_a_changed_series_whose_rule_ended_is_still_read_when_it_has_exceptions() -> None:
    w = window(*WINDOW_2026)
    old_rule = "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20251218T000000Z"
    thursday = datetime(2025, 6, 5, 9, tzinfo=UTC)
    moved_in = datetime(2025, 12, 11, 9, tzinfo=UTC)
    result = plan("google", TARGET,
                  changes(live={"old": master("old", old_rule, thursday)},
                          exceptions={"old": frozenset({moved_in})}),
                  remembered(), None, w)  # fmt: skip
    (read,) = result.reads
    assert read.spans == (w,)
