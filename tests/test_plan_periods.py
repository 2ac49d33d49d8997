"""A plan's term and review interval, read the way people write them (issue 21, item 2).

Each row is a sentence as it could stand in §4 of a plan, and the months it says. Rows that
cannot be read must come back with the words seen, never as a silent default.
"""

import pytest

from itpp_api.documents.periods import read_review_interval, read_term

JA_TERMS = [
    ("本計画は、承認日から 2 年を期限として開始する。", 24),
    ("本計画は，承認日から２年を期限として開始する。", 24),
    ("本計画は、承認日から二年を期限として開始する。", 24),
    ("本計画は、承認日から三年を期限として開始する。", 36),
    ("本計画は、承認日から１８か月を期限とする。", 18),
    ("本計画は、承認日から18ヶ月を期限とする。", 18),
    ("本計画は、承認日から18ヵ月を期限とする。", 18),
    ("本計画は、承認日から十八カ月を期限とする。", 18),
    ("本計画は、承認日から18ケ月を期限とする。", 18),
    ("本計画は、承認日から十八箇月を期限とする。", 18),
    ("本計画の期間は、1年6か月とする。", 18),
    ("本計画の期間は、１年６ヶ月とする。", 18),
    ("本計画の期間は、一年六か月とする。", 18),
    ("本計画の期間は一年半とする。", 18),
    ("本計画の期間は1年半とする。", 18),
    ("本計画の期間は二年半とする。", 30),
    ("本計画の期間は半年とする。", 6),
    ("本計画は、承認の日から 4 年間有効とする。", 48),
    ("本計画は承認日から五年間効力を有する。", 60),
    ("本計画の有効期間は、承認日から二十四か月とする。", 24),
    ("本計画の有効期間は、承認日から三十六ヶ月間とする。", 36),
    ("本計画の期限は2年とする。", 24),
    ("本計画の期限は十年とする。", 120),
    ("本計画の期限は、二十年とする。", 240),
    ("本計画の期間は、承認日から12か月とする。", 12),
    ("本計画の期間は、承認日から１か月とする。", 1),
    ("本計画は、承認日から２年３か月を期限とする。", 27),
    ("本計画は、承認日から2年 6か月を期限とする。", 30),
    ("本計画は、承認日から 9 か月を期限とする。", 9),
    ("本計画は、承認日から十五か月を期限とする。", 15),
    ("本計画は、承認日から三年半を期限とする。", 42),
    ("本計画は、承認日から七年を期限とする。", 84),
    ("本計画は、承認日から 1 年を期限とする。", 12),
    ("本計画は、承認日から一年を期限とする。", 12),
    ("本計画は、承認日から６年を期限とする。", 72),
    ("本計画の期間は四十八か月とする。", 48),
    ("本計画の期間は、承認日から起算して3年間とする。", 36),
    ("本計画は、承認日から二年六箇月を期限とする。", 30),
    ("本計画の期限は、承認日から2年。", 24),
    ("本計画は、承認日から八年を期限として開始する。", 96),
    # The review in the same sentence is the review's, not the term.
    ("本計画は、承認日から３年を期限とし、６か月ごとに見直す。", 36),
]

EN_TERMS = [
    ("This programme runs for a period of 24 months from its date of approval.", 24),
    ("This programme runs for a period of 18 months from its date of approval.", 18),
    ("This programme runs for two years from its date of approval.", 24),
    ("This programme runs for two (2) years from its date of approval.", 24),
    ("This programme runs for 2 (two) years from its date of approval.", 24),
    ("The plan runs for a period of eighteen months.", 18),
    ("The plan runs for a period of twenty-four months.", 24),
    ("The plan runs for a period of thirty six months.", 36),
    ("The plan is valid for 1 year and 6 months.", 18),
    ("The plan is valid for one year and six months.", 18),
    ("The plan is valid for 1 year, 6 months.", 18),
    ("The plan is valid for 2 years 3 months.", 27),
    ("The plan runs for one and a half years.", 18),
    ("The plan runs for a year and a half.", 18),
    ("The plan runs for two and a half years.", 30),
    ("The plan runs for 1.5 years.", 18),
    ("The plan runs for half a year.", 6),
    ("The term of the plan is three years.", 36),
    ("The term of this programme is 4 years.", 48),
    ("This programme has a term of five years from approval.", 60),
    ("It remains in force for three years.", 36),
    ("It remains in effect for 30 months.", 30),
    ("The plan is in force for a period of twelve months.", 12),
    ("The plan lasts for a year.", 12),
    ("This is a two-year programme; its term starts on approval.", 24),
    ("The programme has a duration of 36 months.", 36),
    ("The programme expires 2 years after its date of approval.", 24),
    ("The plan is valid for a period of one year.", 12),
    ("The plan runs for a period of nine months.", 9),
    ("The plan runs for a period of 6 months.", 6),
    ("The plan runs for ten years.", 120),
    ("The plan runs for twenty years.", 240),
    ("The plan runs for a period of 15 months.", 15),
    ("The plan runs for a period of forty-eight months.", 48),
    ("The plan runs for seven years.", 84),
    ("The term is 3 years and 6 months.", 42),
    ("The term is three and a half years.", 42),
    ("The term of the programme is 24-month.", 24),
    ("The plan runs for an 18-month period.", 18),
    ("The plan runs for 1 yr.", 12),
    ("The programme runs for two years and will be reviewed every six months.", 24),
]

