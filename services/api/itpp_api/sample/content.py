"""Bilingual (ja/en) sample data: the Japan–NATO ITPP, its lineage and example commitments."""

from typing import Final, Literal, TypedDict

LocalizedText = dict[str, str]
PartyCode = Literal["JP", "NATO"]
Modality = Literal[
    "high_level_dialogue",
    "joint_consultation",
    "seminar_symposium",
    "sps_programme",
    "personnel_exchange",
    "exercise_participation",
    "sto_collaboration",
    "information_sharing",
    "placement",
    "expert_dispatch",
    "pcm_activity",
    "other",
]
CommitmentStatus = Literal["planned", "in_progress", "completed", "deferred", "cancelled"]
Visibility = Literal["shared", "internal"]


class Party(TypedDict):
    code: PartyCode
    name: LocalizedText


class Organisation(TypedDict):
    code: str
    party: PartyCode
    name: LocalizedText


class LineageEntry(TypedDict):
    reference: str
    title: LocalizedText
    approval_date: str
    term_months: int
    narrative: LocalizedText


class Chapter(TypedDict):
    number: str
    title: LocalizedText


class Section(TypedDict):
    number: str
    heading: LocalizedText
    body: LocalizedText


class Plan(TypedDict):
    reference: str
    title: LocalizedText
    term_months: int
    review_interval_months: int
    approval_offset_days: int
    chapters: list[Chapter]
    sections: list[Section]
    objectives: list[LocalizedText]
    # The signed sentence introducing the objectives (seed §2.2).
    objectives_lead: LocalizedText


class PriorityArea(TypedDict):
    code: str
    short: str
    title: LocalizedText
    description: LocalizedText


class Milestone(TypedDict):
    title: LocalizedText
    due_offset_days: int
    done_offset_days: int | None


class Commitment(TypedDict):
    area: str
    reference: str
    title: LocalizedText
    description: LocalizedText
    modality: Modality
    lead_party: PartyCode
    lead_organisation: str
    supporting: list[str]
    start_offset_days: int
    due_offset_days: int
    status: CommitmentStatus
    progress: int
    pcm_activity_ref: str | None
    visibility: Visibility
    example: bool
    milestones: list[Milestone]


PARTIES: Final[list[Party]] = [
    {"code": "JP", "name": {"ja": "日本", "en": "Japan"}},
    {
        "code": "NATO",
        "name": {
            "ja": "北大西洋条約機構（NATO）",
            "en": "North Atlantic Treaty Organization (NATO)",
        },
    },
]


ORGANISATIONS: Final[list[Organisation]] = [
    {
        "code": "MOFA",
        "party": "JP",
        "name": {"ja": "外務省", "en": "Ministry of Foreign Affairs (MOFA)"},
    },
    {
        "code": "MOD",
        "party": "JP",
        "name": {
            "ja": "防衛省・自衛隊",
            "en": "Ministry of Defense / Japan Self-Defense Forces (MOD/JSDF)",
        },
    },
    {"code": "NATO_HQ", "party": "NATO", "name": {"ja": "NATO 本部", "en": "NATO Headquarters"}},
    {
        "code": "SHAPE",
        "party": "NATO",
        "name": {
            "ja": "欧州連合軍最高司令部（SHAPE）",
            "en": "Supreme Headquarters Allied Powers Europe (SHAPE)",
        },
    },
    {
        "code": "MARCOM",
        "party": "NATO",
        "name": {"ja": "NATO 海上司令部（MARCOM）", "en": "Allied Maritime Command (MARCOM)"},
    },
    {
        "code": "CCDCOE",
        "party": "NATO",
        "name": {
            "ja": "NATO サイバー防衛協力センター（CCDCOE）",
            "en": "NATO Cooperative Cyber Defence Centre of Excellence (CCDCOE)",
        },
    },
    {
        "code": "STO",
        "party": "NATO",
        "name": {
            "ja": "NATO 科学技術機構（STO）",
            "en": "NATO Science and Technology Organization (STO)",
        },
    },
    {
        "code": "SPS",
        "party": "NATO",
        "name": {
            "ja": "平和と安全保障のための科学（SPS）プログラム",
            "en": "Science for Peace and Security (SPS) Programme",
        },
    },
]


LINEAGE: Final[list[LineageEntry]] = [
    {
        "reference": "JP-NATO-IPCP-2014",
        "title": {
            "ja": "日NATO国別パートナーシップ協力計画（2014 年署名）",
            "en": "Japan–NATO Individual Partnership and Cooperation Programme (IPCP)",
        },
        "approval_date": "2014-05-06",
        "term_months": 48,
        "narrative": {
            "ja": (
                "2014 年 5 月 6 日、ブリュッセルにおいて日本国総理大臣と NATO 事務総長により"
                "署名された。日・NATO 協力の優先分野及び様式を定め、その後の協力の基礎となった。"
            ),
            "en": (
                "Signed on 6 May 2014 in Brussels by the Prime Minister of Japan and the NATO "
                "Secretary General. It set out the priority areas and modalities of Japan–NATO "
                "cooperation and laid the foundation for the cooperation that followed."
            ),
        },
    },
    {
        "reference": "JP-NATO-IPCP-2018",
        "title": {
            "ja": "日NATO国別パートナーシップ協力計画（2018 年改訂）",
            "en": (
                "Japan–NATO Individual Partnership and Cooperation Programme (IPCP), 2018 revision"
            ),
        },
        "approval_date": "2018-05-31",
        "term_months": 48,
        "narrative": {
            "ja": (
                "2014 年に署名された計画を 2018 年に改訂したもの。"
                "改訂の年は計画本文に記載されているが、"
                "承認日の月日（5 月 31 日）は本サンプルデータにおける例示であり、"
                "実際の日付を示すものではない。"
            ),
            "en": (
                "The 2014 programme as revised in 2018. The year of the revision is recorded in "
                "the plan text; the month and day of approval (31 May) are illustrative for this "
                "sample data and do not record the actual date."
            ),
        },
    },
]


