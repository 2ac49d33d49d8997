"""The one place the API's field errors become form messages: by `loc` to the form's field, by
`type` to a sentence in the reader's language, never the API's English `msg`."""

from __future__ import annotations

from itpp_web.api import ApiError
from itpp_web.forms import COMMITMENT_FORM_FIELDS, EXCHANGE_FORM_FIELDS
from itpp_web.i18n import Formatter
from itpp_web.labels import actor_label, change_value, field_label, version_reason
from itpp_web.messages import FORM_KEY, field_errors
from itpp_web.routes.amendments import _change_error

JA = Formatter("ja")
EN = Formatter("en")


def _error(*items: dict[str, object]) -> ApiError:
    return ApiError(422, {"type": "about:blank#validation-error", "errors": list(items)})


def test_errors_go_to_the_field_their_loc_names_in_the_readers_language() -> None:
    error = _error(
        {"loc": ["body", "due_date"], "msg": "Input should be a valid date", "type": "date_format"},
        {
            "loc": ["body", "title", "ja"],
            "msg": "String should have at most",
            "type": "string_too_long",
        },
        {"loc": ["body", "progress"], "msg": "Input should be less", "type": "less_than_equal"},
    )
    shown = field_errors(JA, error, COMMITMENT_FORM_FIELDS)
    assert shown == {
        "due_date": "日付は YYYY-MM-DD の形式で入力してください。",
        "title.ja": "テキストが長すぎます。",
        "progress": "数値が大きすぎます。",
    }
    assert (
        field_errors(EN, error, COMMITMENT_FORM_FIELDS)["progress"] == "This number is too large."
    )


def test_an_error_on_the_whole_body_goes_to_the_later_date_of_the_form() -> None:
    error = _error(
        {
            "loc": ["body"],
            "msg": "due_date cannot be before start_date",
            "type": "dates_out_of_order",
        }
    )
    assert field_errors(JA, error, COMMITMENT_FORM_FIELDS) == {
        "due_date": "この日付を開始日より前にすることはできません。"
    }
    exchange = _error(
        {
            "loc": ["body"],
            "msg": "end_date cannot be before start_date",
            "type": "dates_out_of_order",
        }
    )
    assert list(field_errors(JA, exchange, EXCHANGE_FORM_FIELDS)) == ["end_date"]


def test_query_errors_name_the_filter_and_unknown_types_read_generically() -> None:
    error = _error(
        {"loc": ["query", "due_before"], "msg": "Input should be a valid date", "type": "x_new"},
        {"loc": ["body", "something_else"], "msg": "Extra inputs", "type": "extra_forbidden"},
    )
    shown = field_errors(JA, error, ("due_before", "q"))
    assert shown == {
        "due_before": "この値は受け付けられません。",
        FORM_KEY: "ここでは設定できません。",
    }


def test_a_refused_change_of_an_amendment_names_its_field() -> None:
    item = {
        "loc": ["body", "changes", 0, "commitment", "due_date"],
        "msg": "due_date cannot be before start_date",
        "type": "dates_out_of_order",
    }
    assert _change_error(JA, item).endswith("この日付を開始日より前にすることはできません。")
    assert "due_date" not in _change_error(JA, item)


def test_labels_of_fields_actors_ids_and_version_reasons() -> None:
    assert field_label(JA, "title.ja") == "名称 (日本語)"
    assert field_label(JA, "milestones.0.due_date") == "マイルストーン 1 — 期日"
    assert actor_label(JA, {"actor_user_id": None, "actor_name": "system"}) == "システム"
    assert actor_label(JA, {"actor_user_id": "u1", "actor_name": "田中"}) == "田中"
    some_id = "3f1c2d4e-1111-4a2b-9c3d-0123456789ab"
    assert change_value(JA, "lead_party_id", some_id) == "別の記録"
    assert change_value(JA, "lead_party_id", some_id, names={some_id: "JP"}) == "JP"
    assert version_reason(JA, "Plan approved") == "計画が承認されました"
    assert version_reason(JA, "Amendment 3 applied: Add a commitment") == "修正案 3 を適用"
    assert version_reason(JA, "運用者の記録") == "運用者の記録"
