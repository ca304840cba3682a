"""The `caldav` library as a real client: discovery from the bare base URL, calendars,
events and todos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import caldav
import pytest

from tests.ical import event, todo


@pytest.fixture
def client(login):
    with caldav.DAVClient(
        url=login.base_url + "/", username=login.username, password=login.password
    ) as dav:
        yield dav


def test_discovery_from_base_url_finds_principal_and_home(client, login):
    principal = client.principal()
    assert str(principal.url).endswith(login.principal_path)
    # Rooms other tests switched on are visible to every login; all live in this home.
    assert all(str(c.url).startswith(login.url(login.home_path)) for c in principal.calendars())


def test_create_calendar_save_load_update_delete_event(client):
    principal = client.principal()
    calendar = principal.make_calendar(name="Work", cal_id="work")
    assert "Work" in [c.get_display_name() for c in principal.calendars()]
    saved = calendar.save_event(event(uid="client-1", summary="Planning"))
    loaded = (
        calendar.event_by_uid("client-1")
        if hasattr(calendar, "event_by_uid")
        else calendar.object_by_uid("client-1")
    )
    loaded.load()
    assert "Planning" in loaded.data
    loaded.data = loaded.data.replace("Planning", "Planning moved")
    loaded.save()
    again = calendar.object_by_uid("client-1")
    again.load()
    assert "Planning moved" in again.data
    assert len(calendar.events()) == 1
    saved.delete()
    assert calendar.events() == []


def test_todos_round_trip(client):
    calendar = client.principal().make_calendar(
        name="Tasks", cal_id="tasks", supported_calendar_component_set=["VTODO"]
    )
    calendar.save_todo(todo(uid="todo-1", summary="Call supplier"))
    todos = calendar.todos()
    assert len(todos) == 1 and "Call supplier" in todos[0].data


def test_delete_calendar(client):
    principal = client.principal()
    calendar = principal.make_calendar(name="Temp", cal_id="temp")
    calendar.delete()
    assert "Temp" not in [c.get_display_name() for c in principal.calendars()]


def test_event_created_with_icalendar_fields(client):
    calendar = client.principal().make_calendar(name="Gen", cal_id="gen")
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    calendar.save_event(
        dtstart=start, dtend=start + timedelta(hours=1), summary="Generated", uid="gen-1"
    )
    obj = calendar.object_by_uid("gen-1")
    obj.load()
    assert "Generated" in obj.data
