"""The plan-document parser reads the numbered structure, whatever the areas, term or language."""

from pathlib import Path

import pytest

from itpp_api.documents.parser import NotAPlanDocument, parse_plan_text

# A copy of the seed (../shared/seed/000_2fed3e228f570b53.txt), byte for byte.
SEED = Path(__file__).resolve().parent / "fixtures" / "seed_plan_ja.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")

ENGLISH_FOUR_AREAS = """Australia–Japan Cooperation Programme

1. Political context and principles

1.1 Australia and Japan share values.
The partnership rests on common interests.

1.2 Both sides will deepen dialogue.

2. Objectives and modalities of cooperation

2.1 This programme builds on the arrangement signed on 9 September 2019 in Canberra.

2.2 Australia and Japan will promote cooperation as follows:

- Strengthening high-level dialogue.
- Promoting practical cooperation,
  including exchanges of personnel.

3. Priority areas of cooperation

3.1 The sides will focus on the following priority areas:

- 3.1.1 Cyber defence
- 3.1.2 Maritime security
- 3.1.3 Space security
- 3.1.4 Critical minerals

3.2 Cooperation includes joint consultations.

4. Review procedure

4.1 This programme runs for a period of 18 months from its date of approval.

4.2 The programme will be reviewed every 6 months and may be amended by mutual consent.

(End)
"""

JAPANESE_FIVE_AREAS_THREE_YEARS = """日豪協力計画

１．政治的文脈及び原則

１．１　日本及び豪州は、共通の価値を共有する。

２．協力の目的及び様式

２．１　本計画は協力を進展させる。

２．２　双方は、次のとおり協力を推進する。

・対話の強化。
・交流の促進。

３．協力の優先分野

３．１　双方は次の分野に焦点を当てる。

－ ３．１．１ サイバー防衛
－ ３．１．２ 海洋安全保障
－ ３．１．３ 宇宙
－ ３．１．４ 防衛科学技術
－ ３．１．５ 人間の安全保障

４．見直し手続き

４．１　本計画は、承認日から三年を期限として開始する。

４．２　本計画は、６か月ごとに見直す。

（了）
"""


def test_the_seed_gives_nine_coded_areas_three_objectives_a_two_year_term_and_its_sections() -> (
    None
):
    plan = parse_plan_text(SEED_TEXT)

    assert plan.language == "ja"
    assert plan.title == "日NATO国別パートナーシップ協力計画"
    assert [a.code for a in plan.areas] == [f"3.1.{n}" for n in range(1, 10)]
    assert plan.areas[0].title == "サイバー防衛"
    assert len(plan.objectives) == 3
    assert plan.objectives[0] == "日本と NATO との間におけるハイレベル対話の強化。"
    assert plan.term_months == 24
    assert plan.review_interval_months is None  # "一定の間隔で": no interval stated
    assert [s.number for s in plan.sections] == [
        "1.1", "1.2", "1.3", "2.1", "3.2", "3.3", "4.1", "4.2",
    ]  # fmt: skip
    assert plan.sections[0].heading == "政治的文脈及び原則"
    # §3.2 is broken across a blank line in the middle of a sentence: one paragraph.
    assert "平和と安全保障のための科学（SPS）" in plan.sections[4].body
    assert plan.predecessor_references[0].date == "2014-05-06"
    # The introductions of the lists are kept as their lead texts: nothing is unmapped.
    assert plan.objectives_number == "2.2"
    assert plan.objectives_lead == "日本と NATO は、次のとおり協力を推進する。"
    assert plan.areas_lead is not None
    assert plan.areas_lead.startswith("政治対話や防衛交流の促進に加え")
    assert "パートナーシップ協力メニュー" in plan.areas_lead
    assert plan.unmapped == []


def test_an_english_document_with_four_areas_and_an_eighteen_month_term() -> None:
    plan = parse_plan_text(ENGLISH_FOUR_AREAS)

    assert plan.language == "en"
    assert plan.title == "Australia–Japan Cooperation Programme"
    assert [(a.code, a.title) for a in plan.areas] == [
        ("3.1.1", "Cyber defence"),
        ("3.1.2", "Maritime security"),
        ("3.1.3", "Space security"),
        ("3.1.4", "Critical minerals"),
    ]
    assert plan.objectives == [
        "Strengthening high-level dialogue.",
        "Promoting practical cooperation, including exchanges of personnel.",
    ]
    assert plan.term_months == 18
    assert plan.review_interval_months == 6
    assert [s.number for s in plan.sections] == ["1.1", "1.2", "2.1", "3.2", "4.1", "4.2"]
    assert plan.sections[0].paragraphs == [
        "Australia and Japan share values. The partnership rests on common interests."
    ]
    assert plan.predecessor_references[0].date == "2019-09-09"


def test_full_width_numbers_five_areas_and_a_three_year_term() -> None:
    plan = parse_plan_text(JAPANESE_FIVE_AREAS_THREE_YEARS)

    assert [a.code for a in plan.areas] == ["3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.1.5"]
    assert plan.objectives == ["対話の強化。", "交流の促進。"]
    assert plan.term_months == 36
    assert plan.review_interval_months == 6
    assert [s.number for s in plan.sections] == ["1.1", "2.1", "4.1", "4.2"]


def test_lines_it_cannot_place_are_reported_with_their_line_numbers() -> None:
    text = ENGLISH_FOUR_AREAS.replace(
        "- 3.1.4 Critical minerals\n",
        "- 3.1.4 Critical minerals\n- an area without a code\n- 3.1.4 Critical minerals\n",
    ).replace("1.2 Both sides", "1.2.3.4 Deep numbering\n\n1.2 Both sides")
    plan = parse_plan_text(text + "\nA signature block\n")

    reasons = {u.text: u.reason for u in plan.unmapped}
    assert "x.y.z code" in reasons["- an area without a code"]
    assert "twice" in reasons["- 3.1.4 Critical minerals"]
    assert "deeper" in reasons["1.2.3.4 Deep numbering"]
    assert "after the end" in reasons["A signature block"]
    assert len(plan.areas) == 4


@pytest.mark.parametrize(
    "text",
    ["", "just some words\nand more words\n", "Dear colleagues,\n\nthe meeting is on Monday.\n"],
)
def test_text_without_the_numbered_structure_is_not_a_plan(text: str) -> None:
    with pytest.raises(NotAPlanDocument):
        parse_plan_text(text)
