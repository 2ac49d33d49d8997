"""The example amendment of the sample plan (issue 5 §6); data only.

Offsets are days from the plan's approval date; the sample is loaded about 240 days after it.
Japan proposed it and Japan's approver approved it; it awaits NATO's approver, so a newcomer
sees an amendment between proposal and mutual consent. Marked as an example in its title and
rationale.
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
