"""A structured diff between two versions of a plan, from their snapshots.

Versions hold what the parties agreed and nothing else (itpp_api.agreement), so a diff shows
agreed changes only: status, progress and health are history (see history.py), not diff noise.
Records are matched by id. A priority area is retired when the newer version shows it retired
(or no longer has it); a commitment is retired when it became retired (or is gone).
Everything else that differs is listed field by field with its old and new value.
"""

from typing import Any

from itpp_api.plans.models import PlanVersion
from itpp_api.plans.versions import version_snapshot, version_to_dict

# Bookkeeping that changes with every write, not content. The translation state follows the
# texts (their changes are listed already), and versions recorded before it existed lack it.
_IGNORED = frozenset({"etag", "created_at", "updated_at", "is_overdue", "translations"})


def _clean(value: Any) -> Any:
    """A snapshot value without bookkeeping fields (milestones carry their own)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in _IGNORED}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def field_changes(
    old: dict[str, Any], new: dict[str, Any], skip: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """The fields whose values differ, as {field: {old, new}}, in a stable order."""
    names = [k for k in new if k not in skip] + [k for k in old if k not in new and k not in skip]
    return {
        name: {"old": _clean(old.get(name)), "new": _clean(new.get(name))}
        for name in names
        if name not in _IGNORED and _clean(old.get(name)) != _clean(new.get(name))
    }


def _records(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    *,
    label: str,
    is_retired: Any,
) -> dict[str, Any]:
    before = {r["id"]: r for r in old}
    after = {r["id"]: r for r in new}
    added, changed, retired = [], [], []
    for record_id, record in after.items():
        previous = before.get(record_id)
        if previous is None:
            added.append(_clean(record))
        elif is_retired(record) and not is_retired(previous):
            retired.append(_clean(previous))
        else:
            fields = field_changes(previous, record)
            if fields:
                changed.append({"id": record_id, "label": record.get(label), "fields": fields})
    retired.extend(
        _clean(r) for record_id, r in before.items() if record_id not in after and not is_retired(r)
    )
    return {"added": added, "changed": changed, "retired": retired}


def diff_versions(older: PlanVersion, newer: PlanVersion) -> dict[str, Any]:
    """What the parties' agreement changed from `older` to `newer` (either may be the later)."""
    old = version_snapshot(older)
    new = version_snapshot(newer)
    return {
        "plan_id": newer.plan_id,
        "from_version": version_to_dict(older, with_snapshot=False),
        "to_version": version_to_dict(newer, with_snapshot=False),
        "plan": field_changes(old.get("plan", {}), new.get("plan", {})),
        "priority_areas": _records(
            old.get("priority_areas", []),
            new.get("priority_areas", []),
            label="code",
            is_retired=lambda area: area.get("retired_at") is not None,
        ),
        "commitments": _records(
            old.get("commitments", []),
            new.get("commitments", []),
            label="reference",
            is_retired=lambda commitment: bool(commitment.get("retired")),
        ),
    }