# The current plan. approval_offset_days is relative to the day the sample is loaded;
# section bodies in Japanese are the plan text itself (full-width commas normalised).
PLAN: Final[Plan] = {
    "reference": "JP-NATO-ITPP",
    "title": {
        "ja": "日NATO国別パートナーシップ協力計画",
        "en": "Japan–NATO Individually Tailored Partnership Programme",
    },
    "term_months": 24,
    "review_interval_months": 12,
    "approval_offset_days": -240,
    "chapters": [
        {
            "number": "1",
            "title": {"ja": "政治的文脈及び原則", "en": "Political context and principles"},
        },
        {
            "number": "2",
            "title": {
                "ja": "協力の目的及び様式",
                "en": "Objectives and modalities of cooperation",
            },
        },
        {"number": "3", "title": {"ja": "協力の優先分野", "en": "Priority areas of cooperation"}},
        {
            "number": "4",
            "title": {
                "ja": "国別パートナーシップ協力プログラムの見直し手続き",
                "en": "Review procedure of the Individually Tailored Partnership Programme",
            },
        },
    ],
    "sections": [
        {
            "number": "1.1",
            "heading": {"ja": "政治的文脈及び原則", "en": "Political context and principles"},
            "body": {
                "ja": (
                    "日本及びNATOは、自由、民主主義、人権及び法の支配という共通の価値並びに"
                    "戦略的利益を共有する、信頼できる必然のパートナーである。我々は、"
                    "法の支配に基づく自由で開かれた国際秩序を維持し、"
                    "及び強化するために緊密に協力する。"
                    "我々は各々これらの共有された価値及び戦略的利益並びに国民の自由及び安全を"
                    "擁護する決意を有している。我々はまた、"
                    "多国間協力を通じた紛争抑止及び危機予防を重視する。"
                ),
                "en": (
                    "Japan and NATO are reliable and natural partners, sharing the common values "
                    "of freedom, democracy, human rights and the rule of law, as well as "
                    "strategic interests. We cooperate closely to maintain and strengthen a free "
                    "and open international order based on the rule of law. Each of us is "
                    "determined to safeguard these shared values and strategic interests, and the "
                    "freedom and security of our peoples. We also attach importance to conflict "
                    "deterrence and crisis prevention through multilateral cooperation."
                ),
            },
        },
        {
            "number": "1.2",
            "heading": {"ja": "政治的文脈及び原則", "en": "Political context and principles"},
            "body": {
                "ja": (
                    "アジア太平洋地域と欧州大西洋地域は地理的に離れているが、"
                    "グローバル化が進展し、より相互に関連している世界において、"
                    "これら2つの地域はそれぞれ国境を越えた政治・安全保障上の動向の影響を受け、"
                    "また影響を与えうる。このため、国際的な安全保障環境及び多様な脅威・リスクに"
                    "関する認識を常に共有すべく、様々なレベルでの対話を一層促進する。我々は、"
                    "法的及び外交的なプロセスの十分な尊重を通じて紛争の平和的解決を促進する、"
                    "ルールに基づく国際秩序の追求によって、グローバルな平和、"
                    "安定及び繁栄を推進することにつき、共通の戦略的利益を認識する。我々は、また、"
                    "宇宙、サイバー防衛、海上安全保障及びテロ対策並びに"
                    "人道支援・災害救援活動といったグローバルかつ新たな安全保障上の課題に取り組む"
                    "必要性を認識している。"
                ),
                "en": (
                    "Although the Asia-Pacific and Euro-Atlantic regions are geographically "
                    "distant, in an increasingly globalised and interconnected world each of the "
                    "two regions is affected by, and can in turn affect, transnational political "
                    "and security developments. We will therefore further promote dialogue at "
                    "various levels so as to maintain a shared understanding of the international "
                    "security environment and of diverse threats and risks. We recognise our "
                    "common strategic interest in advancing global peace, stability and "
                    "prosperity through the pursuit of a rules-based international order that "
                    "promotes the peaceful settlement of disputes with full respect for legal and "
                    "diplomatic processes. We also recognise the need to address global and "
                    "emerging security challenges such as space, cyber defence, maritime security "
                    "and counter-terrorism, as well as humanitarian assistance and disaster "
                    "relief operations."
                ),
            },
        },
        {
            "number": "1.3",
            "heading": {"ja": "政治的文脈及び原則", "en": "Political context and principles"},
            "body": {
                "ja": (
                    "我々は、戦略的利益を共有する分野における我々のパートナーシップの強化に"
                    "コミットする。そうしたコミットメントは、"
                    "国際協調主義に基づく「積極的平和主義」を具体化した日本の「国家安全保障戦略」"
                    "やパートナーとの協力を通じた国際安全保障の促進に同盟国がコミットしたNATOの"
                    "「2010年戦略概念」を含む日本とNATOのそれぞれの主要な政策文書の共通性に"
                    "基づくものである。"
                ),
                "en": (
                    "We are committed to strengthening our partnership in areas where we share "
                    "strategic interests. This commitment rests on the common ground between the "
                    "principal policy documents of Japan and of NATO, including Japan's National "
                    "Security Strategy, which gives concrete form to the 'Proactive Contribution "
                    "to Peace' based on the principle of international cooperation, and NATO's "
                    "2010 Strategic Concept, in which Allies committed themselves to promoting "
                    "international security through cooperation with partners."
                ),
            },
        },
        {
            "number": "2.1",
            "heading": {
                "ja": "協力の目的及び様式",
                "en": "Objectives and modalities of cooperation",
            },
            "body": {
                "ja": (
                    "この国別パートナーシップ協力計画は、"
                    "日本国総理大臣と NATO 事務総長により 2014 年 5 月 6 日にブリュッセルにおいて"
                    "署名され、2018 年に改訂された国別パートナーシップ協力計画に基づく日・NATO "
                    "協力をより一層進展させることを目的とする。"
                ),
                "en": (
                    "This Individually Tailored Partnership Programme aims to advance further the "
                    "Japan–NATO cooperation conducted under the Individual Partnership and "
                    "Cooperation Programme, which was signed in Brussels on 6 May 2014 by the "
                    "Prime Minister of Japan and the NATO Secretary General and revised in 2018."
                ),
            },
        },
        {
            "number": "3.1",
            "heading": {"ja": "協力の優先分野", "en": "Priority areas of cooperation"},
            "body": {
                "ja": (
                    "政治対話や防衛交流の促進に加え、日本及び NATO は、"
                    "パートナーシップ協力メニューに明記されている協力分野を含む次の優先分野に"
                    "焦点を当てた実務的な協力を促進する。\n"
                    "- 3.1.1 サイバー防衛\n"
                    "- 3.1.2 海洋安全保障\n"
                    "- 3.1.3 人道支援・災害救援\n"
                    "- 3.1.4 小型武器を始めとする通常兵器、"
                    "大量破壊兵器及びその運搬手段に関する軍備管理、不拡散及び軍縮\n"
                    "- 3.1.5 防衛科学技術\n"
                    "- 3.1.6 女性・平和・安全保障\n"
                    "- 3.1.7 人間の安全保障\n"
                    "- 3.1.8 パブリック・ディプロマシー活動\n"
                    "- 3.1.9 日本及び NATO の共通関心分野における防衛及び安全保障に関するその他の"
                    "協力"
                ),
                "en": (
                    "In addition to promoting political dialogue and defence exchanges, Japan and "
                    "NATO will promote practical cooperation focused on the following priority "
                    "areas, including the areas of cooperation set out in the Partnership "
                    "Cooperation Menu.\n"
                    "- 3.1.1 Cyber defence\n"
                    "- 3.1.2 Maritime security\n"
                    "- 3.1.3 Humanitarian assistance and disaster relief\n"
                    "- 3.1.4 Arms control, non-proliferation and disarmament concerning "
                    "conventional weapons, including small arms, and weapons of mass destruction "
                    "and their means of delivery\n"
                    "- 3.1.5 Defence science and technology\n"
                    "- 3.1.6 Women, peace and security\n"
                    "- 3.1.7 Human security\n"
                    "- 3.1.8 Public diplomacy\n"
                    "- 3.1.9 Other cooperation on defence and security in areas of common "
                    "interest to Japan and NATO"
                ),
            },
        },
        {
            "number": "3.2",
            "heading": {"ja": "協力の優先分野", "en": "Priority areas of cooperation"},
            "body": {
                "ja": (
                    "日本と NATO の協力には、共同協議、"
                    "セミナーやシンポジウムといったパートナー国にも開放されている NATO の活動への"
                    "日本の参加、平和と安全保障のための科学（SPS）プログラムを含む NATO の"
                    "実務的協力の機会の活用、日本及び NATO 関係者間の交流活動、"
                    "並びに適当な場合の双方の演習への参加を含む。NATO の参加が適当な場合には、"
                    "NATO はインド太平洋地域における日本の演習へのアセットの参加を検討し得る。"
                    "NATO 科学技術機構（STO）における日本との強い連携に基づき、"
                    "新たな協力の可能性を探求する。"
                ),
                "en": (
                    "Cooperation between Japan and NATO includes joint consultations; Japan's "
                    "participation in NATO activities that are also open to partners, such as "
                    "seminars and symposia; making use of opportunities for practical cooperation "
                    "with NATO, including the Science for Peace and Security (SPS) Programme; "
                    "exchanges between Japanese and NATO personnel; and, where appropriate, "
                    "participation in each other's exercises. Where NATO participation is "
                    "appropriate, NATO may consider the participation of assets in Japanese "
                    "exercises in the Indo-Pacific region. Building on Japan's strong ties with "
                    "the NATO Science and Technology Organization (STO), new possibilities for "
                    "cooperation will be explored."
                ),
            },
        },
        {
            "number": "3.3",
            "heading": {"ja": "協力の優先分野", "en": "Priority areas of cooperation"},
            "body": {
                "ja": (
                    "日本と NATO は、NATO 本部への日本の自主的拠出要員（VNC）及び"
                    "パートナーシップのためのスタッフ公募（PSP）構想に基づく職員の派遣、"
                    "欧州連合軍最高司令部（SHAPE）及び NATO 海上司令部（MARCOM）への日本の連絡官の"
                    "任命、NATO サイバー防衛協力センター（CCDCOE）、"
                    "東アジア情勢の意見交換に関する会合への日本の専門家の派遣を含む協力を"
                    "進展させる。"
                ),
                "en": (
                    "Japan and NATO will advance cooperation that includes the dispatch of "
                    "Japanese personnel to NATO Headquarters as Voluntary National Contributions "
                    "(VNC) and under the Partnership Staff Positions (PSP) initiative; the "
                    "appointment of Japanese liaison officers to Supreme Headquarters Allied "
                    "Powers Europe (SHAPE) and Allied Maritime Command (MARCOM); and the dispatch "
                    "of Japanese experts to the NATO Cooperative Cyber Defence Centre of "
                    "Excellence (CCDCOE) and to meetings for the exchange of views on the "
                    "situation in East Asia."
                ),
            },
        },
        {
            "number": "4.1",
            "heading": {
                "ja": "国別パートナーシップ協力プログラムの見直し手続き",
                "en": "Review procedure of the Individually Tailored Partnership Programme",
            },
            "body": {
                "ja": "本計画は、承認日から 2 年を期限として開始する。",
                "en": (
                    "This Programme commences on the date of approval and runs for a term of two "
                    "years."
                ),
            },
        },
        {
            "number": "4.2",
            "heading": {
                "ja": "国別パートナーシップ協力プログラムの見直し手続き",
                "en": "Review procedure of the Individually Tailored Partnership Programme",
            },
            "body": {
                "ja": (
                    "本計画に基づく協力は、日本及び NATO 共同のプロセスを通じ、"
                    "一定の間隔で見直す。そのような見直しの結果、"
                    "本計画は双方の同意の上で修正又は更新され得る。"
                ),
                "en": (
                    "Cooperation under this Programme will be reviewed at regular intervals "
                    "through a joint Japan–NATO process. As a result of such a review, the "
                    "Programme may be amended or updated by mutual consent."
                ),
            },
        },
    ],
    "objectives_lead": {
        "ja": "日本と NATO は、次のとおり協力を推進する。",
        "en": "Japan and NATO will promote cooperation as follows.",
    },
    "objectives": [
        {
            "ja": "日本と NATO との間におけるハイレベル対話の強化。",
            "en": "Strengthening high-level dialogue between Japan and NATO.",
        },
        {
            "ja": (
                "防衛協力及び交流の促進（NATO パートナーシップ協力メニューの活動への日本の参加の"
                "増加、情報共有の促進、経験、教訓、専門知識及び情報の交換を通じて上記の課題に取り"
                "組むための日・NATO 間の協働及び各々の能力強化を含む。）"
            ),
            "en": (
                "Promoting defence cooperation and exchanges, including increased Japanese "
                "participation in activities of the NATO Partnership Cooperation Menu, enhanced "
                "information sharing, and collaboration between Japan and NATO, and the "
                "strengthening of their respective capabilities, to address the challenges above "
                "through the exchange of experience, lessons learned, expertise and information."
            ),
        },
        {
            "ja": "国際の平和と安定の強化を目的とする実務的な協力の促進。",
            "en": (
                "Promoting practical cooperation aimed at strengthening international peace and "
                "stability."
            ),
        },
    ],
}


