"""A Python client generated from the committed OpenAPI document works against a live API.

openapi-python-client generates the package into a temporary directory (any warning fails
the test: a warning means part of the contract was dropped from the client); the test imports
it from there and signs in, lists, proposes (from the change set a refusal carries), creates and
updates (with If-Match) a commitment, and reads
problem+json errors, all through the generated code.
"""

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from itpp_api.auth.totp import current_code
from itpp_api.clock import today
from itpp_api.enums import Role
from itpp_api.sample.users import read_logins, sample_email
from tests.contract.conftest import SNAPSHOT, running_api, sample_database

PACKAGE = "itpp_client"


def generate_client(directory: Path) -> Path:
    """Generate the client package into `directory`; fail on any warning of the generator."""
    bin_dir = str(Path(sys.executable).parent)  # the generator formats its output with ruff
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(SNAPSHOT),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
            "--fail-on-warning",
        ],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    # The generator prints one line when all is well; anything else is a warning.
    assert output.splitlines() == [f"Generating {directory / PACKAGE}"], output
    return directory / PACKAGE


@pytest.fixture
def client_package(tmp_path: Path) -> Iterator[dict[str, ModuleType]]:
    """The generated package, importable from its temporary directory."""
    generate_client(tmp_path / "client")
    sys.path.insert(0, str(tmp_path / "client"))
    try:
        modules = {
            name: importlib.import_module(f"{PACKAGE}.{name}")
            for name in (
                "client",
                "models",
                "types",
                "api.authentication.create_token",
                "api.plans.list_plans",
                "api.parties.list_parties",
                "api.priority_areas.list_priority_areas",
                "api.commitments.list_commitments",
                "api.commitments.create_commitment",
                "api.commitments.get_commitment",
                "api.commitments.update_commitment",
                "api.amendments.propose_amendment",
                "api.amendments.decide_amendment",
                "api.plans.create_plan",
                "api.priority_areas.create_priority_area",
                "api.reviews.list_plan_reviews",
                "api.reviews.open_review",
                "api.reviews.get_review",
                "api.reviews.put_review_assessment",
                "api.reviews.update_review_item",
                "api.reviews.update_review",
                "api.reviews.sign_off_review",
                "api.reviews.conclude_review",
                "api.versions.list_plan_versions",
            )
        }
        yield modules
    finally:
        sys.path.remove(str(tmp_path / "client"))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_generated_client_signs_in_lists_creates_updates_and_reads_problems(
    client_package: dict[str, ModuleType], tmp_path: Path
) -> None:
    generated = client_package
    models: Any = generated["models"]
    with (
        sample_database("postgresql", tmp_path) as database_url,
        running_api(database_url, tmp_path) as api,
    ):
        editor = next(
            login for login in read_logins() if login.email == sample_email("JP", Role.EDITOR)
        )
        anonymous = generated["client"].Client(base_url=api.base_url)

        # Sign in (an OAuth2 password form) ...
        signed_in = generated["api.authentication.create_token"].sync_detailed(
            client=anonymous,
            body=models.TokenRequest(
                grant_type="password", username=editor.email, password=editor.password
            ),
        )
        assert signed_in.status_code == 200, signed_in.content
        token = signed_in.parsed
        assert isinstance(token, models.TokenResponse)
        assert token.scope == models.TokenScope.READ_WRITE

        # ... and a wrong password is a typed problem.
        refused = generated["api.authentication.create_token"].sync_detailed(
            client=anonymous,
            body=models.TokenRequest(
                grant_type="password", username=editor.email, password="not the password"
            ),
        )
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.Problem)
        assert refused.parsed.type_ == "/problems/invalid-credentials"
        assert refused.headers["WWW-Authenticate"] == "Bearer"

        client = generated["client"].AuthenticatedClient(
            base_url=api.base_url, token=token.access_token
        )

        # Find the sample plan, its cyber defence area and Japan.
        plans = generated["api.plans.list_plans"].sync(client=client)
        assert isinstance(plans, models.PlanPage)
        plan = next(p for p in plans.items if p.reference == "JP-NATO-ITPP")
        areas = generated["api.priority_areas.list_priority_areas"].sync(
            plan_id=plan.id, client=client
        )
        assert isinstance(areas, models.PriorityAreaList)
        area = next(a for a in areas.items if a.code == "3.1.1")
        parties = generated["api.parties.list_parties"].sync(client=client)
        assert isinstance(parties, models.PartyList)
        japan = next(p for p in parties.items if p.code == "JP")

        # List commitments: a filtered, typed page.
        page = generated["api.commitments.list_commitments"].sync(
            plan_id=plan.id,
            client=client,
            priority_area=[area.code],
            sort=models.CommitmentSort.REFERENCE,  # named members: also DUE_DATE_DESC
            limit=2,
        )
        assert isinstance(page, models.CommitmentPage)
        assert models.CommitmentSort.DUE_DATE_DESC == "-due_date"
        assert len(page.items) == 2
        assert all(isinstance(item, models.CommitmentPublic) for item in page.items)
        assert [item.reference[:4] for item in page.items] == ["CYB-", "CYB-"]
        assert isinstance(page.next_cursor, str)

        # A shared commitment on the plan in force needs both parties' consent: a typed 409
        # problem carries the change set, which the generated client posts as an amendment.
        title = models.LocalizedText.from_dict({"ja": "生成クライアント", "en": "Generated client"})
        refused = generated["api.commitments.create_commitment"].sync_detailed(
            plan_id=plan.id,
            client=client,
            body=models.CommitmentCreate(
                priority_area_id=area.id,
                title=title,
                modality=models.Modality.EXPERT_DISPATCH,
                lead_party_id=japan.id,
            ),
            idempotency_key="generated-client-shared-1",
        )
        assert refused.status_code == 409, refused.content
        assert isinstance(refused.parsed, models.Problem)
        assert refused.parsed.type_ == "/problems/amendment-required"
        assert refused.parsed.agreed_fields == ["existence"]
        proposal = refused.parsed.proposal
        assert isinstance(proposal, models.ProposalDraft)
        proposed = generated["api.amendments.propose_amendment"].sync_detailed(
            plan_id=plan.id,
            client=client,
            body=models.AmendmentCreate.from_dict(
                {
                    "title": proposal.title.to_dict(),
                    "rationale": {"en": "Proposed by a generated client."},
                    "changes": proposal.to_dict()["changes"],
                }
            ),
        )
        assert proposed.status_code == 201, proposed.content
        assert isinstance(proposed.parsed, models.AmendmentPublic)
        assert proposed.parsed.kind == models.ConsentKind.AMENDMENT

        # An internal commitment is the party's own business: created directly.
        created = generated["api.commitments.create_commitment"].sync_detailed(
            plan_id=plan.id,
            client=client,
            body=models.CommitmentCreate(
                priority_area_id=area.id,
                title=title,
                modality=models.Modality.EXPERT_DISPATCH,
                lead_party_id=japan.id,
                visibility=models.Visibility.INTERNAL,
            ),
            idempotency_key="generated-client-create-1",
        )
        assert created.status_code == 201, created.content
        commitment = created.parsed
        assert isinstance(commitment, models.CommitmentPublic)
        assert commitment.reference.startswith("CYB-")
        assert commitment.title.to_dict() == {"ja": "生成クライアント", "en": "Generated client"}
        assert created.headers["ETag"] == commitment.etag
        assert created.headers["Location"] == f"/api/v1/commitments/{commitment.id}"

        # Update it with If-Match, as the generated function's `if_match` argument.
        updated = generated["api.commitments.update_commitment"].sync_detailed(
            commitment_id=commitment.id,
            client=client,
            body=models.CommitmentUpdate(progress=40, status=models.CommitmentStatus.IN_PROGRESS),
            if_match=commitment.etag,
        )
        assert updated.status_code == 200, updated.content
        assert isinstance(updated.parsed, models.CommitmentPublic)
        assert updated.parsed.progress == 40
        assert updated.parsed.status == models.CommitmentStatus.IN_PROGRESS
        assert updated.parsed.etag != commitment.etag

        # The old ETag is stale now: a typed 412 problem carrying the current ETag.
        stale = generated["api.commitments.update_commitment"].sync_detailed(
            commitment_id=commitment.id,
            client=client,
            body=models.CommitmentUpdate(progress=50),
            if_match=commitment.etag,
        )
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.Problem)
        assert stale.parsed.type_ == "/problems/precondition-failed"
        assert stale.parsed.status == 412
        assert stale.headers["ETag"] == updated.parsed.etag

        # A rule broken (completed with progress under 100): a typed 422 naming the field.
        invalid = generated["api.commitments.update_commitment"].sync_detailed(
            commitment_id=commitment.id,
            client=client,
            body=models.CommitmentUpdate(progress=60, status=models.CommitmentStatus.COMPLETED),
            if_match=updated.parsed.etag,
        )
        assert invalid.status_code == 422, invalid.content
        assert isinstance(invalid.parsed, models.Problem)
        assert invalid.parsed.type_ == "/problems/rule-violation"
        assert isinstance(invalid.parsed.errors, list)
        assert [error.loc for error in invalid.parsed.errors] == [["body", "progress"]]

        # Reading it back shows the update, and only the update.
        current = generated["api.commitments.get_commitment"].sync_detailed(
            commitment_id=commitment.id, client=client
        )
        assert isinstance(current.parsed, models.CommitmentDetail)
        assert current.parsed.progress == 40
        assert current.headers["ETag"] == updated.parsed.etag


