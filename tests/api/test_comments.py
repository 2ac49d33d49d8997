"""Comments (issue 20, item 2): threads with one level of replies, edits kept as revisions,
soft deletion that keeps replies in place, internal comments that do not exist for the other
party (404, uncounted), and mentions told through the outbox to the right users only."""

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.audit.models import AuditEvent
from itpp_api.auth.models import User
from itpp_api.db import transaction, utcnow
from itpp_api.enums import PlanStatus
from itpp_api.notifications.mail import Delivery, describe
from itpp_api.notifications.models import Notification
from tests.factories import (
    World,
    auth_headers,
    make_amendment,
    make_commitment,
    make_exchange,
    make_user,
    make_world,
    record_as_operator,
    token_for,
)

API = "/api/v1"


def _headers(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id)}"}


def _post(client: TestClient, path: str, body: str, **extra: Any) -> Any:
    headers = extra.pop("headers", None)
    return client.post(f"{API}{path}/comments", json={"body": body, **extra}, headers=headers)


def _threads(client: TestClient, path: str, **kwargs: Any) -> Any:
    response = client.get(f"{API}{path}/comments", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def _mentions() -> list[tuple[str, str]]:
    with transaction(write=False) as session:
        rows = session.execute(
            select(User.email, Notification.kind).join(
                Notification,
                User.id == Notification.recipient_id,  # type: ignore[arg-type]
            )
        )
        return sorted((email, kind) for email, kind in rows if kind == "comment_mention")


def test_threads_hold_their_replies_one_level_deep(client: TestClient) -> None:
    world = make_world()
    commitment = make_commitment(world)
    path = f"/commitments/{commitment}"
    first = _post(client, path, "議事録を添付しました。")
    assert first.status_code == 201, first.text
    root = first.json()
    assert first.headers["location"] == f"/api/v1/comments/{root['id']}"
    assert root["thread_id"] is None and root["visibility"] == "shared"
    assert root["author_name"] and root["revision_count"] == 0 and root["edited_at"] is None
    assert root["allowed_actions"] == ["update", "delete"]
    nato = auth_headers("NATO", "editor")
    reply = _post(client, path, "Thank you.", reply_to=root["id"], headers=nato).json()
    assert reply["thread_id"] == root["id"]
    # A reply to the reply joins the thread of the first comment.
    deeper = _post(client, path, "どういたしまして。", reply_to=reply["id"]).json()
    assert deeper["thread_id"] == root["id"]
    second = _post(client, path, "A second topic.", headers=nato).json()

    page = _threads(client, path)
    assert page["count"] == 4
    assert [t["id"] for t in page["items"]] == [root["id"], second["id"]]
    assert [r["id"] for r in page["items"][0]["replies"]] == [reply["id"], deeper["id"]]
    assert page["items"][0]["reply_count"] == 2
    # NATO's comment is not Japan's to edit.
    assert page["items"][1]["allowed_actions"] == []

    # Paginated by thread, per the API's conventions.
    first_page = _threads(client, path, params={"limit": 1})
    assert [t["id"] for t in first_page["items"]] == [root["id"]]
    assert first_page["items"][0]["reply_count"] == 2
    rest = _threads(client, path, params={"limit": 1, "cursor": first_page["next_cursor"]})
    assert [t["id"] for t in rest["items"]] == [second["id"]] and rest["next_cursor"] is None
    damaged = client.get(f"{API}{path}/comments", params={"cursor": "nonsense"})
    assert damaged.status_code == 400
    assert damaged.json()["type"] == "/problems/invalid-cursor"


def test_a_reply_to_a_comment_of_another_record_is_refused(client: TestClient) -> None:
    world = make_world()
    one = make_commitment(world, reference="CYB-01")
    other = make_commitment(world, reference="CYB-02")
    comment = _post(client, f"/commitments/{one}", "Here.").json()
    response = _post(client, f"/commitments/{other}", "There.", reply_to=comment["id"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "reply_to"]


def test_bodies_have_documented_bounds(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    for body in ("", "   \n", "x" * 10_001):
        response = _post(client, path, body)
        assert response.status_code == 422, body
        assert response.json()["type"] == "/problems/validation-error"
    assert _post(client, path, "x" * 10_000).status_code == 201
    unknown = client.post(f"{API}{path}/comments", json={"body": "x", "colour": "red"})
    assert unknown.status_code == 422


def test_an_edit_keeps_the_previous_body_as_a_revision(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    comment = _post(client, path, "First words.").json()
    url = f"{API}/comments/{comment['id']}"
    assert client.patch(url, json={"body": "Second words."}).status_code == 428
    stale = client.patch(url, json={"body": "x"}, headers={"If-Match": '"stale-1"'})
    assert stale.status_code == 412
    star = client.patch(url, json={"body": "x"}, headers={"If-Match": "*"})
    assert star.status_code in (412, 428)
    edited = client.patch(
        url, json={"body": "Second words."}, headers={"If-Match": comment["etag"]}
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["body"] == "Second words."
    assert body["revision_count"] == 1 and body["edited_at"] is not None
    assert edited.headers["etag"] == body["etag"] != comment["etag"]
    again = client.patch(url, json={"body": "Third words."}, headers={"If-Match": body["etag"]})
    assert again.json()["revision_count"] == 2
    # The other party sees the shared comment's revisions too.
    nato = auth_headers("NATO", "viewer")
    revisions = client.get(f"{url}/revisions", headers=nato)
    assert revisions.status_code == 200, revisions.text
    assert [(r["number"], r["body"]) for r in revisions.json()["items"]] == [
        (1, "First words."),
        (2, "Second words."),
    ]
    # Nobody but the author edits it.
    other = auth_headers("JP", "admin", email="jp-admin-edit@test.example")
    refused = client.patch(
        url, json={"body": "Not mine."}, headers={**other, "If-Match": again.json()["etag"]}
    )
    assert refused.status_code == 403


def test_a_deleted_comment_keeps_its_replies_in_place(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    root = _post(client, path, "A question.").json()
    nato = auth_headers("NATO", "editor")
    reply = _post(client, path, "An answer.", reply_to=root["id"], headers=nato).json()
    lonely = _post(client, path, "Nobody answers this.").json()

    # The other party's editor may not delete Japan's comment; Japan's author may.
    refused = client.delete(
        f"{API}/comments/{root['id']}", headers={**nato, "If-Match": root["etag"]}
    )
    assert refused.status_code == 403
    assert client.delete(f"{API}/comments/{root['id']}").status_code == 428
    for comment in (root, lonely):
        deleted = client.delete(
            f"{API}/comments/{comment['id']}", headers={"If-Match": comment["etag"]}
        )
        assert deleted.status_code == 204

    page = _threads(client, path)
    assert page["count"] == 1
    (thread,) = page["items"]  # the thread without replies is gone
    assert thread["id"] == root["id"] and thread["deleted"] is True
    assert thread["body"] is None and thread["author_id"] is None
    assert [r["id"] for r in thread["replies"]] == [reply["id"]]
    assert client.get(f"{API}/comments/{root['id']}").status_code == 404
    with transaction(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_id == uuid.UUID(root["id"]))  # type: ignore[arg-type]
            .order_by(AuditEvent.seq)  # type: ignore[arg-type]
        ).all()
    assert list(actions) == ["create", "delete"]


def test_an_admin_of_the_authors_party_deletes_a_comment(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    comment = _post(client, path, "Posted in error.").json()
    nato_admin = auth_headers("NATO", "admin")
    refused = client.delete(
        f"{API}/comments/{comment['id']}", headers={**nato_admin, "If-Match": comment["etag"]}
    )
    assert refused.status_code == 403
    jp_admin = auth_headers("JP", "admin", email="jp-admin-delete@test.example")
    listed = _threads(client, path, headers=jp_admin)["items"][0]
    assert listed["allowed_actions"] == ["delete"]
    deleted = client.delete(
        f"{API}/comments/{comment['id']}", headers={**jp_admin, "If-Match": comment["etag"]}
    )
    assert deleted.status_code == 204


@pytest.mark.parametrize("status", ["terminated", "expired"])
def test_a_closed_plans_comments_are_read_but_not_written_409(
    client: TestClient, status: str
) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    comment = _post(client, path, "Before the end.").json()
    assert comment["allowed_actions"] == ["update", "delete"]
    assert _threads(client, path)["allowed_actions"] == ["comment"]
    if status == "terminated":
        record_as_operator(world.plan, status=PlanStatus.TERMINATED)
    else:
        record_as_operator(world.plan, approval_date=date(2000, 1, 1))
    url = f"{API}/comments/{comment['id']}"
    jp_admin = auth_headers("JP", "admin", email="jp-admin-closed@test.example")
    refusals = [
        _post(client, path, "After the end."),
        _post(client, path, "A late reply.", reply_to=comment["id"]),
        client.patch(url, json={"body": "Changed."}, headers={"If-Match": comment["etag"]}),
        client.delete(url, headers={"If-Match": comment["etag"]}),
        client.delete(url, headers={**jp_admin, "If-Match": comment["etag"]}),
    ]
    for refused in refusals:
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/plan-closed"
    # Reading stays, unchanged, and nothing offers what would be refused.
    page = _threads(client, path)
    assert page["allowed_actions"] == []
    assert [(c["body"], c["allowed_actions"]) for c in page["items"]] == [("Before the end.", [])]
    assert _threads(client, path, headers=jp_admin)["items"][0]["allowed_actions"] == []
    single = client.get(url).json()
    assert single["body"] == "Before the end." and single["allowed_actions"] == []
    assert client.get(f"{url}/revisions").json()["items"] == []


def test_an_internal_comment_does_not_exist_for_the_other_party(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    nato = auth_headers("NATO", "editor")
    shared = _post(client, path, "For both parties.").json()
    before = _threads(client, path, headers=nato)
    internal = _post(client, path, "Between us.", visibility="internal").json()
    assert internal["visibility"] == "internal"
    internal_reply = _post(
        client, path, "Also between us.", reply_to=shared["id"], visibility="internal"
    ).json()
    # A reply in an internal thread is internal whatever was asked.
    inner = _post(client, path, "Still internal.", reply_to=internal["id"]).json()
    assert inner["visibility"] == "internal"

    mine = _threads(client, path)
    assert mine["count"] == 4
    theirs = _threads(client, path, headers=nato)
    assert theirs == before  # nothing moved: items, replies, reply counts, count
    assert theirs["count"] == 1 and theirs["items"][0]["reply_count"] == 0

    unknown = uuid.uuid4()
    for hidden_id in (internal["id"], internal_reply["id"]):
        for suffix in ("", "/revisions"):
            hidden = client.get(f"{API}/comments/{hidden_id}{suffix}", headers=nato)
            missing = client.get(f"{API}/comments/{unknown}{suffix}", headers=nato)
            assert hidden.status_code == missing.status_code == 404
            assert hidden.json()["title"] == missing.json()["title"]
            assert hidden.json()["detail"].replace(hidden_id, "") == missing.json()[
                "detail"
            ].replace(str(unknown), "")
    for method in ("patch", "delete"):
        refused = client.request(
            method.upper(),
            f"{API}/comments/{internal['id']}",
            json={"body": "x"} if method == "patch" else None,
            headers={**nato, "If-Match": internal["etag"]},
        )
        assert refused.status_code == 404
    # Replying to it answers as replying to an unknown comment.
    as_hidden = _post(client, path, "Hm?", reply_to=internal["id"], headers=nato)
    as_unknown = _post(client, path, "Hm?", reply_to=str(unknown), headers=nato)
    assert as_hidden.status_code == as_unknown.status_code == 422
    # Its audit events, which the live channel relays, do not reach NATO.
    events = client.get(f"{API}/audit-events", headers=nato, params={"limit": 200}).json()
    ids = {event["entity_id"] for event in events["items"]}
    assert shared["id"] in ids
    assert not {internal["id"], internal_reply["id"], inner["id"]} & ids
    live = client.get(f"{API}/plans/{world.plan}/events", headers=nato).json()
    assert not {internal["id"], inner["id"]} & {e["entity_id"] for e in live["items"]}


def test_comments_on_an_internal_record_are_internal_and_hidden_with_it(
    client: TestClient,
) -> None:
    world = make_world()
    commitment = make_commitment(world, visibility="internal")
    path = f"/commitments/{commitment}"
    comment = _post(client, path, "Our own.", visibility="shared").json()
    assert comment["visibility"] == "internal"
    nato = auth_headers("NATO", "editor")
    assert client.get(f"{API}{path}/comments", headers=nato).status_code == 404
    assert client.get(f"{API}/comments/{comment['id']}", headers=nato).status_code == 404
    assert _post(client, path, "Hello?", headers=nato).status_code == 404


def test_viewers_read_but_do_not_post(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    viewer = auth_headers("JP", "viewer")
    assert _post(client, path, "May I?", headers=viewer).status_code == 403
    page = _threads(client, path, headers=viewer)
    assert page["count"] == 0 and page["allowed_actions"] == []
    assert _threads(client, path)["allowed_actions"] == ["comment"]


def test_every_kind_of_parent_takes_comments(client: TestClient) -> None:
    world = make_world()
    commitment = make_commitment(world, reference="CYB-01")
    exchange = make_exchange(world)
    amendment = make_amendment(world, [{"op": "change_term", "term_months": 30}])
    review = client.get(f"{API}/plans/{world.plan}/reviews").json()["items"][0]
    opened = client.post(f"{API}/reviews/{review['id']}/open")
    assert opened.status_code == 200, opened.text
    (item,) = [i for i in opened.json()["items"] if i["commitment"]["id"] == str(commitment)]
    for path, kind in (
        (f"/exchanges/{exchange}", "exchange"),
        (f"/amendments/{amendment}", "amendment"),
        (f"/reviews/{review['id']}", "review"),
        (f"/reviews/{review['id']}/items/{item['id']}", "review_item"),
    ):
        response = _post(client, path, "Noted.")
        assert response.status_code == 201, (path, response.text)
        assert response.json()["parent_type"] == kind
        assert _threads(client, path)["count"] == 1


def test_a_mention_notifies_the_mentioned_user_only(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    make_user("NATO", "editor", email="liaison@nato.test.example")  # display "NATO editor"
    make_user("NATO", "viewer", email="reader@nato.test.example")
    make_user("JP", "approver", email="yamada@jp.test.example")
    response = _post(
        client,
        path,
        "@liaison please confirm; cc @Yamada. Not a mention: someone@reader, @nobody.",
    )
    assert response.status_code == 201, response.text
    mentioned = {m["display_name"] for m in response.json()["mentions"]}
    assert mentioned == {"NATO editor", "JP approver"}
    assert _mentions() == [
        ("liaison@nato.test.example", "comment_mention"),
        ("yamada@jp.test.example", "comment_mention"),
    ]
    # An edit tells only the users it mentions for the first time.
    comment = response.json()
    edited = client.patch(
        f"{API}/comments/{comment['id']}",
        json={"body": "@liaison @yamada and now @reader too"},
        headers={"If-Match": comment["etag"]},
    )
    assert edited.status_code == 200, edited.text
    assert _mentions() == [
        ("liaison@nato.test.example", "comment_mention"),
        ("reader@nato.test.example", "comment_mention"),
        ("yamada@jp.test.example", "comment_mention"),
    ]
    with transaction(write=False) as session:
        payload = session.scalars(select(Notification.payload)).first()
    assert payload is not None
    assert "please confirm" not in str(payload)  # the words stay in the comment
    # The mail links the record the comment is on.
    assert payload["subject"]["on"] == {"type": "commitment", "id": path.split("/")[-1]}
    delivery = Delivery(
        notification_id=uuid.uuid4(),
        kind="comment_mention",
        payload=payload,
        message_id="<x@y>",
        created_at=utcnow(),
        recipient_email="liaison@nato.test.example",
        recipient_name="NATO editor",
        recipient_language="ja",
    )
    described = describe(delivery, language="ja", web_url="https://itpp.example")
    assert described.link == f"https://itpp.example{path}"
    assert "コメント" in described.subject


def test_an_internal_comment_never_mentions_the_other_party(client: TestClient) -> None:
    world = make_world()
    path = f"/commitments/{make_commitment(world)}"
    make_user("NATO", "editor", email="liaison@nato.test.example")
    make_user("JP", "approver", email="yamada@jp.test.example")
    response = _post(client, path, "@liaison @yamada between us", visibility="internal")
    assert response.status_code == 201, response.text
    # The other party's user stays plain text: not mentioned, not told.
    assert [m["display_name"] for m in response.json()["mentions"]] == ["JP approver"]
    assert _mentions() == [("yamada@jp.test.example", "comment_mention")]


def test_mention_names_are_unambiguous_and_the_author_is_never_told(
    client: TestClient,
) -> None:
    world: World = make_world()
    path = f"/commitments/{make_commitment(world)}"
    make_user("NATO", "editor", email="sato@nato.test.example")
    make_user("JP", "editor", email="sato@jp.test.example")
    response = _post(client, path, "@sato (which one?) and @default-jp-editor (me)")
    assert response.status_code == 201, response.text
    # Two users answer to "sato": left as text. The author is mentioned but not notified.
    assert [m["display_name"] for m in response.json()["mentions"]] == ["JP editor"]
    assert _mentions() == []


def test_a_renewal_of_an_expired_plan_takes_comments_and_files_while_it_awaits_decisions(
    client: TestClient,
) -> None:
    """An expired plan is read-only, but the one amendment it takes, its renewal, is discussed
    and documented while the parties decide it; another amendment left pending from before the
    plan expired, or the renewal once withdrawn, takes nothing more (409 plan-closed)."""
    world = make_world()
    commitment = make_commitment(world)
    stale = make_amendment(world, [{"op": "change_term", "term_months": 30}])
    record_as_operator(world.plan, approval_date=date(2000, 1, 1))
    renewal = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json={
            "title": {"en": "Renewal"},
            "rationale": {"en": "The term ran out."},
            "changes": [{"op": "renew", "reference": "NEXT-PLAN"}],
        },
    )
    assert renewal.status_code == 201, renewal.text
    path = f"/amendments/{renewal.json()['id']}"
    assert _threads(client, path)["allowed_actions"] == ["comment"]
    comment = _post(client, path, "The draft text of the next plan is attached.")
    assert comment.status_code == 201, comment.text
    assert comment.json()["allowed_actions"] == ["update", "delete"]
    files = client.get(f"{API}{path}/attachments").json()
    assert files["allowed_actions"] == ["attach"]
    attached = client.post(
        f"{API}{path}/attachments", files={"file": ("next-plan.txt", b"Draft", "text/plain")}
    )
    assert attached.status_code == 201, attached.text
    # The plan's own records stay closed, and so does the amendment left from before.
    closed = [
        _post(client, f"/commitments/{commitment}", "Late."),
        _post(client, f"/amendments/{stale}", "Late."),
    ]
    for refused in closed:
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"] == "/problems/plan-closed"
    assert _threads(client, f"/amendments/{stale}")["allowed_actions"] == []
    # Withdrawn, the renewal is closed with its plan.
    etag = client.get(f"{API}{path}").headers["etag"]
    withdrawn = client.post(f"{API}{path}/withdraw", headers={"If-Match": etag})
    assert withdrawn.status_code == 200, withdrawn.text
    late = _post(client, path, "After the withdrawal.")
    assert late.status_code == 409 and late.json()["type"] == "/problems/plan-closed"
    assert _threads(client, path)["allowed_actions"] == []
