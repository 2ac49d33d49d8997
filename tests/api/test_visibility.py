"""Internal records and other parties' plans do not exist for outsiders (issue 3, DESIGN.md §3).

In the JP–NATO plan, NATO keeps a commitment internal (visibility internal, lead party NATO:
NATO owns it) and Japan keeps one of its own. For the other party each is absent everywhere —
direct reads and writes (404), its milestones, its history, every list under every filter,
sort and page, and the audit log — while its owner sees it everywhere. The plan's versions
hold what the parties agreed, so no party's internal commitment is in them at all.
A plan between JP and AUS does not exist for NATO at all.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update
from sqlmodel import SQLModel, col

from itpp_api.auth.actor import Actor
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.commitments.schemas import CommitmentSort
from itpp_api.db import transaction
from itpp_api.enums import CommitmentStatus, Modality, PlanStatus, Visibility
from itpp_api.parties.models import Party
from itpp_api.plans.schemas import PlanCreate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from tests.conftest import Database
from tests.factories import (
    World,
    auth_headers,
    bring_into_force,
    commitment_body,
    make_commitment,
    make_world,
)

API = "/api/v1"
PROBLEM = "application/problem+json"

NATO_TITLE = {"en": "Covert harbour survey", "ja": "港湾秘密調査"}
NATO_MILESTONE_TITLE = {"en": "Survey vessel chartered", "ja": "調査船の傭船"}
NATO_LATER_MILESTONE_TITLE = {"en": "Second sounding run", "ja": "第二次測深"}
JP_TITLE = {"en": "Domestic budget request", "ja": "国内予算要求"}
JP_MILESTONE_TITLE = {"en": "Cabinet decision", "ja": "閣議決定"}


# --- the scene ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hidden:
    """An internal commitment: its ids and every text that would give it away."""

    commitment: uuid.UUID
    milestones: tuple[uuid.UUID, ...]
    reference: str
    texts: tuple[str, ...]

    @property
    def ids(self) -> set[str]:
        return {str(self.commitment), *(str(m) for m in self.milestones)}

    def traces(self) -> list[str]:
        return [*self.ids, self.reference, *self.texts]


@dataclass(frozen=True)
class Scene:
    world: World
    jp: dict[str, str]
    nato: dict[str, str]
    nato_user: uuid.UUID
    nato_internal: Hidden
    jp_internal: Hidden
    jp_shared: uuid.UUID
    nato_shared: uuid.UUID

    def visible_to_jp(self) -> set[str]:
        return {str(self.jp_shared), str(self.nato_shared), str(self.jp_internal.commitment)}

    def visible_to_nato(self) -> set[str]:
        return {str(self.jp_shared), str(self.nato_shared), str(self.nato_internal.commitment)}


def _milestones_of(commitment_id: uuid.UUID) -> list[uuid.UUID]:
    with transaction(write=False) as session:
        return list(
            session.scalars(
                select(col(Milestone.id))
                .where(col(Milestone.commitment_id) == commitment_id)
                .order_by(col(Milestone.position))
            )
        )


def _reference_of(commitment_id: uuid.UUID) -> str:
    with transaction(write=False) as session:
        commitment = session.get(Commitment, commitment_id)
        assert commitment is not None
        return commitment.reference


def build_scene(client: TestClient, *, status: PlanStatus = PlanStatus.ACTIVE) -> Scene:
    """The JP–NATO plan with shared and internal commitments of both parties.

    NATO's editor then works on its internal commitment through the API, so the audit log
    holds events by a user about it and its milestones.
    """
    world = make_world(status=status)
    jp_shared = make_commitment(world)
    nato_shared = make_commitment(
        world,
        title={"en": "Joint staff talks", "ja": "合同幕僚協議"},
        lead_party_id=world.nato,
        lead_organisation_id=world.shape,
    )
    jp_internal = make_commitment(
        world,
        title=JP_TITLE,
        visibility=Visibility.INTERNAL,
        milestones=[{"title": JP_MILESTONE_TITLE, "due_date": "2026-05-01"}],
    )
    nato_internal = make_commitment(
        world,
        priority_area_id=world.maritime,
        title=NATO_TITLE,
        modality=Modality.INFORMATION_SHARING,
        lead_party_id=world.nato,
        lead_organisation_id=world.shape,
        start_date="2026-02-01",
        due_date="2026-08-31",
        status=CommitmentStatus.IN_PROGRESS,
        progress=30,
        visibility=Visibility.INTERNAL,
        milestones=[{"title": NATO_MILESTONE_TITLE, "due_date": "2026-04-01"}],
    )
    with transaction(write=True) as session:
        # Health is set by reviews, which come later; the list filters on it already.
        session.execute(
            update(Commitment).where(col(Commitment.id) == nato_internal).values(health="at_risk")
        )
    jp = auth_headers("JP", "editor")
    nato = auth_headers("NATO", "editor")
    me = client.get(f"{API}/users/me", headers=nato)
    assert me.status_code == 200, me.text

    if status is PlanStatus.ACTIVE:
        url = f"{API}/commitments/{nato_internal}"
        etag = client.get(url, headers=nato).headers["etag"]
        changed = client.patch(url, json={"progress": 40}, headers={**nato, "If-Match": etag})
        assert changed.status_code == 200, changed.text
        added = client.post(
            f"{url}/milestones",
            json={"title": NATO_LATER_MILESTONE_TITLE, "due_date": "2026-07-01"},
            headers=nato,
        )
        assert added.status_code == 201, added.text
        first = _milestones_of(nato_internal)[0]
        milestone_url = f"{API}/milestones/{first}"
        etag = client.get(milestone_url, headers=nato).headers["etag"]
        done = client.patch(
            milestone_url, json={"done_on": "2026-03-28"}, headers={**nato, "If-Match": etag}
        )
        assert done.status_code == 200, done.text

    return Scene(
        world=world,
        jp=jp,
        nato=nato,
        nato_user=uuid.UUID(me.json()["id"]),
        nato_internal=Hidden(
            commitment=nato_internal,
            milestones=tuple(_milestones_of(nato_internal)),
            reference=_reference_of(nato_internal),
            texts=(
                *NATO_TITLE.values(),
                *NATO_MILESTONE_TITLE.values(),
                *NATO_LATER_MILESTONE_TITLE.values(),
            ),
        ),
        jp_internal=Hidden(
            commitment=jp_internal,
            milestones=tuple(_milestones_of(jp_internal)),
            reference=_reference_of(jp_internal),
            texts=(*JP_TITLE.values(), *JP_MILESTONE_TITLE.values()),
        ),
        jp_shared=jp_shared,
        nato_shared=nato_shared,
    )


# --- helpers ------------------------------------------------------------------------------


def assert_no_trace(
    response: Response, hidden: Hidden, what: str, *, echoed: str | None = None
) -> None:
    """Nothing in the response names the hidden commitment, its milestones or their texts.

    `echoed`: the id the caller sent, which a 404 may repeat back.
    """
    text = response.content.decode()
    leaked = [trace for trace in hidden.traces() if trace in text and trace != echoed]
    assert not leaked, f"{what} shows {leaked}"


def database_state(db: Database) -> dict[str, list[str]]:
    """Every row of every table (but a token's last-used time), in a stable order."""
    state: dict[str, list[str]] = {}
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if not (table.name == "access_token" and c.name == "last_used_at")
            ]
            rows = connection.execute(select(*columns)).all()
            state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def list_page(client: TestClient, scene: Scene, headers: dict[str, str], **params: Any) -> Response:
    response: Response = client.get(
        f"{API}/plans/{scene.world.plan}/commitments", params=params, headers=headers
    )
    assert response.status_code == 200, (params, response.text)
    return response


