"""The consents of the sample plan; data only.

Offsets are days from the plan's approval date; the sample is loaded about 240 days after it.
- ENTRY_INTO_FORCE: the plan comes into force by both approvers' approval.
- AMENDMENT: Japan proposed it and Japan's approver approved it; it awaits NATO's approver, so a
  newcomer sees an amendment between proposal and mutual consent.
- DIRECT_EDIT: a direct change of agreed content, refused and proposed instead.
Each is marked as an example in its title and rationale.
"""

from typing import Any, Final

AMENDMENT: Final[dict[str, Any]] = {
    "proposed_by": "JP",
    "approved_by": "JP",
    "title": {
        "ja": "【見本】サイバーレンジ演習の追加と CYB-02 の期限延長",
        "en": "[Example] Add a cyber range exercise and extend the deadline of CYB-02",
    },
    "rationale": {
        "ja": (
            "見本データであり、実際の改正案ではない。第 1 回合同レビューにおいて、"
            "サイバー防衛分野で実動的な共同訓練の機会を設けること、及び CCDCOE の第 2 期課程の"
            "日程変更に合わせて CYB-02 の期限を延長することが提案された。"
        ),
        "en": (
            "Sample data, not a real amendment. The first joint review proposed a hands-on joint "
            "training opportunity in cyber defence, and extending the deadline of CYB-02 to "
            "follow the rescheduled second CCDCOE course cycle."
        ),
    },
    "note": {
        "JP": "見本：日本側承認済み（Sample: approved for Japan）",
    },
    "add_commitment": {
        "area": "3.1.1",
        "title": {
            "ja": "【見本】サイバーレンジ演習の共同実施",
            "en": "[Example] Joint cyber range exercise",
        },
        "description": {
            "ja": "CCDCOE の協力を得て、自衛隊と NATO の要員によるサイバーレンジ演習を行う。",
            "en": "JSDF and NATO personnel train together on a cyber range with CCDCOE support.",
        },
        "modality": "exercise_participation",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["CCDCOE"],
        "start_offset_days": 300,
        "due_offset_days": 560,
        "milestones": [
            {
                "title": {"ja": "演習計画の合意", "en": "Exercise plan agreed"},
                "due_offset_days": 360,
            },
        ],
    },
    "move_due_date": {"reference": "CYB-02", "due_offset_days": 480},
}

# The current plan comes into force the way every plan does: Japan's editor proposes it, and
# each party's approver approves it (on the plan's approval date, as the sample tells it).
ENTRY_INTO_FORCE: Final[dict[str, Any]] = {
    "proposed_by": "JP",
    "title": {
        "ja": "【見本】日NATO国別パートナーシップ協力計画の発効",
        "en": "[Example] Bringing the Japan–NATO ITPP into force",
    },
    "rationale": {
        "ja": (
            "見本データ。日本国総理大臣と NATO 事務総長が承認した計画本文及び優先分野・協力事項を、"
            "双方の同意により発効させる。"
        ),
        "en": (
            "Sample data. The programme text, priority areas and commitments approved by the "
            "Prime Minister of Japan and the NATO Secretary General come into force by mutual "
            "consent."
        ),
    },
    "note": {
        "JP": "見本：日本側承認（Sample: approved for Japan）",
        "NATO": "Sample: approved for NATO (見本：NATO 側承認)",
    },
}

# NATO's editor moves the due date of MAR-02 directly; the plan is in force, so the change is
# refused and turned, in one step, into the amendment it needs — proposed by NATO, awaiting
# both approvers.
DIRECT_EDIT: Final[dict[str, Any]] = {
    "editor": "NATO",
    "reference": "MAR-02",
    "due_offset_days": 470,
    "rationale": {
        "ja": (
            "見本データ。情報交換の運用に関する共同レビューは MARCOM の日程により延期された。"
            "直接の期限変更は合意内容の変更であるため、修正案として提案された。"
        ),
        "en": (
            "Sample data. The joint review of the exchange moved with MARCOM's schedule. Moving "
            "the due date directly changes what the parties agreed, so it was proposed as an "
            "amendment."
        ),
    },
}
