"""Signed webhooks (issue 17, item 4): a party's admins register endpoints; every event its
party hears of is queued in the transaction of its cause and POSTed by the worker, signed the
Standard Webhooks way (verified here with that project's own library), retried, recorded and
replayable; the secret is shown once; another party never sees an endpoint; no endpoint may
make the server reach a private address."""

import base64
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.notifications.models import Notification
from itpp_api.webhooks import delivery as webhook_delivery
from itpp_api.webhooks import signing
from itpp_api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Database
from tests.factories import World, actor_of, make_amendment, make_user, make_world, token_for

API = "/api/v1"
PROBLEM = "application/problem+json"


# --- a real HTTP receiver on loopback -------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers the next status queued
    (204 when none is)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                state.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.statuses.pop(0) if state.statuses else 204
            answer = b"receiver is down for maintenance" if status >= 400 else b""
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tests' receiver is on loopback: the one host webhooks may reach over http."""
    monkeypatch.setenv("ITPP_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# --- helpers --------------------------------------------------------------------------------


def bearer(user: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


@dataclass(frozen=True)
class Admins:
    world: World
    jp: dict[str, str]
    nato: dict[str, str]


def admins() -> Admins:
    world = make_world()
    return Admins(
        world=world,
        jp=bearer(make_user("JP", "admin", email="jp-admin@test.example")),
        nato=bearer(make_user("NATO", "admin", email="nato-admin@test.example")),
    )


def register(
    client: TestClient, headers: dict[str, str], url: str, kinds: list[str] | None = None
) -> dict[str, Any]:
    response = client.post(
        f"{API}/webhook-endpoints",
        headers=headers,
        json={
            "url": url,
            "event_kinds": kinds or ["amendment_proposed", "amendment_decided"],
            "description": "Cabinet office workflow",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def propose(world: World) -> uuid.UUID:
    """Japan's editor proposes an amendment: every party of the plan hears of it."""
    editor = make_user("JP", "editor", email="jp-proposer@test.example")
    return make_amendment(world, [{"op": "change_term", "term_months": 30}], actor=actor_of(editor))


def deliver(**options: Any) -> int:
    return webhook_delivery.deliver_due(settings=get_settings(), **options)


def deliveries() -> list[WebhookDelivery]:
    with transaction(write=False) as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def verified(secret: str, request: Received) -> Any:
    """The body of a request whose signature the Standard Webhooks library accepts."""
    return Webhook(secret).verify(request.body, request.headers)


# --- registration ---------------------------------------------------------------------------


def test_the_secret_is_shown_at_creation_and_rotation_and_never_again(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    created = client.post(
        f"{API}/webhook-endpoints",
        headers=people.jp,
        json={"url": receiver.url + "/itpp", "event_kinds": ["review_opened"]},
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    endpoint = created.json()
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    assert endpoint["party_id"] == str(people.world.japan)
    assert created.headers["location"] == f"{API}/webhook-endpoints/{endpoint['id']}"

    shown = [
        client.get(f"{API}/webhook-endpoints/{endpoint['id']}", headers=people.jp),
        client.get(f"{API}/webhook-endpoints", headers=people.jp),
        client.get(f"{API}/audit-events", headers=people.jp),
    ]
    for response in shown:
        assert response.status_code == 200, response.text
        assert secret not in response.text and secret[6:] not in response.text
        assert '"secret"' not in response.text

    rotated = client.post(f"{API}/webhook-endpoints/{endpoint['id']}/secret", headers=people.jp)
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret
    again = client.get(f"{API}/webhook-endpoints/{endpoint['id']}", headers=people.jp)
    assert new_secret not in again.text and "secret" not in again.json()


def test_an_admin_changes_disables_and_deletes_an_endpoint(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    path = f"{API}/webhook-endpoints/{endpoint['id']}"

    missing = client.patch(path, headers=people.jp, json={"is_enabled": False})
    assert missing.status_code == 428
    changed = client.patch(
        path,
        headers={**people.jp, "If-Match": endpoint["etag"]},
        json={
            "is_enabled": False,
            "event_kinds": ["review_signed", "review_opened", "review_signed"],
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["is_enabled"] is False
    assert changed.json()["event_kinds"] == ["review_opened", "review_signed"]
    stale = client.delete(path, headers={**people.jp, "If-Match": endpoint["etag"]})
    assert stale.status_code == 412

    deleted = client.delete(path, headers={**people.jp, "If-Match": changed.json()["etag"]})
    assert deleted.status_code == 204
    assert client.get(path, headers=people.jp).status_code == 404
    assert client.get(f"{API}/webhook-endpoints", headers=people.jp).json()["items"] == []


def test_only_admins_manage_webhooks(client: TestClient, db: Database, receiver: Receiver) -> None:
    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    editor = bearer(make_user("JP", "editor", email="jp-editor@test.example"))
    for method, path in [
        ("GET", "/webhook-endpoints"),
        ("GET", f"/webhook-endpoints/{endpoint['id']}"),
        ("POST", f"/webhook-endpoints/{endpoint['id']}/secret"),
        ("GET", f"/webhook-endpoints/{endpoint['id']}/deliveries"),
    ]:
        response = client.request(method, API + path, headers=editor)
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    refused = client.post(
        f"{API}/webhook-endpoints",
        headers=editor,
        json={"url": receiver.url, "event_kinds": ["review_opened"]},
    )
    assert refused.status_code == 403


def test_another_party_can_neither_see_nor_use_an_endpoint(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    propose(people.world)
    deliver()
    delivery = deliveries()[0]
    assert delivery.endpoint_id == uuid.UUID(endpoint["id"])
    with transaction(write=False) as session:
        before = [
            repr(row)
            for model in (WebhookEndpoint, WebhookDelivery)
            for row in session.scalars(select(model))
        ]

    base = f"{API}/webhook-endpoints/{endpoint['id']}"
    nato = people.nato
    answers = [
        client.get(base, headers=nato),
        client.patch(base, headers={**nato, "If-Match": endpoint["etag"]}, json={"url": "x"}),
        client.delete(base, headers={**nato, "If-Match": endpoint["etag"]}),
        client.post(f"{base}/secret", headers=nato),
        client.get(f"{base}/deliveries", headers=nato),
        client.get(f"{base}/deliveries/{delivery.id}", headers=nato),
        client.post(f"{base}/deliveries/{delivery.id}/replay", headers=nato),
    ]
    for answer in answers:
        assert answer.status_code == 404, (answer.request.url, answer.text)
        assert answer.headers["content-type"].startswith(PROBLEM)
        assert receiver.url not in answer.text
    listed = client.get(f"{API}/webhook-endpoints", headers=nato)
    assert listed.json()["items"] == []
    events = client.get(f"{API}/audit-events", headers=nato).json()["items"]
    assert [e for e in events if e["entity_type"] == "webhook_endpoint"] == []
    with transaction(write=False) as session:
        after = [
            repr(row)
            for model in (WebhookEndpoint, WebhookDelivery)
            for row in session.scalars(select(model))
        ]
    assert after == before


# --- SSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/itpp",  # plain http to a host not allowed
        "https://127.0.0.2/itpp",
        "https://10.1.2.3/itpp",
        "https://192.168.0.10/itpp",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/itpp",
        "https://[::ffff:10.0.0.1]/itpp",
        "https://2130706433/itpp",  # 127.0.0.1, as a resolver reads it
        "https://localhost/itpp",
        "https://metadata.internal/itpp",
        "https://intranet/itpp",
        "https://user:password@hooks.example.org/itpp",
        "ftp://hooks.example.org/itpp",
        "https://hooks.example.org:99999/itpp",
        "hooks.example.org/itpp",
    ],
)
def test_an_endpoint_that_would_reach_inside_the_network_is_refused(
    client: TestClient, db: Database, url: str
) -> None:
    people = admins()
    refused = client.post(
        f"{API}/webhook-endpoints",
        headers=people.jp,
        json={"url": url, "event_kinds": ["review_opened"]},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["errors"][0]["loc"] == ["body", "url"]
    with transaction(write=False) as session:
        assert session.scalars(select(WebhookEndpoint)).first() is None


def test_a_public_https_url_is_accepted(client: TestClient, db: Database) -> None:
    people = admins()
    endpoint = register(client, people.jp, "https://hooks.example.org/itpp?source=itpp")
    assert endpoint["url"] == "https://hooks.example.org/itpp?source=itpp"


def test_a_name_that_resolves_to_a_private_address_is_given_up_at_delivery(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = admins()
    register(client, people.jp, "https://rebound.example.org/itpp")
    propose(people.world)

    def private(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert host == "rebound.example.org"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", private)

    assert deliver() == 1
    [delivery] = deliveries()
    assert delivery.delivered_at is None
    assert delivery.attempts == get_settings().worker_max_attempts  # given up at once
    assert delivery.last_error is not None and "10.0.0.5" in delivery.last_error
    assert deliver() == 0


# --- deliveries -------------------------------------------------------------------------------


def test_an_event_reaches_every_party_that_hears_of_it_signed_and_recorded(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    jp = register(client, people.jp, receiver.url + "/jp")
    nato = register(client, people.nato, receiver.url + "/nato")
    register(client, people.nato, receiver.url + "/reviews-only", kinds=["review_opened"])
    disabled = register(client, people.jp, receiver.url + "/disabled")
    client.patch(
        f"{API}/webhook-endpoints/{disabled['id']}",
        headers={**people.jp, "If-Match": disabled["etag"]},
        json={"is_enabled": False},
    )
    make_user("NATO", "approver", email="nato-approver@test.example")  # gets the mail
    amendment = propose(people.world)

    assert deliver() == 2
    secrets = {"/jp": jp["secret"], "/nato": nato["secret"]}
    assert sorted(r.path for r in receiver.requests) == ["/jp", "/nato"]
    with transaction(write=False) as session:
        mail = session.scalars(select(Notification)).first()
    assert mail is not None
    for request in receiver.requests:
        body = verified(secrets[request.path], request)
        assert body["type"] == "amendment_proposed"
        assert body["data"] == mail.payload  # the mail's shared payload, nothing more
        assert body["data"]["subject"]["id"] == str(amendment)
        assert request.headers["content-type"] == "application/json"
        # Signed with the endpoint's own secret only.
        other = secrets["/nato" if request.path == "/jp" else "/jp"]
        with pytest.raises(WebhookVerificationError):
            verified(other, request)

    page = client.get(f"{API}/webhook-endpoints/{jp['id']}/deliveries", headers=people.jp)
    assert page.status_code == 200, page.text
    [record] = page.json()["items"]
    jp_request = next(r for r in receiver.requests if r.path == "/jp")
    assert record["webhook_id"] == jp_request.headers["webhook-id"]
    assert record["status"] == "delivered"
    assert record["attempts"] == 1
    assert record["last_status_code"] == 204
    assert record["delivered_at"] is not None and record["last_error"] is None
    assert record["payload"]["data"] == mail.payload
    one = client.get(
        f"{API}/webhook-endpoints/{jp['id']}/deliveries/{record['id']}", headers=people.jp
    )
    assert one.json() == record


def test_a_decision_is_sent_to_the_other_partys_endpoints_only(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    jp = register(client, people.jp, receiver.url + "/jp")
    register(client, people.nato, receiver.url + "/nato")
    amendment = propose(people.world)
    deliver()
    receiver.requests.clear()

    nato_approver = make_user("NATO", "approver", email="nato-approver@test.example")
    decided = client.post(
        f"{API}/amendments/{amendment}/approvals",
        json={"decision": "reject"},
        headers=bearer(nato_approver),
    )
    assert decided.status_code == 200, decided.text
    assert deliver() == 1
    [request] = receiver.requests
    assert request.path == "/jp"
    body = verified(jp["secret"], request)
    assert body["type"] == "amendment_decided"
    assert body["data"]["decision"] == "reject" and body["data"]["actor_party"] == "NATO"


def test_a_failed_delivery_is_retried_after_the_back_off_with_the_same_webhook_id(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    propose(people.world)
    receiver.statuses = [500]
    now = utcnow()

    assert deliver(clock=lambda: now) == 1
    [failed] = deliveries()
    assert failed.delivered_at is None and failed.attempts == 1
    assert failed.last_status_code == 500
    assert failed.last_error == "HTTP 500: receiver is down for maintenance"
    retry_at = now + timedelta(seconds=get_settings().worker_retry_seconds)
    assert abs((failed.next_attempt_at - retry_at).total_seconds()) < 1
    assert deliver(clock=lambda: now) == 0  # not before the back-off

    later = retry_at + timedelta(seconds=1)
    assert deliver(clock=lambda: later) == 1
    [delivered] = deliveries()
    assert delivered.delivered_at is not None and delivered.attempts == 2
    assert delivered.last_status_code == 204 and delivered.last_error is None
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    verified(endpoint["secret"], second)


def test_an_unreachable_receiver_is_retried(client: TestClient, db: Database) -> None:
    people = admins()
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    register(client, people.jp, f"http://127.0.0.1:{port}/itpp")
    propose(people.world)

    assert deliver() == 1
    [delivery] = deliveries()
    assert delivery.delivered_at is None and delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error is not None and delivery.last_error.startswith("ConnectError")
    assert delivery.next_attempt_at > utcnow()


def test_a_replay_sends_the_delivery_again_with_the_same_webhook_id(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    propose(people.world)
    deliver()
    [delivery] = deliveries()

    replayed = client.post(
        f"{API}/webhook-endpoints/{endpoint['id']}/deliveries/{delivery.id}/replay",
        headers=people.jp,
    )
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["status"] == "pending" and replayed.json()["replayed_at"]

    assert deliver() == 1
    first, again = receiver.requests
    assert again.headers["webhook-id"] == first.headers["webhook-id"] == f"msg_{delivery.id.hex}"
    assert verified(endpoint["secret"], again) == verified(endpoint["secret"], first)
    [record] = deliveries()
    assert record.delivered_at is not None and record.replayed_at is not None


def test_a_rolled_back_change_queues_no_delivery(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    register(client, people.jp, receiver.url)

    class Abandoned(Exception):
        pass

    from itpp_api.amendments.schemas import AmendmentCreate
    from itpp_api.amendments.service import propose as propose_amendment
    from itpp_api.plans.service import get_plan
    from tests.factories import SYSTEM

    data = AmendmentCreate.model_validate(
        {
            "title": {"en": "Never"},
            "rationale": {"en": "Rolled back."},
            "changes": [{"op": "change_term", "term_months": 30}],
        }
    )
    with pytest.raises(Abandoned), transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=people.world.plan, actor=SYSTEM, for_update=True)
        propose_amendment(session=session, actor=SYSTEM, plan=plan, data=data)
        assert session.scalars(select(WebhookDelivery)).first() is not None  # queued ...
        raise Abandoned
    assert deliveries() == []  # ... and gone with the change
    assert deliver() == 0 and receiver.requests == []


def test_a_delivery_waits_while_its_endpoint_is_disabled(
    client: TestClient, db: Database, receiver: Receiver
) -> None:
    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    propose(people.world)
    path = f"{API}/webhook-endpoints/{endpoint['id']}"
    off = client.patch(
        path, headers={**people.jp, "If-Match": endpoint["etag"]}, json={"is_enabled": False}
    )
    assert deliver() == 0 and receiver.requests == []
    client.patch(
        path, headers={**people.jp, "If-Match": off.json()["etag"]}, json={"is_enabled": True}
    )
    assert deliver() == 1 and len(receiver.requests) == 1


def test_the_signature_is_the_standard_webhooks_one() -> None:
    secret = signing.new_secret()
    body = b'{"type":"review_opened"}'
    ours = signing.signature(secret=secret, webhook_id="msg_1", timestamp=1_800_000_000, body=body)
    from datetime import UTC, datetime

    theirs = Webhook(secret).sign("msg_1", datetime.fromtimestamp(1_800_000_000, UTC), body)
    assert ours == theirs


def test_a_public_host_is_connected_to_at_the_address_that_was_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The connection goes to the address the check saw (a second resolution could answer a
    private one); the host name still names the site in Host, SNI and the certificate check."""
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.32.7", port))
        ],
    )
    attempt = webhook_delivery.Attempt(
        delivery_id=uuid.uuid4(),
        url="https://hooks.example.org:8443/itpp?x=1",
        secret=signing.new_secret(),
        body=b"{}",
    )
    request = webhook_delivery.build_request(attempt, settings=get_settings(), now=utcnow())
    assert str(request.url) == "https://192.0.32.7:8443/itpp?x=1"
    assert request.headers["host"] == "hooks.example.org:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.org"
    assert request.headers["webhook-id"] == f"msg_{attempt.delivery_id.hex}"


def test_the_worker_loop_sends_mails_and_webhooks_alike(
    client: TestClient, db: Database, receiver: Receiver, tmp_path: Any
) -> None:
    """`itpp worker`'s one loop (notifications.worker.run) delivers both outboxes."""
    from itpp_api.notifications.transports import FileTransport
    from itpp_api.notifications.worker import run

    people = admins()
    endpoint = register(client, people.jp, receiver.url)
    make_user("NATO", "approver", email="nato-approver@test.example")
    propose(people.world)
    mail = tmp_path / "mail"
    stop = threading.Event()
    settings = get_settings().model_copy(update={"worker_poll_seconds": 0.05})
    worker = threading.Thread(
        target=run, kwargs={"transport": FileTransport(mail), "settings": settings, "stop": stop}
    )
    worker.start()
    try:
        # Waits for an outcome, not for a time: generous, and over as soon as both arrived.
        for _ in range(1200):
            if receiver.requests and list(mail.glob("*.eml")):
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(30)
    assert list(mail.glob("*.eml")), "no mail"
    [request] = receiver.requests
    assert verified(endpoint["secret"], request)["type"] == "amendment_proposed"
    assert deliveries()[0].delivered_at is not None