def walk(
    client: TestClient, url: str, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], list[Response]]:
    """Every item of a cursor-paginated list, and the pages."""
    items: list[dict[str, Any]] = []
    pages: list[Response] = []
    cursor: str | None = None
    while True:
        response = client.get(
            url, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert response.status_code == 200, response.text
        pages.append(response)
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert len(pages) < 100, "the walk does not end"


def filters_matching_the_nato_commitment(scene: Scene) -> dict[str, dict[str, Any]]:
    """Filters that each select NATO's internal commitment (NATO's list proves they do)."""
    world = scene.world
    return {
        "no filter": {},
        "its status": {"status": "in_progress"},
        "status in_progress or planned": {"status": ["in_progress", "planned"]},
        "its lead party code": {"lead_party": "NATO"},
        "its lead party id": {"lead_party": str(world.nato)},
        "its priority area code": {"priority_area": "3.1.2"},
        "its priority area id": {"priority_area": str(world.maritime)},
        "its modality": {"modality": "information_sharing"},
        "its health": {"health": "at_risk"},
        "due around its due date": {"due_after": "2026-08-30", "due_before": "2026-09-01"},
        "q: a word of its English title": {"q": "covert"},
        "q: its Japanese title": {"q": "港湾秘密"},
        "q: its reference": {"q": scene.nato_internal.reference},
        "everything at once": {
            "status": "in_progress",
            "lead_party": "NATO",
            "priority_area": "3.1.2",
            "modality": "information_sharing",
            "health": "at_risk",
            "q": "harbour",
        },
    }


# --- direct access ------------------------------------------------------------------------


def test_japan_gets_404_for_every_route_to_natos_internal_commitment_and_its_milestones(
    client: TestClient, db: Database
) -> None:
    scene = build_scene(client)
    hidden = scene.nato_internal
    commitment = f"{API}/commitments/{hidden.commitment}"
    milestone = f"{API}/milestones/{hidden.milestones[0]}"
    any_etag = {"If-Match": "*"}
    requests: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
        ("GET", commitment, None, {}),
        ("PATCH", commitment, {"progress": 90}, any_etag),
        ("PATCH", commitment, {"visibility": "shared"}, any_etag),
        ("DELETE", commitment, None, any_etag),
        ("GET", f"{commitment}/history", None, {}),
        ("GET", f"{commitment}/milestones", None, {}),
        ("POST", f"{commitment}/milestones", {"title": {"en": "Planted", "ja": "仕込み"}}, {}),
        ("GET", milestone, None, {}),
        ("PATCH", milestone, {"done_on": "2026-01-01"}, any_etag),
        ("DELETE", milestone, None, any_etag),
        ("GET", f"{milestone}/history", None, {}),
    ]
    before = database_state(db)
    for method, url, body, extra in requests:
        response = client.request(method, url, json=body, headers={**scene.jp, **extra})

        assert response.status_code == 404, (method, url, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        sent = str(hidden.milestones[0]) if "/milestones/" in url else str(hidden.commitment)
        assert_no_trace(response, hidden, f"{method} {url}", echoed=sent)
    assert database_state(db) == before


def test_the_404_is_the_same_as_for_a_record_that_never_existed(client: TestClient) -> None:
    scene = build_scene(client)
    for kind, real in (
        ("commitments", scene.nato_internal.commitment),
        ("milestones", scene.nato_internal.milestones[0]),
    ):
        absent = uuid.uuid4()
        hidden = client.get(f"{API}/{kind}/{real}", headers=scene.jp).json()
        missing = client.get(f"{API}/{kind}/{absent}", headers=scene.jp).json()

        assert hidden["type"] == missing["type"]
        assert hidden["title"] == missing["title"]
        assert hidden["detail"].replace(str(real), "ID") == missing["detail"].replace(
            str(absent), "ID"
        )


def test_nato_sees_its_internal_commitment_its_milestones_and_their_history(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    hidden = scene.nato_internal
    commitment = f"{API}/commitments/{hidden.commitment}"

    got = client.get(commitment, headers=scene.nato)
    assert got.status_code == 200, got.text
    assert got.json()["title"] == NATO_TITLE
    assert got.json()["visibility"] == "internal"
    milestones = client.get(f"{commitment}/milestones", headers=scene.nato)
    assert [m["id"] for m in milestones.json()["items"]] == [str(m) for m in hidden.milestones]
    history = client.get(f"{commitment}/history", headers=scene.nato)
    assert [e["action"] for e in history.json()["items"]] == ["update", "create"]
    for milestone_id in hidden.milestones:
        assert client.get(f"{API}/milestones/{milestone_id}", headers=scene.nato).status_code == 200
        events = client.get(f"{API}/milestones/{milestone_id}/history", headers=scene.nato)
        assert events.json()["items"], milestone_id


def test_each_party_sees_its_own_internal_commitment_and_not_the_others(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    for headers, own, other in (
        (scene.jp, scene.jp_internal, scene.nato_internal),
        (scene.nato, scene.nato_internal, scene.jp_internal),
    ):
        assert client.get(f"{API}/commitments/{own.commitment}", headers=headers).status_code == 200
        assert (
            client.get(f"{API}/commitments/{other.commitment}", headers=headers).status_code == 404
        )
        for milestone_id in other.milestones:
            response = client.get(f"{API}/milestones/{milestone_id}", headers=headers)
            assert response.status_code == 404


# --- lists, search and pagination ---------------------------------------------------------


def test_the_commitment_list_never_shows_it_to_japan_under_any_filter_or_sort(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    hidden = str(scene.nato_internal.commitment)
    for name, params in filters_matching_the_nato_commitment(scene).items():
        for sort in CommitmentSort:
            as_nato = list_page(client, scene, scene.nato, sort=sort.value, **params)
            assert hidden in {c["id"] for c in as_nato.json()["items"]}, (name, sort)

            as_japan = list_page(client, scene, scene.jp, sort=sort.value, **params)

            assert hidden not in {c["id"] for c in as_japan.json()["items"]}, (name, sort)
            assert_no_trace(as_japan, scene.nato_internal, f"the list ({name}, sort {sort})")


def test_a_search_or_filter_that_only_matches_it_finds_nothing_for_japan(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    only_it = {
        "q": "covert",
        "health": "at_risk",
        "priority_area": "3.1.2",
        "modality": "information_sharing",
    }
    # Nor is it counted: the total is the same zero as for a word found nowhere.
    for name, value in only_it.items():
        response = list_page(client, scene, scene.jp, **{name: value})
        assert response.json() == {"items": [], "next_cursor": None, "total": 0}, name


@pytest.mark.parametrize("sort", [s.value for s in CommitmentSort])
def test_walking_the_list_page_by_page_shows_each_party_exactly_what_it_may_see(
    client: TestClient, sort: str
) -> None:
    scene = build_scene(client)
    url = f"{API}/plans/{scene.world.plan}/commitments"
    for headers, visible, other in (
        (scene.jp, scene.visible_to_jp(), scene.nato_internal),
        (scene.nato, scene.visible_to_nato(), scene.jp_internal),
    ):
        items, pages = walk(client, url, headers, sort=sort, limit=1)

        assert sorted(c["id"] for c in items) == sorted(visible)
        # No empty last page: a hidden row must not even be counted.
        assert len(pages) == len(visible)
        for page in pages:
            assert_no_trace(page, other, f"a page sorted by {sort}")


# --- the audit log ------------------------------------------------------------------------


def test_the_audit_log_shows_japan_no_event_about_it_or_its_milestones(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    hidden = scene.nato_internal
    url = f"{API}/audit-events"

    events, pages = walk(client, url, scene.jp, limit=3)
    assert events, "Japan sees the plan's other events"
    assert not [e for e in events if e["entity_id"] in hidden.ids]
    for page in pages:
        assert_no_trace(page, hidden, "the audit log")

    narrowed: list[dict[str, Any]] = [
        *({"entity_id": i} for i in sorted(hidden.ids)),
        {"entity_type": "commitment", "entity_id": str(hidden.commitment)},
        {"entity_type": "milestone"},
        {"entity_type": "commitment"},
        {"plan_id": str(scene.world.plan)},
        {"actor_user_id": str(scene.nato_user)},
    ]
    for params in narrowed:
        response = client.get(url, params=params, headers=scene.jp)
        assert response.status_code == 200, response.text
        assert not [e for e in response.json()["items"] if e["entity_id"] in hidden.ids], params
        assert_no_trace(response, hidden, f"the audit log filtered by {params}")
    assert (
        client.get(url, params={"actor_user_id": str(scene.nato_user)}, headers=scene.jp).json()[
            "items"
        ]
        == []
    ), "every event of NATO's editor is about NATO's internal commitment"


def test_nato_finds_every_event_about_its_internal_commitment(client: TestClient) -> None:
    scene = build_scene(client)
    hidden = scene.nato_internal
    url = f"{API}/audit-events"

    about_it = client.get(url, params={"entity_id": str(hidden.commitment)}, headers=scene.nato)
    assert [e["action"] for e in about_it.json()["items"]] == ["update", "create"]
    milestone_events = client.get(url, params={"entity_type": "milestone"}, headers=scene.nato)
    assert {e["entity_id"] for e in milestone_events.json()["items"]} == {
        str(m) for m in hidden.milestones
    }
    by_its_editor = client.get(
        url, params={"actor_user_id": str(scene.nato_user)}, headers=scene.nato
    )
    assert len(by_its_editor.json()["items"]) == 3


def test_the_audit_log_shows_nato_no_event_about_japans_internal_commitment(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    events, pages = walk(client, f"{API}/audit-events", scene.nato, limit=3)
    assert not [e for e in events if e["entity_id"] in scene.jp_internal.ids]
    for page in pages:
        assert_no_trace(page, scene.jp_internal, "NATO's audit log")


# --- plan versions ------------------------------------------------------------------------


def test_a_plan_version_holds_the_shared_commitments_and_no_partys_internal_ones(
    client: TestClient,
) -> None:
    scene = build_scene(client, status=PlanStatus.DRAFT)
    bring_into_force(scene.world.plan)
    plan_url = f"{API}/plans/{scene.world.plan}"
    versions = client.get(f"{plan_url}/versions", headers=scene.jp).json()["items"]
    assert [v["number"] for v in versions] == [1]

    shown = {}
    for headers in (scene.jp, scene.nato):
        version = client.get(f"{plan_url}/versions/1", headers=headers)

        assert version.status_code == 200, version.text
        snapshot = version.json()["snapshot"]
        assert sorted(c["id"] for c in snapshot["commitments"]) == sorted(
            [str(scene.jp_shared), str(scene.nato_shared)]
        )
        assert_no_trace(version, scene.nato_internal, "the plan version")
        assert_no_trace(version, scene.jp_internal, "the plan version")
        shown[headers["Authorization"]] = snapshot
    # What the parties agreed reads the same for both, and holds no delivery.
    jp_view, nato_view = shown.values()
    assert jp_view == nato_view
    for commitment in jp_view["commitments"]:
        assert not {"status", "progress", "health", "milestones", "visibility"} & set(commitment)


# --- who may make a record internal -------------------------------------------------------


def test_japan_cannot_create_a_commitment_internal_to_nato(
    client: TestClient, db: Database
) -> None:
    scene = build_scene(client)
    body = commitment_body(
        scene.world,
        lead_party_id=str(scene.world.nato),
        lead_organisation_id=str(scene.world.shape),
        visibility="internal",
    )
    before = database_state(db)

    refused = client.post(
        f"{API}/plans/{scene.world.plan}/commitments", json=body, headers=scene.jp
    )

    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert database_state(db) == before
    # The same request is valid: NATO itself may make it.
    made = client.post(f"{API}/plans/{scene.world.plan}/commitments", json=body, headers=scene.nato)
    assert made.status_code == 201, made.text


def test_japan_cannot_make_a_nato_led_commitment_internal(client: TestClient, db: Database) -> None:
    # A draft: while the parties negotiate, the lead party may take its commitment back.
    scene = build_scene(client, status=PlanStatus.DRAFT)
    url = f"{API}/commitments/{scene.nato_shared}"
    etag = client.get(url, headers=scene.jp).headers["etag"]
    before = database_state(db)

    refused = client.patch(
        url, json={"visibility": "internal"}, headers={**scene.jp, "If-Match": etag}
    )

    assert refused.status_code == 403, refused.text
    assert database_state(db) == before
    assert client.get(url, headers=scene.jp).json()["visibility"] == "shared"
    made = client.patch(
        url, json={"visibility": "internal"}, headers={**scene.nato, "If-Match": etag}
    )
    assert made.status_code == 200, made.text
    assert client.get(url, headers=scene.jp).status_code == 404


def test_japan_may_make_its_own_commitment_of_a_draft_internal_and_nato_then_loses_sight_of_it(
    client: TestClient,
) -> None:
    scene = build_scene(client, status=PlanStatus.DRAFT)
    url = f"{API}/commitments/{scene.jp_shared}"
    etag = client.get(url, headers=scene.jp).headers["etag"]

    made = client.patch(
        url, json={"visibility": "internal"}, headers={**scene.jp, "If-Match": etag}
    )

    assert made.status_code == 200, made.text
    assert client.get(url, headers=scene.nato).status_code == 404
    listed = list_page(client, scene, scene.nato).json()["items"]
    assert str(scene.jp_shared) not in {c["id"] for c in listed}


def test_a_shared_commitment_of_a_plan_in_force_leaves_the_agreement_only_by_amendment(
    client: TestClient, db: Database
) -> None:
    scene = build_scene(client)
    for headers, own, other in (
        (scene.jp, scene.jp_shared, scene.nato),
        (scene.nato, scene.nato_shared, scene.jp),
    ):
        url = f"{API}/commitments/{own}"
        etag = client.get(url, headers=headers).headers["etag"]
        before = database_state(db)

        refused = client.patch(
            url, json={"visibility": "internal"}, headers={**headers, "If-Match": etag}
        )

        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"] == "/problems/amendment-required"
        assert problem["agreed_fields"] == ["visibility"]
        assert problem["proposal"]["changes"] == [
            {"op": "retire_commitment", "commitment_id": str(own)}
        ]
        assert database_state(db) == before
        # The other party still sees what it agreed to.
        assert client.get(url, headers=other).json()["visibility"] == "shared"


# --- a plan of other parties --------------------------------------------------------------


@dataclass(frozen=True)
class OtherPlan:
    plan: uuid.UUID
    area: uuid.UUID
    commitment: uuid.UUID


def make_jp_aus_plan(client: TestClient, world: World, jp: dict[str, str]) -> OtherPlan:
    """A plan between JP and AUS, with an area and a commitment JP's editor adds via the API."""
    with transaction(write=True) as session:
        aus = Party(code="AUS", name={"en": "Australia"})
        session.add(aus)
        session.flush()
        plan = create_plan(
            session=session,
            actor=Actor.system(),
            data=PlanCreate(
                reference="JP-AUS-PLAN",
                title={"en": "Japan–Australia plan", "ja": "日豪計画"},
                party_ids=[world.japan, aus.id],
            ),
        )
        area = create_area(
            session=session,
            actor=Actor.system(),
            plan=plan,
            data=PriorityAreaCreate(code="1.1", short_code="SEA", title={"en": "Sea lanes"}),
        )
        plan_id, area_id = plan.id, area.id
    created = client.post(
        f"{API}/plans/{plan_id}/commitments",
        json={
            "priority_area_id": str(area_id),
            "title": {"en": "Port visit", "ja": "寄港"},
            "modality": "other",
            "lead_party_id": str(world.japan),
        },
        headers=jp,
    )
    assert created.status_code == 201, created.text
    return OtherPlan(plan=plan_id, area=area_id, commitment=uuid.UUID(created.json()["id"]))


def test_a_plan_between_japan_and_australia_does_not_exist_for_nato(
    client: TestClient, db: Database
) -> None:
    scene = build_scene(client)
    other = make_jp_aus_plan(client, scene.world, scene.jp)
    plan = f"{API}/plans/{other.plan}"
    routes = [
        plan,
        f"{plan}/priority-areas",
        f"{plan}/commitments",
        f"{plan}/versions",
        f"{plan}/history",
        f"{API}/priority-areas/{other.area}",
        f"{API}/priority-areas/{other.area}/history",
        f"{API}/commitments/{other.commitment}",
        f"{API}/commitments/{other.commitment}/history",
    ]
    for url in routes:
        assert client.get(url, headers=scene.jp).status_code == 200, url
        response = client.get(url, headers=scene.nato)
        assert response.status_code == 404, (url, response.text)
        assert "JP-AUS-PLAN" not in response.text

    before = database_state(db)
    etag = client.get(plan, headers=scene.jp).headers["etag"]
    refused = client.patch(
        plan, json={"title": {"en": "Taken over"}}, headers={**scene.nato, "If-Match": etag}
    )
    assert refused.status_code == 404, refused.text
    assert database_state(db) == before

    plans = [p["id"] for p in walk(client, f"{API}/plans", scene.nato)[0]]
    assert plans == [str(scene.world.plan)]
    assert str(other.plan) in [p["id"] for p in walk(client, f"{API}/plans", scene.jp)[0]]


def test_events_of_a_plan_between_japan_and_australia_are_absent_from_natos_audit_log(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    other = make_jp_aus_plan(client, scene.world, scene.jp)
    url = f"{API}/audit-events"
    of_other_plan = {str(other.plan), str(other.area), str(other.commitment)}

    jp_events = client.get(url, params={"plan_id": str(other.plan)}, headers=scene.jp).json()
    assert {e["entity_id"] for e in jp_events["items"]} == of_other_plan

    events, pages = walk(client, url, scene.nato, limit=5)
    assert events, "NATO sees the events of its own plan"
    assert not [e for e in events if e["plan_id"] == str(other.plan)]
    assert not [e for e in events if e["entity_id"] in of_other_plan]
    for page in pages:
        assert "JP-AUS-PLAN" not in page.text
    for params in (
        {"plan_id": str(other.plan)},
        {"entity_id": str(other.plan)},
        {"entity_id": str(other.commitment)},
        {"entity_type": "plan"},
    ):
        response = client.get(url, params=params, headers=scene.nato)
        assert response.status_code == 200, response.text
        assert not [e for e in response.json()["items"] if e["plan_id"] == str(other.plan)]


def test_plans_listed_to_nato_are_counted_without_the_plan_it_is_not_party_to(
    client: TestClient,
) -> None:
    scene = build_scene(client)
    other = make_jp_aus_plan(client, scene.world, scene.jp)
    # Page by page, a plan NATO may not see leaves no empty page behind either.
    items, pages = walk(client, f"{API}/plans", scene.nato, limit=1)
    assert [p["id"] for p in items] == [str(scene.world.plan)]
    assert len(pages) == 1
    jp_items, _ = walk(client, f"{API}/plans", scene.jp, limit=1)
    assert sorted(p["id"] for p in jp_items) == sorted([str(scene.world.plan), str(other.plan)])


@pytest.mark.parametrize(
    ("status", "taken_over", "handed_over"),
    # On a draft only the lead party hands a commitment over. On a plan in force the lead
    # party changes only by amendment: either party may propose it, every party must approve.
    [(PlanStatus.DRAFT, 403, 200), (PlanStatus.ACTIVE, 409, 409)],
)
def test_an_editor_cannot_take_over_the_other_partys_commitment_to_hide_it(
    client: TestClient, db: Database, status: PlanStatus, taken_over: int, handed_over: int
) -> None:
    world = make_world(status=status)
    nato_led = make_commitment(world, lead_party_id=world.nato, lead_organisation_id=world.shape)
    url = f"/api/v1/commitments/{nato_led}"
    etag = client.get(url).headers["etag"]
    before = database_state(db)

    response = client.patch(
        url,
        json={"lead_party_id": str(world.japan), "lead_organisation_id": None},
        headers={"If-Match": etag},
    )

    assert response.status_code == taken_over, response.text
    assert database_state(db) == before
    assert client.get(url).json()["lead_party_id"] == str(world.nato)
    nato = auth_headers("NATO", "editor")
    response = client.patch(
        url,
        json={"lead_party_id": str(world.japan), "lead_organisation_id": None},
        headers={"If-Match": etag, **nato},
    )
    assert response.status_code == handed_over, response.text