JA_INTERVALS = [
    ("本計画は、6 か月ごとに見直す。", 6),
    ("本計画は、６か月ごとに見直す。", 6),
    ("本計画は、六か月ごとに見直す。", 6),
    ("本計画は、6ヶ月毎に見直す。", 6),
    ("本計画は、6ヵ月ごとに見直される。", 6),
    ("本計画は、6カ月ごとに見直す。", 6),
    ("本計画は、6ケ月ごとに見直す。", 6),
    ("本計画は、六箇月ごとに見直す。", 6),
    ("本計画は、3か月ごとに見直す。", 3),
    ("本計画は、十二か月ごとに見直す。", 12),
    ("本計画は、18か月ごとに見直す。", 18),
    ("本計画は、1年ごとに見直す。", 12),
    ("本計画は、１年毎に見直す。", 12),
    ("本計画は、一年ごとに見直す。", 12),
    ("本計画は、2年ごとに見直す。", 24),
    ("本計画は、二年毎に見直す。", 24),
    ("本計画は、1年半ごとに見直す。", 18),
    ("本計画は、一年半ごとに見直す。", 18),
    ("本計画は、1年6か月ごとに見直す。", 18),
    ("本計画は、一年六箇月ごとに見直す。", 18),
    ("本計画は、毎年見直す。", 12),
    ("本計画は、毎年度見直す。", 12),
    ("本計画は、毎年1回見直す。", 12),
    ("本計画は、年1回見直す。", 12),
    ("本計画は、年１回見直す。", 12),
    ("本計画は、年一回見直す。", 12),
    ("本計画は、年に1回見直す。", 12),
    ("本計画は、年に一度見直す。", 12),
    ("本計画は、年2回見直す。", 6),
    ("本計画は、年に二回見直す。", 6),
    ("本計画は、年4回見直す。", 3),
    ("本計画は、年に四回見直す。", 3),
    ("本計画は、半年ごとに見直す。", 6),
    ("本計画は、半年毎に見直す。", 6),
    ("本計画は、半年に1回見直す。", 6),
    ("本計画は、半年に一度見直す。", 6),
    ("本計画は、四半期ごとに見直す。", 3),
    ("本計画は、四半期毎に見直す。", 3),
    ("本計画は、毎四半期見直す。", 3),
    ("本計画は、四半期に1回見直す。", 3),
    ("本計画は、2年に1回見直す。", 24),
    ("本計画は、6か月に一度見直す。", 6),
    ("本計画は、隔年で見直す。", 24),
    ("本計画は、毎月見直す。", 1),
    ("本計画の見直しは、年次で行う。", 12),
]

