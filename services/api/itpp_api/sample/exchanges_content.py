"""Example exchanges and placements of the sample plan (seed §3.2–§3.3); data only.

Offsets are days from the plan's approval date; the sample is loaded about 240 days after it.
"""

from typing import Final, TypedDict

LocalizedText = dict[str, str]


class SampleParticipant(TypedDict):
    role: str
    name: str | None


class SampleExchange(TypedDict):
    reference: str
    kind: str
    title: LocalizedText
    from_party: str
    from_organisation: str | None
    to_party: str
    to_organisation: str | None
    start_offset_days: int
    end_offset_days: int | None
    location: str | None
    participants: list[SampleParticipant]
    status: str
    commitments: list[str]
    post_title: LocalizedText | None
    host_organisation: str | None
    outcome: LocalizedText | None
    lessons_learned: LocalizedText | None


_DIALOGUE: Final[LocalizedText] = {
    "ja": "日・NATO ハイレベル政治対話",
    "en": "Japan–NATO high-level political dialogue",
}

EXCHANGES: Final[list[SampleExchange]] = [
    # --- §3.3 placements -----------------------------------------------------------------
    {
        "reference": "EX-001",
        "kind": "placement",
        "title": {
            "ja": "NATO 本部への自主的拠出要員（VNC）の派遣",
            "en": "Voluntary National Contribution (VNC) at NATO Headquarters",
        },
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "NATO_HQ",
        "start_offset_days": -420,
        "end_offset_days": None,
        "location": "Brussels",
        "participants": [{"role": "Staff officer (JGSDF lieutenant colonel)", "name": None}],
        "status": "held",
        "commitments": ["OTH-01"],
        "post_title": {
            "ja": "防衛政策・計画局 参謀",
            "en": "Staff officer, Defence Policy and Planning Division",
        },
        "host_organisation": "NATO_HQ",
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-002",
        "kind": "placement",
        "title": {
            "ja": "パートナーシップのためのスタッフ公募（PSP）に基づく職員の派遣",
            "en": "Partnership Staff Position (PSP) at NATO Headquarters",
        },
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "NATO_HQ",
        "start_offset_days": -60,
        "end_offset_days": 670,
        "location": "Brussels",
        "participants": [{"role": "Cyber defence policy officer", "name": None}],
        "status": "held",
        "commitments": ["OTH-01", "CYB-02"],
        "post_title": {
            "ja": "サイバー防衛課 政策担当",
            "en": "Policy officer, Cyber Defence Section",
        },
        "host_organisation": "NATO_HQ",
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-003",
        "kind": "placement",
        "title": {
            "ja": "SHAPE への連絡官の任命（前任）",
            "en": "Liaison officer at SHAPE (previous rotation)",
        },
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "SHAPE",
        "start_offset_days": -760,
        "end_offset_days": -35,
        "location": "Mons",
        "participants": [{"role": "Liaison officer (JASDF colonel)", "name": None}],
        "status": "held",
        "commitments": [],
        "post_title": {"ja": "連絡官", "en": "Liaison officer"},
        "host_organisation": "SHAPE",
        "outcome": {
            "ja": "任期を満了し、後任に引継ぎ。",
            "en": "Completed the tour and handed over to the successor.",
        },
        "lessons_learned": {
            "ja": "後任の着任まで約 3 週間の空白が生じた。重複期間を設けることが望ましい。",
            "en": "There was a gap of about three weeks before the successor arrived; an overlap would be better.",
        },
    },
    {
        "reference": "EX-004",
        "kind": "placement",
        "title": {"ja": "SHAPE への連絡官の任命", "en": "Liaison officer at SHAPE"},
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "SHAPE",
        "start_offset_days": -12,
        "end_offset_days": 718,
        "location": "Mons",
        "participants": [{"role": "Liaison officer (JASDF colonel)", "name": None}],
        "status": "held",
        "commitments": ["OTH-02"],
        "post_title": {"ja": "連絡官", "en": "Liaison officer"},
        "host_organisation": "SHAPE",
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-005",
        "kind": "placement",
        "title": {
            "ja": "NATO 海上司令部（MARCOM）への連絡官の任命",
            "en": "Liaison officer at Allied Maritime Command (MARCOM)",
        },
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "MARCOM",
        "start_offset_days": 10,
        "end_offset_days": None,
        "location": "Northwood",
        "participants": [{"role": "Liaison officer (JMSDF commander)", "name": None}],
        "status": "held",
        "commitments": ["MAR-01"],
        "post_title": {"ja": "連絡官", "en": "Liaison officer"},
        "host_organisation": "MARCOM",
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-006",
        "kind": "expert_dispatch",
        "title": {
            "ja": "NATO サイバー防衛協力センター（CCDCOE）への専門家の派遣",
            "en": "Expert at the NATO Cooperative Cyber Defence Centre of Excellence (CCDCOE)",
        },
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "CCDCOE",
        "start_offset_days": 5,
        "end_offset_days": 730,
        "location": "Tallinn",
        "participants": [{"role": "Researcher, strategy branch", "name": None}],
        "status": "held",
        "commitments": ["CYB-04"],
        "post_title": {"ja": "戦略部門 研究員", "en": "Researcher, Strategy Branch"},
        "host_organisation": "CCDCOE",
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-007",
        "kind": "consultation",
        "title": {
            "ja": "東アジア情勢に関する専門家会合",
            "en": "Expert meeting on the situation in East Asia",
        },
        "from_party": "JP",
        "from_organisation": "MOFA",
        "to_party": "NATO",
        "to_organisation": "NATO_HQ",
        "start_offset_days": 280,
        "end_offset_days": 280,
        "location": "Brussels",
        "participants": [{"role": "Regional experts (MOFA, MOD)", "name": None}],
        "status": "confirmed",
        "commitments": ["OTH-05"],
        "post_title": None,
        "host_organisation": None,
        "outcome": None,
        "lessons_learned": None,
    },
    # --- a recurring high-level dialogue -------------------------------------------------
    {
        "reference": "EX-008",
        "kind": "dialogue",
        "title": _DIALOGUE,
        "from_party": "JP",
        "from_organisation": "MOFA",
        "to_party": "NATO",
        "to_organisation": "NATO_HQ",
        "start_offset_days": 60,
        "end_offset_days": 60,
        "location": "Tokyo",
        "participants": [
            {"role": "Director-General, European Affairs Bureau (MOFA)", "name": None},
            {
                "role": "Assistant Secretary General for Political Affairs and Security Policy",
                "name": None,
            },
        ],
        "status": "held",
        "commitments": ["OTH-04"],
        "post_title": None,
        "host_organisation": None,
        "outcome": {
            "ja": "インド太平洋と欧州大西洋の安全保障の連関について認識を共有し、サイバー及び海洋分野の協力拡大で一致した。",
            "en": "Shared assessments of how Indo-Pacific and Euro-Atlantic security are linked; agreed to expand cyber and maritime cooperation.",
        },
        "lessons_learned": {
            "ja": "事前に議題案を共有したことで実質的な議論に時間を充てられた。",
            "en": "Sharing a draft agenda in advance left more time for substance.",
        },
    },
    {
        "reference": "EX-009",
        "kind": "dialogue",
        "title": _DIALOGUE,
        "from_party": "NATO",
        "from_organisation": "NATO_HQ",
        "to_party": "JP",
        "to_organisation": "MOFA",
        "start_offset_days": 300,
        "end_offset_days": 300,
        "location": "Brussels",
        "participants": [{"role": "Heads of delegation", "name": None}],
        "status": "confirmed",
        "commitments": [],
        "post_title": None,
        "host_organisation": None,
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-010",
        "kind": "dialogue",
        "title": _DIALOGUE,
        "from_party": "JP",
        "from_organisation": "MOFA",
        "to_party": "NATO",
        "to_organisation": "NATO_HQ",
        "start_offset_days": 660,
        "end_offset_days": 660,
        "location": "Tokyo",
        "participants": [{"role": "Heads of delegation", "name": None}],
        "status": "planned",
        "commitments": [],
        "post_title": None,
        "host_organisation": None,
        "outcome": None,
        "lessons_learned": None,
    },
    # --- other exchanges -----------------------------------------------------------------
    {
        "reference": "EX-011",
        "kind": "exercise",
        "title": {"ja": "ロックド・シールズ演習への参加", "en": "Participation in Locked Shields"},
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "CCDCOE",
        "start_offset_days": 110,
        "end_offset_days": 114,
        "location": "Tallinn (remote participation from Tokyo)",
        "participants": [{"role": "JSDF cyber defence team", "name": None}],
        "status": "held",
        "commitments": ["CYB-01"],
        "post_title": None,
        "host_organisation": None,
        "outcome": {
            "ja": "共同チームとして防御演習を完遂した。",
            "en": "Completed the defensive exercise as part of a joint team.",
        },
        "lessons_learned": {
            "ja": "時差を踏まえた交代制の事前計画が不可欠。",
            "en": "Shift planning across time zones must be settled well in advance.",
        },
    },
    {
        "reference": "EX-012",
        "kind": "seminar",
        "title": {
            "ja": "女性・平和・安全保障に関するジェンダー・アドバイザー研修",
            "en": "Gender advisor course (women, peace and security)",
        },
        "from_party": "JP",
        "from_organisation": "MOD",
        "to_party": "NATO",
        "to_organisation": "NATO_HQ",
        "start_offset_days": 90,
        "end_offset_days": 101,
        "location": "Stockholm (Nordic Centre for Gender in Military Operations)",
        "participants": [{"role": "JSDF officer", "name": None}],
        "status": "held",
        "commitments": ["WPS-01"],
        "post_title": None,
        "host_organisation": None,
        "outcome": {
            "ja": "修了。帰国後、部内研修に反映。",
            "en": "Completed; the course now informs in-house training.",
        },
        "lessons_learned": None,
    },
    {
        "reference": "EX-013",
        "kind": "information_sharing",
        "title": {
            "ja": "アデン湾における海賊対処情報の共有",
            "en": "Counter-piracy information sharing on the Gulf of Aden",
        },
        "from_party": "NATO",
        "from_organisation": "MARCOM",
        "to_party": "JP",
        "to_organisation": "MOD",
        "start_offset_days": 20,
        "end_offset_days": 380,
        "location": None,
        "participants": [{"role": "NATO Shipping Centre watch officers", "name": None}],
        "status": "held",
        "commitments": ["MAR-02"],
        "post_title": None,
        "host_organisation": None,
        "outcome": None,
        "lessons_learned": None,
    },
    {
        "reference": "EX-014",
        "kind": "seminar",
        "title": {
            "ja": "大阪における日・NATO ユース・フォーラム",
            "en": "Japan–NATO youth forum in Osaka",
        },
        "from_party": "NATO",
        "from_organisation": "NATO_HQ",
        "to_party": "JP",
        "to_organisation": "MOFA",
        "start_offset_days": 200,
        "end_offset_days": 200,
        "location": "Osaka",
        "participants": [],
        "status": "cancelled",
        "commitments": ["PD-03"],
        "post_title": None,
        "host_organisation": None,
        "outcome": None,
        "lessons_learned": {
            "ja": "東京のセミナーと統合した。",
            "en": "Folded into the Tokyo seminar.",
        },
    },
]