PRIORITY_AREAS: Final[list[PriorityArea]] = [
    {
        "code": "3.1.1",
        "short": "CYB",
        "title": {"ja": "サイバー防衛", "en": "Cyber defence"},
        "description": {
            "ja": (
                "サイバー防衛に関する政策対話、演習及び教育訓練への参加並びに脅威認識の共有を"
                "通じ、双方のサイバー防衛能力の強化を図る。"
            ),
            "en": (
                "Strengthening both sides' cyber defence capabilities through policy dialogue, "
                "participation in exercises and training, and the sharing of threat assessments."
            ),
        },
    },
    {
        "code": "3.1.2",
        "short": "MAR",
        "title": {"ja": "海洋安全保障", "en": "Maritime security"},
        "description": {
            "ja": (
                "海賊対処を含む海洋における状況認識の共有、"
                "艦艇間の共同訓練及び連絡官を通じた調整により、海洋安全保障分野の協力を推進する。"
            ),
            "en": (
                "Advancing maritime security cooperation through shared maritime situational "
                "awareness, including on counter-piracy, training between naval units and "
                "coordination through liaison officers."
            ),
        },
    },
    {
        "code": "3.1.3",
        "short": "HADR",
        "title": {"ja": "人道支援・災害救援", "en": "Humanitarian assistance and disaster relief"},
        "description": {
            "ja": (
                "大規模災害対応の経験及び教訓を共有し、"
                "図上演習等を通じて人道支援・災害救援における相互運用性と調整手順の理解を深める。"
            ),
            "en": (
                "Sharing experience and lessons learned from large-scale disaster response, and "
                "deepening mutual understanding of interoperability and coordination procedures "
                "through tabletop exercises and similar activities."
            ),
        },
    },
    {
        "code": "3.1.4",
        "short": "ACD",
        "title": {
            "ja": "軍備管理、不拡散及び軍縮",
            "en": "Arms control, non-proliferation and disarmament",
        },
        "description": {
            "ja": (
                "小型武器を始めとする通常兵器、大量破壊兵器及びその運搬手段に関する軍備管理、"
                "不拡散及び軍縮"
            ),
            "en": (
                "Arms control, non-proliferation and disarmament concerning conventional weapons, "
                "including small arms, and weapons of mass destruction and their means of delivery"
            ),
        },
    },
    {
        "code": "3.1.5",
        "short": "DST",
        "title": {"ja": "防衛科学技術", "en": "Defence science and technology"},
        "description": {
            "ja": (
                "NATO 科学技術機構（STO）の研究活動及び SPS プログラムへの参加を通じ、"
                "防衛科学技術分野の共同研究と知見の交換を進める。"
            ),
            "en": (
                "Taking forward joint research and the exchange of knowledge in defence science "
                "and technology through participation in the work of the NATO Science and "
                "Technology Organization (STO) and the SPS Programme."
            ),
        },
    },
    {
        "code": "3.1.6",
        "short": "WPS",
        "title": {"ja": "女性・平和・安全保障", "en": "Women, peace and security"},
        "description": {
            "ja": (
                "ジェンダー視点の主流化に関する教育訓練及び政策対話を通じ、"
                "女性・平和・安全保障（WPS）の取組を双方の活動に反映させる。"
            ),
            "en": (
                "Reflecting the women, peace and security (WPS) agenda in the activities of both "
                "sides through training and policy dialogue on mainstreaming a gender perspective."
            ),
        },
    },
    {
        "code": "3.1.7",
        "short": "HSEC",
        "title": {"ja": "人間の安全保障", "en": "Human security"},
        "description": {
            "ja": (
                "文民の保護、武力紛争下の児童の保護等、"
                "人間の安全保障に関する政策及び実務上の知見を共有する。"
            ),
            "en": (
                "Sharing policy and practical knowledge on human security, including the "
                "protection of civilians and of children in armed conflict."
            ),
        },
    },
    {
        "code": "3.1.8",
        "short": "PD",
        "title": {"ja": "パブリック・ディプロマシー活動", "en": "Public diplomacy"},
        "description": {
            "ja": (
                "セミナー、報道関係者の招へい等を通じ、"
                "日・NATO 協力に対する双方の国民及び有識者の理解を促進する。"
            ),
            "en": (
                "Promoting understanding of Japan–NATO cooperation among the public and experts "
                "on both sides through seminars, visits by journalists and similar activities."
            ),
        },
    },
    {
        "code": "3.1.9",
        "short": "OTH",
        "title": {
            "ja": "その他の防衛及び安全保障協力",
            "en": "Other defence and security cooperation",
        },
        "description": {
            "ja": "日本及び NATO の共通関心分野における防衛及び安全保障に関するその他の協力",
            "en": (
                "Other cooperation on defence and security in areas of common interest to Japan "
                "and NATO"
            ),
        },
    },
]