EN_INTERVALS = [
    ("The programme will be reviewed every 6 months.", 6),
    ("The programme will be reviewed every six months.", 6),
    ("The programme will be reviewed every six (6) months.", 6),
    ("The programme will be reviewed every 3 months.", 3),
    ("The programme will be reviewed every twelve months.", 12),
    ("The programme will be reviewed every 18 months.", 18),
    ("The programme will be reviewed every eighteen months.", 18),
    ("The programme will be reviewed every year.", 12),
    ("The programme will be reviewed every two years.", 24),
    ("The programme will be reviewed every 2 years.", 24),
    ("The programme will be reviewed every other year.", 24),
    ("The programme will be reviewed every second year.", 24),
    ("The programme will be reviewed every year and a half.", 18),
    ("The programme will be reviewed every one and a half years.", 18),
    ("The programme will be reviewed every 1 year and 6 months.", 18),
    ("The programme will be reviewed every half year.", 6),
    ("The programme will be reviewed every half-year.", 6),
    ("The programme will be reviewed every quarter.", 3),
    ("The programme will be reviewed every month.", 1),
    ("The programme will be reviewed once every two years.", 24),
    ("The programme will be reviewed yearly.", 12),
    ("The programme will be reviewed annually.", 12),
    ("An annual review of the programme takes place.", 12),
    ("The programme will be reviewed each year.", 12),
    ("The programme will be reviewed once a year.", 12),
    ("The programme will be reviewed once per year.", 12),
    ("The programme will be reviewed on an annual basis.", 12),
    ("The programme will be reviewed semi-annually.", 6),
    ("The programme will be reviewed semiannually.", 6),
    ("A semi-annual review of the programme takes place.", 6),
    ("The programme will be reviewed half-yearly.", 6),
    ("The programme will be reviewed six-monthly.", 6),
    ("The programme will be reviewed twice a year.", 6),
    ("The programme will be reviewed twice yearly.", 6),
    ("The programme will be reviewed two times a year.", 6),
    ("The programme will be reviewed three times a year.", 4),
    ("The programme will be reviewed 4 times per year.", 3),
    ("The programme will be reviewed quarterly.", 3),
    ("The programme will be reviewed once a quarter.", 3),
    ("The programme will be reviewed monthly.", 1),
    ("The programme will be reviewed biennially.", 24),
    ("The programme will be reviewed at intervals of 6 months.", 6),
    ("The programme will be reviewed at intervals of one year.", 12),
    ("Reviews take place at six-month intervals.", 6),
    ("Reviews take place at 12-month intervals.", 12),
    ("Reviews of the PROGRAMME take place Every Six Months.", 6),
]


@pytest.mark.parametrize(("sentence", "months"), JA_TERMS + EN_TERMS)
def test_a_term_as_people_write_it_is_read(sentence: str, months: int) -> None:
    reading = read_term([sentence])

    assert reading.months == months, reading
    assert reading.phrase and reading.phrase in _nfkc(sentence)


@pytest.mark.parametrize(("sentence", "months"), JA_INTERVALS + EN_INTERVALS)
def test_a_review_interval_as_people_write_it_is_read(sentence: str, months: int) -> None:
    reading = read_review_interval([sentence])

    assert reading.months == months, reading
    assert reading.phrase and reading.phrase in _nfkc(sentence)


def test_each_table_has_forty_phrasings_per_language() -> None:
    for table in (JA_TERMS, EN_TERMS, JA_INTERVALS, EN_INTERVALS):
        assert len(table) >= 40


@pytest.mark.parametrize(
    ("sentence", "seen"),
    [
        # The seed: an interval is stated, its length is not.
        ("本計画に基づく協力は，日本及び NATO 共同のプロセスを通じ，一定の間隔で見直す。",
         "一定の間隔で見直す"),
        ("The programme will be reviewed periodically.", "reviewed periodically"),
        ("The programme will be reviewed biannually.", "biannually"),  # twice a year, or 2 years
        ("The programme will be reviewed bimonthly.", "bimonthly"),
        ("本計画は、３年おきに見直す。", "3年おき"),  # every 3 years, or every 4
        ("The programme will be reviewed every fortnight.", "every fortnight"),
        ("The programme will be reviewed every 2.5 months.", "every 2.5 months"),
    ],
)  # fmt: skip
def test_a_review_sentence_without_a_readable_interval_is_reported_with_its_words(
    sentence: str, seen: str
) -> None:
    reading = read_review_interval([sentence])

    assert reading.months is None
    assert reading.phrase is not None and seen in _nfkc(reading.phrase) + _nfkc(sentence)
    assert seen in _nfkc(reading.phrase) or reading.phrase == sentence


@pytest.mark.parametrize(
    ("sentence", "seen"),
    [
        ("The plan runs for a period of two decades.",
         "The plan runs for a period of two decades."),
        ("The plan runs for a period of 300 months.", "300 months"),  # over the 240-month bound
        ("本計画の期限は別に定める。", "本計画の期限は別に定める。"),
    ],
)  # fmt: skip
def test_a_term_sentence_without_a_readable_term_is_reported_with_its_words(
    sentence: str, seen: str
) -> None:
    reading = read_term([sentence])

    assert reading.months is None
    assert reading.phrase == seen


def test_a_text_that_says_nothing_of_them_reads_as_nothing() -> None:
    texts = ["We will hold dialogue meetings twice a year.", "日本と NATO は協力を推進する。"]

    assert read_term(texts).phrase is None and read_term(texts).months is None
    # "twice a year" of meetings is not the review's cadence.
    assert read_review_interval(texts).phrase is None
    assert read_review_interval(texts).months is None


def test_a_later_readable_sentence_wins_over_an_earlier_vague_one() -> None:
    texts = ["The programme will be reviewed periodically.", "Reviews take place every 9 months."]

    assert read_review_interval(texts).months == 9


def _nfkc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text)
