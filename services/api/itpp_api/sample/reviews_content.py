"""The sample plan's first review (illustrative data, not a record of a real review).

The plan is about eight months old when the sample is loaded and its first yearly review is
due at month twelve. The sample holds that review early, so that its findings can inform the
high-level political dialogue in Brussels (EX-009): both parties assess every commitment they
can see, agree a rating for each, write a joint summary, decide to amend the plan, and sign
it off. They disagree on one commitment, OTH-03, and the agreed rating says which view
prevailed. The final review, a month before expiry, stays scheduled.

Ratings not listed below follow the commitment as it stands when the review opens: completed
or on schedule → on_track; past its due date and not completed → at_risk.
"""

from typing import Final, TypedDict

from itpp_api.sample.content import LocalizedText


class Assessment(TypedDict):
    rating: str
    note: str | None
    recommended_action: str | None


class ReviewedCommitment(TypedDict):
    JP: Assessment
    NATO: Assessment
    agreed_rating: str
    agreed_note: str


class SampleReview(TypedDict):
    summary: LocalizedText
    outcome: str
    commitments: dict[str, ReviewedCommitment]


REVIEW: Final[SampleReview] = {
    "summary": {
        "ja": (
            "計画開始から 8 か月の時点で、ブリュッセルでのハイレベル政治対話に結果を反映させるため、"
            "第 1 回年次レビューを前倒しで実施した。NATO 本部、SHAPE 及び MARCOM への要員派遣は"
            "定着し、これまでに期限を迎えた演習・研修・セミナーの約束はおおむね完了している。"
            "小型武器・弾薬の保管管理に関する専門家交流（ACD-02）及び STO との検討協議（DST-04）は"
            "予定より遅れており、新たな日程を合意する。自衛隊演習への NATO アセットの参加（OTH-03）"
            "については、日本は「軌道外」、NATO は「要注意」と評価が分かれたが、双方は「軌道外」と"
            "評価し、計画の修正により内容を見直すことで一致した。"
        ),
        "en": (
            "The first yearly review was held early, eight months into the programme, so that "
            "its findings can inform the high-level political dialogue in Brussels. The "
            "placements at NATO Headquarters, SHAPE and MARCOM are in place, and the exercise, "
            "course and seminar commitments due so far are largely completed. The expert "
            "exchange on small arms and ammunition stockpile management (ACD-02) and the "
            "scoping talks with the STO (DST-04) are behind schedule; new dates are to be "
            "agreed. The parties assessed NATO asset participation in a JSDF exercise (OTH-03) "
            "differently — Japan off track, NATO at risk; they agreed to rate it off track and "
            "to re-scope it through an amendment to the plan."
        ),
    },
    "outcome": "amend",
    "commitments": {
        "OTH-03": {
            "JP": {
                "rating": "off_track",
                "note": "アセットの手当てがつかず、計画期間内の実施は見込めない。",
                "recommended_action": "計画の修正により、机上演習への参加等に内容を見直す。",
            },
            "NATO": {
                "rating": "at_risk",
                "note": (
                    "Deferred, not abandoned: assets may become available in the next "
                    "exercise cycle."
                ),
                "recommended_action": "Keep the commitment and revisit it at the final review.",
            },
            "agreed_rating": "off_track",
            "agreed_note": (
                "Agreed off track: no NATO assets can be committed within the plan's term. To "
                "be re-scoped (for instance to staff participation) by an amendment."
            ),
        },
        "ACD-02": {
            "JP": {
                "rating": "at_risk",
                "note": "訪日日程が未確定。",
                "recommended_action": "次回の政治対話までに日程を確定する。",
            },
            "NATO": {
                "rating": "at_risk",
                "note": "Experts available from the second quarter.",
                "recommended_action": "Propose two alternative visit windows.",
            },
            "agreed_rating": "at_risk",
            "agreed_note": "Visit dates to be fixed before the Brussels dialogue.",
        },
        "DST-04": {
            "JP": {
                "rating": "at_risk",
                "note": "検討会合が未開催。",
                "recommended_action": None,
            },
            "NATO": {
                "rating": "at_risk",
                "note": "The scoping meeting moved to the STO's spring board.",
                "recommended_action": "Hold the scoping meeting back to back with the board.",
            },
            "agreed_rating": "at_risk",
            "agreed_note": "Behind schedule; the substance is agreed.",
        },
    },
}
