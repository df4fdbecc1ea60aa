"""Graph's token endpoint, users, calendars and listings as the sandbox serves them."""

from __future__ import annotations

import requests

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import MEGAN_CALENDAR, MEGAN_TEAM
from tests.sandbox.graph import (
    ADELE,
    MEGAN,
    NO_MAILBOX,
    app_token,
    calendar_path,
    code,
    get,
    graph,
    instances_path,
    token_answer,
    values,
)


def test_config_block_and_client_credentials_token(sb: Sandbox) -> None:
    block = sb.tap_config()["microsoft"]
    assert set(block) == {"tenant_id", "client_id", "client_secret", "api_url", "token_url"}
    assert block["api_url"] == sb.url + "/microsoft/v1.0"
    assert block["token_url"] == f"{sb.url}/microsoft/{block['tenant_id']}/oauth2/v2.0/token"
    assert set(sb.tap_config(providers=["google"])) == {"start_date", "google"}
    answer = token_answer(sb).json()
    assert answer["access_token"].startswith("eyJ0")
    assert {k: answer[k] for k in ("token_type", "expires_in", "ext_expires_in")} == {
        "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
    }  # fmt: skip
    assert block["client_secret"] in sb.secret_values()
    assert answer["access_token"] in sb.secret_values()
    assert token_answer(sb, scope=f"{sb.url}/.default").status_code == 200


def test_token_errors_in_aads_shape(sb: Sandbox) -> None:
    secret = token_answer(sb, client_secret="wrong")
    assert secret.status_code == 401
    assert secret.json()["error"] == "invalid_client"
    assert secret.json()["error_codes"] == [7000215]
    assert secret.json()["error_description"].startswith("AADSTS7000215: Invalid client secret")
    client = token_answer(sb, client_id="00000000-0000-0000-0000-000000000000")
    assert (client.status_code, client.json()["error"]) == (400, "unauthorized_client")
    scope = token_answer(sb, scope="https://graph.microsoft.com/Calendars.Read")
    assert (scope.status_code, scope.json()["error"]) == (400, "invalid_scope")
    grant = token_answer(sb, grant_type="password")
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    tenant = requests.post(graph(sb)["token_url"].replace(graph(sb)["tenant_id"], "other"),
                           data={}, timeout=10)  # fmt: skip
    assert tenant.json()["error_codes"] == [90002]


def test_the_api_wants_the_app_token(sb: Sandbox) -> None:
    missing = get(sb, "/users", None)
    assert (missing.status_code, code(missing)) == (401, "InvalidAuthenticationToken")
    assert set(missing.json()["error"]["innerError"]) == {"date", "request-id", "client-request-id"}
    assert code(get(sb, "/users", "not-a-token")) == "InvalidAuthenticationToken"


def test_users_page_with_skiptoken_and_select(sb: Sandbox) -> None:
    token = app_token(sb)
    first = get(sb, "/users", token, **{"$top": 2, "$select": "id,userPrincipalName,mail"})
    body = first.json()
    assert body["value"] == [
        {"mail": ADELE, "userPrincipalName": ADELE, "id": sb.graph_user_id(ADELE)},
        {"mail": MEGAN, "userPrincipalName": MEGAN, "id": sb.graph_user_id(MEGAN)},
    ]
    assert "$skiptoken=" in body["@odata.nextLink"] and "$top=2" in body["@odata.nextLink"]
    assert body["@odata.nextLink"].startswith(sb.url + "/microsoft/v1.0/users?")
    rest = get(sb, body["@odata.nextLink"], token).json()
    assert rest["value"] == [{"mail": None, "userPrincipalName": NO_MAILBOX,
                              "id": sb.graph_user_id(NO_MAILBOX)}]  # fmt: skip
    assert "@odata.nextLink" not in rest
    assert code(get(sb, "/users", token, **{"$top": 1000})) == "Request_UnsupportedQuery"
    by_id = get(sb, f"/users/{sb.graph_user_id(MEGAN)}", token).json()
    assert (by_id["displayName"], by_id["userPrincipalName"]) == ("Megan Bowen", MEGAN)
    assert get(sb, "/users/nobody@contoso.sandbox.example", token).status_code == 404