# Illustrative commitments only (example=True). All offsets are days after the plan's
# date of approval; the sample is loaded on about day 240 of the 730-day term.
COMMITMENTS: Final[list[Commitment]] = [
    {
        "area": "3.1.1",
        "reference": "CYB-01",
        "title": {
            "ja": "CCDCOE 主催サイバー防衛演習「ロックド・シールズ」への参加",
            "en": "Participation in the CCDCOE live-fire cyber defence exercise Locked Shields",
        },
        "description": {
            "ja": (
                "防衛省・自衛隊のサイバー防衛要員が、"
                "CCDCOE が主催する実動型のサイバー防衛演習ロックド・シールズに参加し、"
                "重要インフラ防護を含むシナリオで同盟国のチームと協働する。演習後、"
                "得られた教訓を NATO 側と共有する。"
            ),
            "en": (
                "MOD/JSDF cyber defence personnel take part in Locked Shields, the live-fire "
                "cyber defence exercise organised by the CCDCOE, working alongside Allied teams "
                "on scenarios that include critical infrastructure protection. Lessons learned "
                "are shared with NATO after the exercise."
            ),
        },
        "modality": "exercise_participation",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["CCDCOE"],
        "start_offset_days": 20,
        "due_offset_days": 150,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "参加チームの CCDCOE への登録",
                    "en": "National team registered with the CCDCOE",
                },
                "due_offset_days": 60,
                "done_offset_days": 58,
            },
            {
                "title": {"ja": "演習の実施", "en": "Exercise conducted"},
                "due_offset_days": 130,
                "done_offset_days": 129,
            },
            {
                "title": {
                    "ja": "事後報告の NATO 側との共有",
                    "en": "After-action report shared with NATO",
                },
                "due_offset_days": 150,
                "done_offset_days": 147,
            },
        ],
    },
    {
        "area": "3.1.1",
        "reference": "CYB-02",
        "title": {
            "ja": "CCDCOE 教育課程への自衛隊員の派遣",
            "en": "Attendance of JSDF personnel at CCDCOE courses",
        },
        "description": {
            "ja": (
                "サイバー作戦に適用される国際法、重要情報インフラ防護等に関する CCDCOE の"
                "教育課程に 2 期にわたり自衛隊員を参加させ、"
                "サイバー防衛分野の人材育成と相互理解を図る。"
            ),
            "en": (
                "JSDF personnel attend CCDCOE courses over two course cycles, including those on "
                "international law applicable to cyber operations and on critical information "
                "infrastructure protection, building expertise and mutual understanding in cyber "
                "defence."
            ),
        },
        "modality": "pcm_activity",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["CCDCOE"],
        "start_offset_days": 45,
        "due_offset_days": 420,
        "status": "in_progress",
        "progress": 45,
        "pcm_activity_ref": "CYD.02.05",
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "第 1 期の参加者の推薦",
                    "en": "Nominations submitted for the first course cycle",
                },
                "due_offset_days": 60,
                "done_offset_days": 57,
            },
            {
                "title": {"ja": "第 1 期課程の修了", "en": "First course cycle completed"},
                "due_offset_days": 200,
                "done_offset_days": 196,
            },
            {
                "title": {"ja": "第 2 期課程の修了", "en": "Second course cycle completed"},
                "due_offset_days": 410,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.1",
        "reference": "CYB-03",
        "title": {
            "ja": "NATO の相互運用性検証演習（CWIX）へのオブザーバー参加",
            "en": "Observer participation in the CWIX interoperability exercise",
        },
        "description": {
            "ja": (
                "指揮統制・通信システムの相互運用性を検証する CWIX に防衛省・自衛隊から"
                "オブザーバーを派遣し、将来の本格参加に向けた技術的課題を把握する。"
            ),
            "en": (
                "MOD/JSDF sends observers to CWIX, which tests the interoperability of command, "
                "control and communications systems, in order to identify the technical issues to "
                "be resolved before any future full participation."
            ),
        },
        "modality": "exercise_participation",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": [],
        "start_offset_days": 300,
        "due_offset_days": 420,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "オブザーバー参加の申請",
                    "en": "Request for observer status submitted",
                },
                "due_offset_days": 320,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "演習の視察及び報告", "en": "Exercise observed and report issued"},
                "due_offset_days": 420,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.1",
        "reference": "CYB-04",
        "title": {
            "ja": "CCDCOE への専門家の派遣",
            "en": "Dispatch of a Japanese expert to the CCDCOE",
        },
        "description": {
            "ja": (
                "防衛省から CCDCOE に専門家 1 名を派遣し、"
                "同センターの研究及び教育訓練の業務に参画させる。"
            ),
            "en": (
                "MOD seconds one expert to the CCDCOE to contribute to the Centre's research and "
                "training work."
            ),
        },
        "modality": "expert_dispatch",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["CCDCOE"],
        "start_offset_days": 0,
        "due_offset_days": 730,
        "status": "in_progress",
        "progress": 33,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "専門家のタリン着任", "en": "Expert takes up post in Tallinn"},
                "due_offset_days": 30,
                "done_offset_days": 28,
            },
            {
                "title": {"ja": "中間報告", "en": "Mid-term report"},
                "due_offset_days": 365,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "派遣期間の終了", "en": "End of assignment"},
                "due_offset_days": 730,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.2",
        "reference": "MAR-01",
        "title": {
            "ja": "NATO 海上司令部（MARCOM）への連絡官の配置",
            "en": "Liaison officer at Allied Maritime Command (MARCOM)",
        },
        "description": {
            "ja": (
                "海上自衛隊の連絡官を MARCOM（英国ノースウッド）に配置し、"
                "海洋安全保障に関する情報共有及び部隊間調整の窓口とする。"
            ),
            "en": (
                "A JMSDF liaison officer is posted to MARCOM at Northwood, United Kingdom, as the "
                "point of contact for maritime security information sharing and for coordination "
                "between forces."
            ),
        },
        "modality": "placement",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["MARCOM"],
        "start_offset_days": 0,
        "due_offset_days": 730,
        "status": "in_progress",
        "progress": 33,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "連絡官の着任", "en": "Liaison officer takes up post"},
                "due_offset_days": 30,
                "done_offset_days": 21,
            },
            {
                "title": {"ja": "年次活動報告", "en": "Annual activity report"},
                "due_offset_days": 365,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.2",
        "reference": "MAR-02",
        "title": {
            "ja": "アデン湾における海賊対処に関する NATO 海運センターとの情報共有",
            "en": (
                "Counter-piracy information sharing with the NATO Shipping Centre on the Gulf of "
                "Aden"
            ),
        },
        "description": {
            "ja": (
                "アデン湾で海賊対処行動に従事する自衛隊部隊と MARCOM の NATO 海運センターとの"
                "間で、船舶の航行状況及び不審船舶に関する情報を定期的に交換する。"
            ),
            "en": (
                "JSDF units conducting counter-piracy operations in the Gulf of Aden and the NATO "
                "Shipping Centre at MARCOM exchange information on merchant shipping and "
                "suspicious vessels on a regular basis."
            ),
        },
        "modality": "information_sharing",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["MARCOM", "MOFA"],
        "start_offset_days": 20,
        "due_offset_days": 380,
        "status": "in_progress",
        "progress": 55,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "連絡窓口の相互通報", "en": "Points of contact exchanged"},
                "due_offset_days": 45,
                "done_offset_days": 40,
            },
            {
                "title": {"ja": "月例の情報交換の開始", "en": "Monthly exchange established"},
                "due_offset_days": 120,
                "done_offset_days": 133,
            },
            {
                "title": {
                    "ja": "情報交換の運用に関する共同レビュー",
                    "en": "Joint review of the exchange",
                },
                "due_offset_days": 370,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.2",
        "reference": "MAR-03",
        "title": {
            "ja": "海上自衛隊練習艦隊と NATO 常設海上部隊との親善訓練",
            "en": (
                "Passing exercise between a JMSDF training squadron and a Standing NATO Maritime "
                "Group"
            ),
        },
        "description": {
            "ja": (
                "海上自衛隊練習艦隊の地中海における寄港の機会を捉え、"
                "NATO 常設海上部隊との間で通信及び戦術運動に関する親善訓練（PASSEX）を実施する。"
            ),
            "en": (
                "Taking advantage of a JMSDF training squadron's port calls in the Mediterranean, "
                "a passing exercise (PASSEX) covering communications and manoeuvring is conducted "
                "with a Standing NATO Maritime Group."
            ),
        },
        "modality": "exercise_participation",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["MARCOM"],
        "start_offset_days": 120,
        "due_offset_days": 190,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "訓練計画の調整完了", "en": "Exercise plan agreed"},
                "due_offset_days": 160,
                "done_offset_days": 158,
            },
            {
                "title": {"ja": "親善訓練の実施", "en": "Passing exercise conducted"},
                "due_offset_days": 185,
                "done_offset_days": 184,
            },
        ],
    },
    {
        "area": "3.1.2",
        "reference": "MAR-04",
        "title": {
            "ja": "海洋安全保障に関する日・NATO 共同協議",
            "en": "Japan–NATO joint consultations on maritime security",
        },
        "description": {
            "ja": (
                "インド太平洋及び欧州大西洋における海洋安全保障環境について認識を共有し、"
                "今後の協力の方向性を協議する。"
            ),
            "en": (
                "The two sides share their assessments of the maritime security environment in "
                "the Indo-Pacific and the Euro-Atlantic area and discuss the direction of future "
                "cooperation."
            ),
        },
        "modality": "joint_consultation",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOFA", "MOD", "MARCOM"],
        "start_offset_days": 300,
        "due_offset_days": 330,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "議題の合意", "en": "Agenda agreed"},
                "due_offset_days": 310,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "協議の開催", "en": "Consultations held"},
                "due_offset_days": 330,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.3",
        "reference": "HADR-01",
        "title": {
            "ja": "人道支援・災害救援に関する日・NATO 図上演習",
            "en": "Japan–NATO humanitarian assistance and disaster relief tabletop exercise",
        },
        "description": {
            "ja": (
                "欧州大西洋災害対応調整センター（EADRCC）の知見を活用し、"
                "大規模自然災害を想定した図上演習を共同で実施して、"
                "支援要請から受入れまでの調整手順を検証する。"
            ),
            "en": (
                "Drawing on the expertise of the Euro-Atlantic Disaster Response Coordination "
                "Centre (EADRCC), the two sides jointly conduct a tabletop exercise based on a "
                "major natural disaster, testing coordination procedures from the request for "
                "assistance through to its reception."
            ),
        },
        "modality": "exercise_participation",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOD", "MOFA"],
        "start_offset_days": 150,
        "due_offset_days": 300,
        "status": "in_progress",
        "progress": 45,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "シナリオ構想の合意", "en": "Scenario concept agreed"},
                "due_offset_days": 180,
                "done_offset_days": 176,
            },
            {
                "title": {"ja": "図上演習の実施", "en": "Tabletop exercise conducted"},
                "due_offset_days": 285,
                "done_offset_days": None,
            },
            {
                "title": {
                    "ja": "教訓報告書の取りまとめ",
                    "en": "Lessons learned report finalised",
                },
                "due_offset_days": 300,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.3",
        "reference": "HADR-02",
        "title": {
            "ja": "大規模災害対応の教訓に関するセミナー",
            "en": "Seminar on lessons learned from large-scale disaster response",
        },
        "description": {
            "ja": (
                "東日本大震災を始めとする災害派遣における自衛隊の経験と教訓を NATO 関係者に"
                "紹介し、民軍連携の在り方について意見交換を行う。"
            ),
            "en": (
                "MOD/JSDF presents to NATO staff its experience and lessons learned from disaster "
                "relief deployments, including after the Great East Japan Earthquake, followed by "
                "an exchange of views on civil–military coordination."
            ),
        },
        "modality": "seminar_symposium",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["NATO_HQ"],
        "start_offset_days": 40,
        "due_offset_days": 120,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "セミナーの開催", "en": "Seminar held"},
                "due_offset_days": 110,
                "done_offset_days": 108,
            },
            {
                "title": {"ja": "概要報告の共有", "en": "Summary report shared"},
                "due_offset_days": 120,
                "done_offset_days": 119,
            },
        ],
    },
    {
        "area": "3.1.3",
        "reference": "HADR-03",
        "title": {
            "ja": "EADRCC 主催の災害対応野外演習へのオブザーバー派遣",
            "en": "Observers at an EADRCC disaster response field exercise",
        },
        "description": {
            "ja": (
                "EADRCC が主催する災害対応野外演習に防衛省・自衛隊及び外務省からオブザーバーを"
                "派遣し、国際的な支援の受入れ調整に関する知見を得る。"
            ),
            "en": (
                "MOD/JSDF and MOFA send observers to a disaster response field exercise organised "
                "by the EADRCC, gaining insight into the coordination of incoming international "
                "assistance."
            ),
        },
        "modality": "exercise_participation",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["NATO_HQ", "MOFA"],
        "start_offset_days": 400,
        "due_offset_days": 520,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": "CEP.05.03",
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "オブザーバーの指名", "en": "Observers nominated"},
                "due_offset_days": 430,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "演習の視察", "en": "Exercise observed"},
                "due_offset_days": 510,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.4",
        "reference": "ACD-01",
        "title": {
            "ja": "軍備管理、不拡散及び軍縮に関する日・NATO 協議（第 1 回）",
            "en": (
                "Japan–NATO consultations on arms control, non-proliferation and disarmament "
                "(first round)"
            ),
        },
        "description": {
            "ja": (
                "通常兵器及び大量破壊兵器に関する軍備管理・不拡散の動向について、"
                "外務省と NATO 本部の担当部局が意見交換を行う。"
            ),
            "en": (
                "MOFA and the responsible divisions at NATO Headquarters exchange views on "
                "developments in arms control and non-proliferation concerning conventional "
                "weapons and weapons of mass destruction."
            ),
        },
        "modality": "joint_consultation",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOFA"],
        "start_offset_days": 60,
        "due_offset_days": 180,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "議題の合意", "en": "Agenda agreed"},
                "due_offset_days": 120,
                "done_offset_days": 115,
            },
            {
                "title": {"ja": "協議の開催", "en": "Consultations held"},
                "due_offset_days": 170,
                "done_offset_days": 168,
            },
        ],
    },
    {
        "area": "3.1.4",
        "reference": "ACD-JP-01",
        "title": {
            "ja": "第 2 回軍備管理協議に向けた対処方針の省間調整",
            "en": (
                "Interministerial coordination of Japan's position for the second round of arms "
                "control consultations"
            ),
        },
        "description": {
            "ja": (
                "外務省において、防衛省の意見を聴取しつつ対処方針及び発言要領を取りまとめる。"
                "第 1 回協議で NATO 側から照会のあった小型武器管理に関する論点への回答を含める。"
                "NATO 側とは共有しない。"
            ),
            "en": (
                "MOFA to draw up Japan's position and talking points, taking MOD's views into "
                "account, including a reply on the small arms management points raised by NATO at "
                "the first round. Not for sharing with NATO."
            ),
        },
        "modality": "other",
        "lead_party": "JP",
        "lead_organisation": "MOFA",
        "supporting": ["MOD"],
        "start_offset_days": 200,
        "due_offset_days": 520,
        "status": "in_progress",
        "progress": 20,
        "pcm_activity_ref": None,
        "visibility": "internal",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "防衛省への意見照会", "en": "MOD views requested"},
                "due_offset_days": 230,
                "done_offset_days": 226,
            },
            {
                "title": {"ja": "対処方針案の省内決裁", "en": "Draft position cleared internally"},
                "due_offset_days": 480,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.4",
        "reference": "ACD-02",
        "title": {
            "ja": "小型武器・弾薬の保管管理に関する専門家交流",
            "en": (
                "Expert exchange on the stockpile management of small arms, light weapons and "
                "ammunition"
            ),
        },
        "description": {
            "ja": (
                "NATO 本部の専門家が来日し、小型武器・弾薬の物理的防護及び保管管理に関する NATO の"
                "基準と取組を防衛省・自衛隊に紹介する。日程調整の難航により、"
                "訪日は当初の予定より遅れている。"
            ),
            "en": (
                "NATO Headquarters experts visit Tokyo to brief MOD/JSDF on NATO standards and "
                "practice for the physical security and stockpile management of small arms, light "
                "weapons and ammunition. The visit has slipped behind schedule because suitable "
                "dates proved difficult to find."
            ),
        },
        "modality": "expert_dispatch",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOD"],
        "start_offset_days": 90,
        "due_offset_days": 225,
        "status": "in_progress",
        "progress": 60,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "付託事項の合意", "en": "Terms of reference agreed"},
                "due_offset_days": 130,
                "done_offset_days": 128,
            },
            {
                "title": {"ja": "専門家の訪日", "en": "Expert visit to Tokyo"},
                "due_offset_days": 220,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.4",
        "reference": "ACD-03",
        "title": {
            "ja": "NATO 大量破壊兵器軍備管理・軍縮・不拡散年次会議への参加",
            "en": (
                "Participation in NATO's annual conference on WMD arms control, disarmament and "
                "non-proliferation"
            ),
        },
        "description": {
            "ja": (
                "パートナー国にも開放されている NATO の年次会議に外務省から代表団を派遣し、"
                "インド太平洋地域の不拡散情勢について発表する。"
            ),
            "en": (
                "MOFA sends a delegation to NATO's annual conference, which is open to partners, "
                "and gives a presentation on the non-proliferation situation in the Indo-Pacific "
                "region."
            ),
        },
        "modality": "seminar_symposium",
        "lead_party": "JP",
        "lead_organisation": "MOFA",
        "supporting": ["NATO_HQ"],
        "start_offset_days": 330,
        "due_offset_days": 420,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": "ACD.03.01",
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "代表団の決定", "en": "Delegation confirmed"},
                "due_offset_days": 380,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "会議への出席", "en": "Conference attended"},
                "due_offset_days": 410,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.5",
        "reference": "DST-01",
        "title": {
            "ja": "STO 研究タスクグループへの防衛装備庁研究者の参加",
            "en": "ATLA researchers in STO research task groups",
        },
        "description": {
            "ja": (
                "防衛装備庁の研究者が、自律システムの評価手法及び水中音響に関する STO の"
                "研究タスクグループ 2 件に参加し、共同研究の成果を双方で活用する。"
            ),
            "en": (
                "Researchers from the Acquisition, Technology and Logistics Agency (ATLA) take "
                "part in two STO research task groups, on evaluation methods for autonomous "
                "systems and on underwater acoustics, with both sides drawing on the results."
            ),
        },
        "modality": "sto_collaboration",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["STO"],
        "start_offset_days": 0,
        "due_offset_days": 730,
        "status": "in_progress",
        "progress": 30,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "研究タスクグループへの研究者の登録",
                    "en": "Researchers assigned to the task groups",
                },
                "due_offset_days": 60,
                "done_offset_days": 52,
            },
            {
                "title": {
                    "ja": "第 1 回合同ワークショップへの参加",
                    "en": "First joint workshop attended",
                },
                "due_offset_days": 200,
                "done_offset_days": 204,
            },
            {
                "title": {"ja": "中間成果の発表", "en": "Interim findings presented"},
                "due_offset_days": 500,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.5",
        "reference": "DST-02",
        "title": {"ja": "STO 講演シリーズの東京開催", "en": "STO lecture series in Tokyo"},
        "description": {
            "ja": (
                "STO の講演シリーズを東京で開催し、新興技術に関する NATO の研究成果を日本の"
                "研究者及び政策担当者に紹介する。"
            ),
            "en": (
                "An STO lecture series is held in Tokyo, presenting NATO research on emerging "
                "technologies to Japanese researchers and policy officials."
            ),
        },
        "modality": "sto_collaboration",
        "lead_party": "NATO",
        "lead_organisation": "STO",
        "supporting": ["MOD"],
        "start_offset_days": 450,
        "due_offset_days": 600,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "テーマ及び講師の決定", "en": "Topic and lecturers agreed"},
                "due_offset_days": 500,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "講演シリーズの開催", "en": "Lecture series held"},
                "due_offset_days": 590,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.5",
        "reference": "DST-03",
        "title": {
            "ja": "爆発物探知センサー技術に関する SPS 複数年度プロジェクト",
            "en": "SPS multi-year project on sensor technologies for detecting explosive hazards",
        },
        "description": {
            "ja": (
                "SPS プログラムの下、日本及び NATO 加盟国の研究機関が共同で、"
                "地雷・不発弾等の爆発物を探知するセンサー技術の研究開発を行う"
                "複数年度プロジェクト。"
            ),
            "en": (
                "A multi-year project under the SPS Programme in which research institutions from "
                "Japan and NATO member countries jointly develop sensor technologies for "
                "detecting explosive hazards such as landmines and unexploded ordnance."
            ),
        },
        "modality": "sps_programme",
        "lead_party": "NATO",
        "lead_organisation": "SPS",
        "supporting": ["MOD"],
        "start_offset_days": 90,
        "due_offset_days": 730,
        "status": "in_progress",
        "progress": 20,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "プロジェクト申請の承認", "en": "Project application approved"},
                "due_offset_days": 120,
                "done_offset_days": 118,
            },
            {
                "title": {"ja": "キックオフ会合", "en": "Kick-off meeting"},
                "due_offset_days": 200,
                "done_offset_days": 207,
            },
            {
                "title": {"ja": "中間報告書の提出", "en": "Interim report submitted"},
                "due_offset_days": 450,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.5",
        "reference": "DST-04",
        "title": {
            "ja": "STO との新たな協力分野に関する検討協議",
            "en": "Scoping talks with the STO on new areas of cooperation",
        },
        "description": {
            "ja": (
                "第 3.2 項に基づき、量子技術、人工知能等の新興技術分野における STO との新たな"
                "協力の可能性を検討する。"
            ),
            "en": (
                "In line with paragraph 3.2, the two sides explore new possibilities for "
                "cooperation with the STO in emerging technology fields such as quantum "
                "technologies and artificial intelligence."
            ),
        },
        "modality": "sto_collaboration",
        "lead_party": "NATO",
        "lead_organisation": "STO",
        "supporting": ["MOD"],
        "start_offset_days": 100,
        "due_offset_days": 230,
        "status": "in_progress",
        "progress": 75,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "候補分野の相互提示", "en": "Candidate topics exchanged"},
                "due_offset_days": 150,
                "done_offset_days": 149,
            },
            {
                "title": {"ja": "検討会合の開催", "en": "Scoping meeting held"},
                "due_offset_days": 220,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.6",
        "reference": "WPS-01",
        "title": {
            "ja": "NATO ジェンダー・アドバイザー課程への自衛官の参加",
            "en": "JSDF officer on a NATO gender advisor course",
        },
        "description": {
            "ja": (
                "NATO のジェンダー・アドバイザー課程に自衛官を参加させ、"
                "作戦立案へのジェンダー視点の組込みに関する知見を習得させる。"
            ),
            "en": (
                "A JSDF officer attends a NATO gender advisor course to acquire expertise in "
                "integrating a gender perspective into operational planning."
            ),
        },
        "modality": "pcm_activity",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["SHAPE"],
        "start_offset_days": 50,
        "due_offset_days": 110,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": "GEN.01.02",
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "参加者の選定", "en": "Participant selected"},
                "due_offset_days": 70,
                "done_offset_days": 66,
            },
            {
                "title": {"ja": "課程の修了", "en": "Course completed"},
                "due_offset_days": 105,
                "done_offset_days": 103,
            },
        ],
    },
    {
        "area": "3.1.6",
        "reference": "WPS-02",
        "title": {
            "ja": "NATO 事務総長 WPS 特別代表との政策対話",
            "en": (
                "Policy dialogue with the NATO Secretary General's Special Representative for WPS"
            ),
        },
        "description": {
            "ja": (
                "NATO 事務総長の女性・平和・安全保障担当特別代表と外務省幹部との間で、"
                "双方の WPS 行動計画の実施状況について意見交換を行う。"
            ),
            "en": (
                "The NATO Secretary General's Special Representative for Women, Peace and "
                "Security and senior MOFA officials exchange views on the implementation of their "
                "respective WPS action plans."
            ),
        },
        "modality": "high_level_dialogue",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOFA"],
        "start_offset_days": 180,
        "due_offset_days": 330,
        "status": "in_progress",
        "progress": 40,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "東京における第 1 回対話",
                    "en": "First dialogue meeting in Tokyo",
                },
                "due_offset_days": 220,
                "done_offset_days": 218,
            },
            {
                "title": {
                    "ja": "ブリュッセルにおけるフォローアップ会合",
                    "en": "Follow-up meeting in Brussels",
                },
                "due_offset_days": 320,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.6",
        "reference": "WPS-03",
        "title": {
            "ja": "人道支援・災害救援図上演習へのジェンダー視点の反映",
            "en": "Gender perspective in the HADR tabletop exercise",
        },
        "description": {
            "ja": (
                "HADR-01 の図上演習のシナリオに、被災者の保護及び支援におけるジェンダー視点に"
                "関する状況付与を盛り込む。"
            ),
            "en": (
                "Scenario injects on a gender perspective in the protection of and assistance to "
                "affected people are built into the HADR-01 tabletop exercise."
            ),
        },
        "modality": "other",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["NATO_HQ"],
        "start_offset_days": 250,
        "due_offset_days": 300,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "状況付与案の作成", "en": "Scenario injects drafted"},
                "due_offset_days": 270,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "図上演習における実施", "en": "Injects run during the exercise"},
                "due_offset_days": 290,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.7",
        "reference": "HSEC-01",
        "title": {
            "ja": "文民の保護に関する日・NATO セミナー",
            "en": "Japan–NATO seminar on the protection of civilians",
        },
        "description": {
            "ja": (
                "NATO の文民の保護に関する政策と日本の人間の安全保障の考え方を比較し、"
                "紛争下における文民の保護の実務上の課題について有識者を交えて議論する。"
            ),
            "en": (
                "A seminar with outside experts compares NATO's protection of civilians policy "
                "with Japan's approach to human security and discusses the practical challenges "
                "of protecting civilians in conflict."
            ),
        },
        "modality": "seminar_symposium",
        "lead_party": "JP",
        "lead_organisation": "MOFA",
        "supporting": ["NATO_HQ"],
        "start_offset_days": 100,
        "due_offset_days": 160,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "セミナーの開催", "en": "Seminar held"},
                "due_offset_days": 150,
                "done_offset_days": 150,
            },
            {
                "title": {"ja": "議論の概要の共有", "en": "Summary of discussions circulated"},
                "due_offset_days": 160,
                "done_offset_days": 157,
            },
        ],
    },
    {
        "area": "3.1.7",
        "reference": "HSEC-02",
        "title": {
            "ja": "武力紛争下の児童の保護及び文化財保護に関する情報交換",
            "en": (
                "Information exchange on children and armed conflict and on cultural property "
                "protection"
            ),
        },
        "description": {
            "ja": (
                "NATO の関連政策及び訓練教材と、国際協力における日本の取組に関する資料を相互に"
                "提供し、双方の教育訓練への活用を図る。"
            ),
            "en": (
                "NATO's related policies and training materials and material on Japan's work in "
                "international cooperation are shared, with a view to their use in both sides' "
                "education and training."
            ),
        },
        "modality": "information_sharing",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOFA", "MOD"],
        "start_offset_days": 200,
        "due_offset_days": 500,
        "status": "in_progress",
        "progress": 15,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "連絡窓口の指定", "en": "Points of contact designated"},
                "due_offset_days": 230,
                "done_offset_days": 224,
            },
            {
                "title": {"ja": "第 1 回資料交換", "en": "First exchange of materials"},
                "due_offset_days": 320,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.7",
        "reference": "HSEC-03",
        "title": {
            "ja": "人間の安全保障に関する NATO 訓練への自衛官の参加",
            "en": "JSDF participation in NATO human security training",
        },
        "description": {
            "ja": (
                "SHAPE が実施する人間の安全保障に関する訓練に自衛官を参加させ、"
                "得られた知見を自衛隊の国際平和協力活動に関する教育に反映する。"
            ),
            "en": (
                "JSDF officers take part in human security training run by SHAPE, and the "
                "knowledge gained is reflected in JSDF training for international peace "
                "cooperation activities."
            ),
        },
        "modality": "personnel_exchange",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["SHAPE"],
        "start_offset_days": 500,
        "due_offset_days": 640,
        "status": "planned",
        "progress": 0,
        "pcm_activity_ref": "HSC.02.04",
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "参加者の指名", "en": "Participants nominated"},
                "due_offset_days": 540,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "訓練への参加", "en": "Training attended"},
                "due_offset_days": 630,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.8",
        "reference": "PD-01",
        "title": {
            "ja": "東京におけるパブリック・ディプロマシー・セミナー",
            "en": "Public diplomacy seminar in Tokyo",
        },
        "description": {
            "ja": (
                "NATO 本部のパブリック・ディプロマシー部局の協力を得て、学生、"
                "研究者及び報道関係者を対象に、日・NATO 協力に関するセミナーを東京で開催する。"
            ),
            "en": (
                "With the support of the public diplomacy staff at NATO Headquarters, a seminar "
                "on Japan–NATO cooperation is held in Tokyo for students, researchers and "
                "journalists."
            ),
        },
        "modality": "seminar_symposium",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOFA"],
        "start_offset_days": 180,
        "due_offset_days": 270,
        "status": "in_progress",
        "progress": 60,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "プログラム及び登壇者の確定",
                    "en": "Programme and speakers confirmed",
                },
                "due_offset_days": 220,
                "done_offset_days": 215,
            },
            {
                "title": {"ja": "セミナーの開催", "en": "Seminar held"},
                "due_offset_days": 265,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.8",
        "reference": "PD-02",
        "title": {
            "ja": "日本人記者団の NATO 本部及び SHAPE 訪問",
            "en": "Visit by Japanese journalists to NATO Headquarters and SHAPE",
        },
        "description": {
            "ja": (
                "日本の報道関係者を NATO 本部及び SHAPE に招へいし、"
                "NATO の政策及び日・NATO 協力について関係者から説明を受ける機会を設ける。"
            ),
            "en": (
                "Japanese journalists are invited to NATO Headquarters and SHAPE for briefings by "
                "officials on NATO policy and Japan–NATO cooperation."
            ),
        },
        "modality": "personnel_exchange",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["MOFA", "SHAPE"],
        "start_offset_days": 30,
        "due_offset_days": 140,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "参加者の選定", "en": "Participants selected"},
                "due_offset_days": 80,
                "done_offset_days": 77,
            },
            {
                "title": {
                    "ja": "NATO 本部及び SHAPE の訪問",
                    "en": "Visit to NATO Headquarters and SHAPE",
                },
                "due_offset_days": 135,
                "done_offset_days": 133,
            },
        ],
    },
    {
        "area": "3.1.8",
        "reference": "PD-03",
        "title": {
            "ja": "大阪における日・NATO 青年フォーラム",
            "en": "Japan–NATO youth forum in Osaka",
        },
        "description": {
            "ja": (
                "関西地域の大学生を対象とする青年フォーラムとして計画したが、"
                "対象者の重複を避けるため東京のセミナー（PD-01）に統合することとし、中止した。"
            ),
            "en": (
                "Planned as a youth forum for university students in the Kansai region, but "
                "cancelled and folded into the Tokyo seminar (PD-01) to avoid overlapping "
                "audiences."
            ),
        },
        "modality": "seminar_symposium",
        "lead_party": "JP",
        "lead_organisation": "MOFA",
        "supporting": ["NATO_HQ"],
        "start_offset_days": 150,
        "due_offset_days": 320,
        "status": "cancelled",
        "progress": 10,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "企画概要の合意", "en": "Concept note agreed"},
                "due_offset_days": 190,
                "done_offset_days": 195,
            },
        ],
    },
    {
        "area": "3.1.9",
        "reference": "OTH-01",
        "title": {
            "ja": "NATO 本部への自主的拠出要員（VNC）及び PSP 職員の派遣",
            "en": "Placement of Japanese staff at NATO Headquarters as VNC and under PSP",
        },
        "description": {
            "ja": (
                "自主的拠出要員（VNC）として防衛省職員 1 名を NATO 本部に派遣するとともに、"
                "パートナーシップのためのスタッフ公募（PSP）への応募を通じて追加の派遣を目指す。"
            ),
            "en": (
                "One MOD official is placed at NATO Headquarters as a Voluntary National "
                "Contribution (VNC), and further placements are sought through applications for "
                "Partnership Staff Positions (PSP)."
            ),
        },
        "modality": "placement",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["NATO_HQ", "MOFA"],
        "start_offset_days": 0,
        "due_offset_days": 730,
        "status": "in_progress",
        "progress": 33,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "VNC の着任", "en": "VNC takes up post"},
                "due_offset_days": 30,
                "done_offset_days": 14,
            },
            {
                "title": {"ja": "PSP 公募への応募締切", "en": "PSP application round closes"},
                "due_offset_days": 300,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.9",
        "reference": "OTH-02",
        "title": {
            "ja": "欧州連合軍最高司令部（SHAPE）への連絡官の任命",
            "en": "Appointment of a liaison officer to SHAPE",
        },
        "description": {
            "ja": (
                "SHAPE（ベルギー・モンス）に自衛官を連絡官として任命し、"
                "作戦及び演習に関する調整並びに情報共有の窓口とする。"
            ),
            "en": (
                "A JSDF officer is appointed liaison officer to SHAPE at Mons, Belgium, as the "
                "point of contact for coordination and information sharing on operations and "
                "exercises."
            ),
        },
        "modality": "placement",
        "lead_party": "JP",
        "lead_organisation": "MOD",
        "supporting": ["SHAPE"],
        "start_offset_days": 0,
        "due_offset_days": 730,
        "status": "in_progress",
        "progress": 33,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "連絡官の着任", "en": "Liaison officer takes up post"},
                "due_offset_days": 30,
                "done_offset_days": 25,
            },
            {
                "title": {"ja": "年次活動報告", "en": "Annual activity report"},
                "due_offset_days": 365,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.9",
        "reference": "OTH-03",
        "title": {
            "ja": "インド太平洋地域における自衛隊演習への NATO アセットの参加の検討",
            "en": (
                "Consideration of NATO asset participation in a JSDF exercise in the Indo-Pacific"
            ),
        },
        "description": {
            "ja": (
                "第 3.2 項に基づき、インド太平洋地域で実施される自衛隊の演習への NATO アセットの"
                "参加を検討する。実施可能性の評価は終えたが、"
                "アセットの手当てがつかないため次回の見直しまで延期する。"
            ),
            "en": (
                "In line with paragraph 3.2, NATO considers the participation of its assets in a "
                "JSDF exercise in the Indo-Pacific region. A feasibility assessment has been "
                "completed, but the item is deferred to the next review because no assets could "
                "be made available."
            ),
        },
        "modality": "exercise_participation",
        "lead_party": "NATO",
        "lead_organisation": "SHAPE",
        "supporting": ["MOD", "MARCOM"],
        "start_offset_days": 150,
        "due_offset_days": 500,
        "status": "deferred",
        "progress": 10,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "実施可能性の評価", "en": "Feasibility assessment"},
                "due_offset_days": 210,
                "done_offset_days": 212,
            },
            {
                "title": {"ja": "参加の可否の決定", "en": "Decision on participation"},
                "due_offset_days": 400,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.9",
        "reference": "OTH-NATO-01",
        "title": {
            "ja": "本計画の中間見直しに向けた NATO 内部評価ペーパーの作成",
            "en": "Preparation of NATO's internal assessment paper for the plan's mid-term review",
        },
        "description": {
            "ja": (
                "NATO 本部において各司令部からの報告を取りまとめ、"
                "見直し協議に臨む NATO 側の評価及び重点事項の案を作成する。"
                "日本側とは共有しない内部資料。"
            ),
            "en": (
                "NATO Headquarters is collating reporting from the commands and drafting NATO's "
                "own assessment and proposed priorities ahead of the review discussions with "
                "Japan. Internal paper, not for sharing with Japan."
            ),
        },
        "modality": "other",
        "lead_party": "NATO",
        "lead_organisation": "NATO_HQ",
        "supporting": ["SHAPE", "MARCOM"],
        "start_offset_days": 200,
        "due_offset_days": 300,
        "status": "in_progress",
        "progress": 50,
        "pcm_activity_ref": None,
        "visibility": "internal",
        "example": True,
        "milestones": [
            {
                "title": {
                    "ja": "各司令部からの報告の収集",
                    "en": "Reporting collected from the commands",
                },
                "due_offset_days": 240,
                "done_offset_days": 236,
            },
            {
                "title": {"ja": "評価ペーパー案の完成", "en": "Draft assessment paper completed"},
                "due_offset_days": 290,
                "done_offset_days": None,
            },
        ],
    },
    {
        "area": "3.1.9",
        "reference": "OTH-04",
        "title": {
            "ja": "外務大臣と NATO 事務総長との会談",
            "en": "Meeting between the Foreign Minister of Japan and the NATO Secretary General",
        },
        "description": {
            "ja": (
                "本計画の承認を踏まえ、外務大臣と NATO 事務総長が会談し、"
                "計画の着実な実施に向けた双方の決意を確認する。"
            ),
            "en": (
                "Following the approval of the plan, the Foreign Minister of Japan and the NATO "
                "Secretary General meet to confirm both sides' resolve to implement the plan "
                "steadily."
            ),
        },
        "modality": "high_level_dialogue",
        "lead_party": "JP",
        "lead_organisation": "MOFA",
        "supporting": ["NATO_HQ", "MOD"],
        "start_offset_days": 0,
        "due_offset_days": 100,
        "status": "completed",
        "progress": 100,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "会談の実施", "en": "Meeting held"},
                "due_offset_days": 90,
                "done_offset_days": 88,
            },
        ],
    },
    {
        "area": "3.1.9",
        "reference": "OTH-05",
        "title": {
            "ja": "東アジア情勢に関する NATO 会合への専門家の派遣",
            "en": "Dispatch of Japanese experts to NATO meetings on East Asia",
        },
        "description": {
            "ja": (
                "東アジア情勢に関する意見交換のための NATO の会合に、"
                "外務省及び有識者から専門家を派遣し、地域情勢に関する日本の認識を共有する。"
            ),
            "en": (
                "Japanese experts from MOFA and academia are sent to NATO meetings held to "
                "exchange views on the situation in East Asia, sharing Japan's assessment of "
                "regional developments."
            ),
        },
        "modality": "expert_dispatch",
        "lead_party": "JP",
        "lead_organisation": "MOFA",
        "supporting": ["NATO_HQ"],
        "start_offset_days": 100,
        "due_offset_days": 600,
        "status": "in_progress",
        "progress": 40,
        "pcm_activity_ref": None,
        "visibility": "shared",
        "example": True,
        "milestones": [
            {
                "title": {"ja": "第 1 回会合への派遣", "en": "First meeting attended"},
                "due_offset_days": 160,
                "done_offset_days": 161,
            },
            {
                "title": {"ja": "第 2 回会合への派遣", "en": "Second meeting attended"},
                "due_offset_days": 400,
                "done_offset_days": None,
            },
            {
                "title": {"ja": "第 3 回会合への派遣", "en": "Third meeting attended"},
                "due_offset_days": 590,
                "done_offset_days": None,
            },
        ],
    },
]