def test_generated_client_runs_the_two_party_lifecycle(
    client_package: dict[str, ModuleType], tmp_path: Path
) -> None:
    """A plan from draft to force, a joint review with a disagreement signed off by both
    parties (one sign-off with no body at all, and a repeated one read as the review), and an
    amendment to a new version: every call and every answer through the generated code."""
    api_module = client_package
    models: Any = api_module["models"]

    def call(name: str, **kwargs: Any) -> Any:
        response = api_module[name].sync_detailed(**kwargs)
        assert response.status_code in (200, 201), (name, response.status_code, response.content)
        assert not isinstance(response.parsed, models.Problem), (name, response.content)
        return response

    with (
        sample_database("sqlite", tmp_path) as database_url,
        running_api(database_url, tmp_path) as api,
    ):
        logins = {(login.party, login.role): login for login in read_logins()}
        unset = api_module["types"].UNSET

        def signed_in(party: str, role: str) -> Any:
            login = logins[(party, role)]
            anonymous = api_module["client"].Client(base_url=api.base_url)
            token = call(
                "api.authentication.create_token",
                client=anonymous,
                body=models.TokenRequest(
                    grant_type="password",
                    username=login.email,
                    password=login.password,
                    otp=current_code(login.totp_secret) if login.totp_secret else unset,
                ),
            ).parsed
            return api_module["client"].AuthenticatedClient(
                base_url=api.base_url, token=token.access_token
            )

        jp_editor, nato_editor = signed_in("JP", "editor"), signed_in("NATO", "editor")
        approvers = [signed_in("JP", "approver"), signed_in("NATO", "approver")]
        parties = {
            p.code: p for p in call("api.parties.list_parties", client=jp_editor).parsed.items
        }

        # A draft plan of both parties, with an area and two shared commitments.
        plan = call(
            "api.plans.create_plan",
            client=jp_editor,
            body=models.PlanCreate.from_dict(
                {
                    "reference": "GEN-LIFECYCLE",
                    "title": {"ja": "生成クライアント計画", "en": "Generated client plan"},
                    "party_ids": [str(parties["JP"].id), str(parties["NATO"].id)],
                }
            ),
        ).parsed
        area = call(
            "api.priority_areas.create_priority_area",
            plan_id=plan.id,
            client=jp_editor,
            body=models.PriorityAreaCreate.from_dict(
                {"code": "1.1", "short_code": "CYB", "title": {"en": "Cyber defence"}}
            ),
        ).parsed
        commitments = [
            call(
                "api.commitments.create_commitment",
                plan_id=plan.id,
                client=jp_editor,
                body=models.CommitmentCreate.from_dict(
                    {
                        "priority_area_id": str(area.id),
                        "title": {"en": title},
                        "modality": "expert_dispatch",
                        "lead_party_id": str(parties["JP"].id),
                        "due_date": (
                            today().replace(day=1).replace(year=today().year + 1)
                        ).isoformat(),
                    }
                ),
            ).parsed
            for title in ("Exercise", "Workshop")
        ]

        def agreed_by_both(change: dict[str, Any], title: str) -> Any:
            proposed = call(
                "api.amendments.propose_amendment",
                plan_id=plan.id,
                client=jp_editor,
                body=models.AmendmentCreate.from_dict(
                    {"title": {"en": title}, "rationale": {"en": title}, "changes": [change]}
                ),
            ).parsed
            for approver in approvers:
                decided = call(
                    "api.amendments.decide_amendment",
                    amendment_id=proposed.id,
                    client=approver,
                    body=models.AmendmentDecisionCreate(decision=models.Decision.APPROVE),
                ).parsed
            assert decided.status == models.AmendmentStatus.APPLIED
            return decided

        # Into force by both parties' consent: version 1, and the reviews laid down.
        agreed_by_both(
            {"op": "bring_into_force", "approval_date": today().isoformat()}, "Entry into force"
        )
        reviews = call("api.reviews.list_plan_reviews", plan_id=plan.id, client=jp_editor).parsed
        first = reviews.items[0]
        assert first.status == models.ReviewStatus.SCHEDULED and first.will_be_held

        # The joint review: both parties assess, disagreeing on one commitment.
        review = call("api.reviews.open_review", review_id=first.id, client=jp_editor).parsed
        ratings = {
            "JP": {"Exercise": models.Health.ON_TRACK, "Workshop": models.Health.AT_RISK},
            "NATO": {"Exercise": models.Health.ON_TRACK, "Workshop": models.Health.ON_TRACK},
        }
        for party, editor in (("JP", jp_editor), ("NATO", nato_editor)):
            current = call("api.reviews.get_review", review_id=review.id, client=editor).parsed
            for item in current.items:
                call(
                    "api.reviews.put_review_assessment",
                    review_id=review.id,
                    item_id=item.id,
                    client=editor,
                    body=models.AssessmentWrite(rating=ratings[party][item.commitment.title["en"]]),
                    if_match=item.etag,
                )
        current = call("api.reviews.get_review", review_id=review.id, client=jp_editor).parsed
        assert len(current.disagreements) == 1
        for item in current.items:
            call(
                "api.reviews.update_review_item",
                review_id=review.id,
                item_id=item.id,
                client=jp_editor,
                body=models.ReviewItemUpdate(
                    agreed_rating=ratings["JP"][item.commitment.title["en"]]
                ),
                if_match=item.etag,
            )
        current = call("api.reviews.get_review", review_id=review.id, client=jp_editor).parsed
        current = call(
            "api.reviews.update_review",
            review_id=review.id,
            client=jp_editor,
            body=models.ReviewUpdate.from_dict(
                {"summary": {"en": "One commitment at risk."}, "outcome": "continue"}
            ),
            if_match=current.etag,
        ).parsed

        # Sign-offs: with no body at all (the party is the caller's own), then again, which
        # answers 200 with the review as it is.
        for approver in approvers:
            etag = call("api.reviews.get_review", review_id=review.id, client=approver).parsed.etag
            signed = call(
                "api.reviews.sign_off_review", review_id=review.id, client=approver, if_match=etag
            )
            assert signed.status_code == 201
            again = call(
                "api.reviews.sign_off_review",
                review_id=review.id,
                client=approver,
                if_match=signed.parsed.etag,
            )
            assert again.status_code == 200
            assert isinstance(again.parsed, models.ReviewPublic)
            assert again.parsed.id == review.id
        concluded = call(
            "api.reviews.conclude_review", review_id=review.id, client=jp_editor
        ).parsed
        assert concluded.status == models.ReviewStatus.CONCLUDED

        # An amendment to a new version, by both parties' consent.
        agreed_by_both(
            {
                "op": "modify_commitment",
                "commitment_id": str(commitments[1].id),
                "changes": {"due_date": f"{today().year + 1}-06-30"},
            },
            "Move the workshop",
        )
        versions = call("api.versions.list_plan_versions", plan_id=plan.id, client=nato_editor)
        assert sorted(v.number for v in versions.parsed.items) == [1, 2]
        workshop = call(
            "api.commitments.get_commitment", commitment_id=commitments[1].id, client=nato_editor
        ).parsed
        assert str(workshop.due_date) == f"{today().year + 1}-06-30"