def test_calendars_of_each_user(sb: Sandbox) -> None:
    token = app_token(sb)
    megan = values(sb, f"/users/{MEGAN}/calendars", token)
    assert [(c["name"], c["isDefaultCalendar"], c["canEdit"]) for c in megan] == [
        ("Calendar", True, True), ("Team planning", False, True), ("Birthdays", False, True),
    ]  # fmt: skip
    adele = values(sb, f"/users/{sb.graph_user_id(ADELE)}/calendars", token)
    shared = next(c for c in adele if c["name"] == "Team planning")
    assert (shared["canEdit"], shared["owner"]) == (
        False,
        {"name": "Megan Bowen", "address": MEGAN},
    )
    assert shared["id"] == sb.graph_calendar_id(MEGAN_TEAM)
    default = get(sb, f"/users/{MEGAN}/calendar", token).json()
    assert default["id"] == sb.graph_calendar_id(MEGAN_CALENDAR)
    settings = get(sb, f"/users/{MEGAN}/mailboxSettings", token).json()
    assert settings["timeZone"] == "Pacific Standard Time"
    no_mailbox = get(sb, f"/users/{NO_MAILBOX}/calendars", token)
    assert (no_mailbox.status_code, code(no_mailbox)) == (404, "MailboxNotEnabledForRESTAPI")
    missing = get(sb, f"/users/{MEGAN}/calendars/AAMkAGI2nothing", token)
    assert (missing.status_code, code(missing)) == (404, "ErrorItemNotFound")


def test_events_list_masters_and_single_events_ten_a_page(sb: Sandbox) -> None:
    token = app_token(sb)
    path = calendar_path(sb, MEGAN, MEGAN_TEAM) + "/events"
    first = get(sb, path, token, **{"$top": 2}).json()
    assert len(first["value"]) == 2 and first["@odata.nextLink"].endswith("$top=2&$skip=2")
    subjects = [e["subject"] for e in values(sb, path, token)]
    assert subjects == ["Design review", "Board offsite", "Partner sync", "Tokyo sync"]
    masters = values(sb, calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events", token,
                     **{"$filter": "type eq 'seriesMaster'"})  # fmt: skip
    assert [e["subject"] for e in masters] == ["Weekly planning", "Founders day"]
    default = values(sb, f"/users/{MEGAN}/events", token, **{"$select": "subject"})
    assert default == [
        {"@odata.etag": e["@odata.etag"], "id": e["id"], "subject": e["subject"]} for e in default
    ]
    assert [e["subject"] for e in default] == ["Weekly planning", "Founders day",
                                               "Lunch with Adele"]  # fmt: skip
    assert code(get(sb, path, token, **{"$filter": "subject eq 'x'"})) == (
        "ErrorInvalidUrlQueryFilter"
    )


def test_instances_need_a_window(sb: Sandbox) -> None:
    token = app_token(sb)
    path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    answer = get(sb, path, token, startDateTime="2026-01-01T00:00:00Z")
    assert (answer.status_code, code(answer)) == (400, "ErrorInvalidParameter")
    assert "StartDateTime and EndDateTime" in answer.json()["error"]["message"]


def test_prefer_headers_are_applied_and_said_so(sb: Sandbox) -> None:
    token = app_token(sb)
    path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    answer = get(
        sb,
        path,
        token,
        prefer='outlook.timezone="Eastern Standard Time", IdType="ImmutableId"',
        startDateTime="2026-01-06T00:00:00Z",
        endDateTime="2026-01-07T00:00:00Z",
    )
    assert answer.headers["Preference-Applied"] == (
        'outlook.timezone="Eastern Standard Time", IdType="ImmutableId"'
    )
    item = answer.json()["value"][0]
    assert item["start"] == {"dateTime": "2026-01-06T12:00:00.0000000",
                             "timeZone": "Eastern Standard Time"}  # fmt: skip
    assert item["seriesMasterId"] == sb.graph_event_id("Weekly planning", immutable=True)


def test_empty_first_pages_switch() -> None:
    with Sandbox(seed=7, empty_first_pages=True) as sb:
        token = app_token(sb)
        path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
        window = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"}
        first = get(sb, path, token, **window).json()
        assert first["value"] == [] and first["@odata.nextLink"].endswith("$skip=0")
        assert len(values(sb, path, token, **window)) == 4
