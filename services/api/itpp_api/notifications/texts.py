"""The words of notification mails, in Japanese and English: every translatable string of a mail
is in this one module.

A module rather than Babel catalogs: the API has no catalogs (the web's live in the web package,
which the API must not import), the strings are few, and a test checks that both languages
have every key with the same placeholders. A recipient whose language is neither gets English.
"""

from typing import Final

LANGUAGES: Final = ("ja", "en")
DEFAULT_LANGUAGE: Final = "en"

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "subject.amendment_proposed": "[{plan}] Amendment {number} proposed: {title}",
        "subject.amendment_decided.approve": "[{plan}] {party} approved amendment {number}",
        "subject.amendment_decided.reject": "[{plan}] {party} rejected amendment {number}",
        "subject.review_opened": "[{plan}] Review {number} is open (due {due_date})",
        "subject.review_signed": "[{plan}] {party} signed off review {number}",
        "body.amendment_proposed": "{actor} ({party}) proposed amendment {number}, "
        "“{title}”, to the plan {plan} ({plan_title}). It takes effect only when every party "
        "has approved it; your party's approver decides.",
        "body.amendment_decided.approve": "{actor} approved amendment {number}, “{title}”, "
        "of the plan {plan} ({plan_title}) for {party}.",
        "body.amendment_decided.reject": "{actor} rejected amendment {number}, “{title}”, "
        "of the plan {plan} ({plan_title}) for {party}.",
        "body.review_opened": "Review {number} of the plan {plan} ({plan_title}) is open, due "
        "{due_date}: each party assesses its commitments, then its approver signs the review off.",
        "body.review_signed": "{actor} signed off review {number} of the plan {plan} "
        "({plan_title}) for {party}.",
        "subject.review_due": "[{plan}] Review {number}, due {due_date}, is not open yet",
        "subject.commitment_overdue": "[{plan}] Commitment {reference} is overdue (due {due_date})",
        "subject.commitment_stale": "[{plan}] Commitment {reference}: no update in 60 days",
        "subject.plan_expiring": "[{plan}] The plan expires on {due_date}",
        "body.review_due": "Review {number} of the plan {plan} ({plan_title}) is due on "
        "{due_date} and has not been opened. Prepare it with the other party, then open it so "
        "that each party can assess its commitments.",
        "body.commitment_overdue": "The commitment {reference}, “{title}”, which your party "
        "leads under the plan {plan} ({plan_title}), was due on {due_date} and is not "
        "completed. Bring its status, progress or dates up to date.",
        "body.commitment_stale": "The commitment {reference}, “{title}”, which your party "
        "leads under the plan {plan} ({plan_title}), has had no update in 60 days. Bring its "
        "status and progress up to date.",
        "body.plan_expiring": "The plan {plan} ({plan_title}) expires on {due_date}. To "
        "continue the cooperation, the parties agree on its renewal before then (an amendment "
        "every party approves); otherwise the plan ends on that date.",
        "subject.comment_mention": "[{plan}] {actor} mentioned you in a comment",
        "body.comment_mention": "{actor} ({party}) mentioned you in a comment under the plan "
        "{plan} ({plan_title}). Open the record to read it and reply.",
        "greeting": "Dear {name},",
        "action": "Open it in ITPP Tracker:",
        "inbox": "Everything waiting on you:",
        "footer": "You receive this mail because of your role in the plan {plan}. "
        "This is an automatic message; replies are not read.",
        "someone": "Someone",
        "unknown_party": "a party",
        "unsubscribe": "Stop mails of this kind (one click):",
        "preferences": "Choose which mails you receive, and how often:",
        "digest.subject": "[ITPP Tracker] Your daily digest: {count} notifications",
        "digest.subject.one": "[ITPP Tracker] Your daily digest: {count} notification",
        "digest.intro": "Here is what happened since your previous digest ({count}):",
        "digest.footer": "You receive this daily digest because you chose it for these kinds "
        "of notification. This is an automatic message; replies are not read.",
        "digest.unsubscribe": "Stop the mails of the kinds in this digest (one click):",
        "subject.invitation": "[ITPP Tracker] You are invited: choose your password",
        "body.invitation": "Your party's admin has added you to ITPP Tracker as {email}. "
        "Open the link below to choose your password, then sign in with this address. The "
        "link works once, until {expires}.",
        "footer.invitation": "You receive this mail because your party's admin invited you. "
        "If you did not expect it, ignore it: nothing happens unless the link is used. This is "
        "an automatic message; replies are not read.",
    },
    "ja": {
        "subject.amendment_proposed": "【{plan}】改正案 第{number}号が提案されました：{title}",
        "subject.amendment_decided.approve": "【{plan}】{party}が改正案 第{number}号を承認しました",
        "subject.amendment_decided.reject": "【{plan}】{party}が改正案 第{number}号を却下しました",
        "subject.review_opened": "【{plan}】第{number}回レビューが開始されました"
        "（期限 {due_date}）",
        "subject.review_signed": "【{plan}】{party}が第{number}回レビューを承認しました",
        "body.amendment_proposed": "{actor}（{party}）が計画 {plan}（{plan_title}）の改正案 "
        "第{number}号「{title}」を提案しました。すべての当事者が承認して初めて効力を生じます。"
        "貴当事者の承認者が判断します。",
        "body.amendment_decided.approve": "{actor}が{party}を代表して、計画 {plan}"
        "（{plan_title}）の改正案 第{number}号「{title}」を承認しました。",
        "body.amendment_decided.reject": "{actor}が{party}を代表して、計画 {plan}"
        "（{plan_title}）の改正案 第{number}号「{title}」を却下しました。",
        "body.review_opened": "計画 {plan}（{plan_title}）の第{number}回レビューが開始されました"
        "（期限 {due_date}）。各当事者が自らのコミットメントを評価し、"
        "承認者がレビューを承認します。",
        "body.review_signed": "{actor}が{party}を代表して、計画 {plan}（{plan_title}）の"
        "第{number}回レビューを承認しました。",
        "subject.review_due": "【{plan}】第{number}回レビュー（期限 {due_date}）が"
        "開始されていません",
        "subject.commitment_overdue": "【{plan}】コミットメント {reference} の期限"
        "（{due_date}）が過ぎています",
        "subject.commitment_stale": "【{plan}】コミットメント {reference} が"
        "60日間更新されていません",
        "subject.plan_expiring": "【{plan}】計画の有効期限は {due_date} です",
        "body.review_due": "計画 {plan}（{plan_title}）の第{number}回レビューは {due_date} が"
        "期限ですが、まだ開始されていません。相手方と準備のうえ開始し、各当事者が自らの"
        "コミットメントを評価できるようにしてください。",
        "body.commitment_overdue": "貴当事者が主導する計画 {plan}（{plan_title}）の"
        "コミットメント {reference}「{title}」は {due_date} が期限でしたが、完了していません。"
        "状況・進捗・日程を更新してください。",
        "body.commitment_stale": "貴当事者が主導する計画 {plan}（{plan_title}）の"
        "コミットメント {reference}「{title}」は60日間更新されていません。"
        "状況と進捗を更新してください。",
        "body.plan_expiring": "計画 {plan}（{plan_title}）は {due_date} に有効期限を迎えます。"
        "協力を継続するには、それまでに計画の更新（すべての当事者が承認する改正）に"
        "合意してください。合意がなければ、計画は同日に終了します。",
        "subject.comment_mention": "【{plan}】{actor}さんがコメントであなたに言及しました",
        "body.comment_mention": "{actor}さん（{party}）が計画 {plan}（{plan_title}）の"
        "コメントであなたに言及しました。記録を開いてお読みのうえ、返信してください。",
        "greeting": "{name} 様",
        "action": "ITPP Tracker で開く：",
        "inbox": "対応待ちの一覧：",
        "footer": "計画 {plan} における役割に基づきお送りしています。"
        "このメールは自動送信です。返信は確認されません。",
        "someone": "担当者",
        "unknown_party": "当事者",
        "unsubscribe": "この種類のメールを停止する（ワンクリック）：",
        "preferences": "受け取るメールとその頻度を選ぶ：",
        "digest.subject": "【ITPP Tracker】本日のダイジェスト：通知 {count} 件",
        "digest.subject.one": "【ITPP Tracker】本日のダイジェスト：通知 {count} 件",
        "digest.intro": "前回のダイジェスト以降の通知（{count} 件）です：",
        "digest.footer": "これらの種類の通知について日次ダイジェストを選択されているため"
        "お送りしています。このメールは自動送信です。返信は確認されません。",
        "digest.unsubscribe": "このダイジェストに含まれる種類のメールを停止する（ワンクリック）：",
        "subject.invitation": "【ITPP Tracker】ご招待：パスワードを設定してください",
        "body.invitation": "貴当事者の管理者が、{email} として ITPP Tracker に登録しました。"
        "下のリンクを開いてパスワードを設定し、このアドレスでサインインしてください。"
        "リンクは {expires} まで、一度だけ使えます。",
        "footer.invitation": "貴当事者の管理者から招待されたため、お送りしています。"
        "心当たりのない場合は破棄してください。リンクが使われない限り何も起こりません。"
        "このメールは自動送信です。返信は確認されません。",
    },
}


def language_for(preferred_language: str) -> str:
    """The language of a mail to a user: theirs if we write it (ja-JP → ja), else English."""
    primary = preferred_language.split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def text(language: str, key: str, **values: object) -> str:
    """One string in a language, its placeholders filled."""
    return TEXTS[language][key].format(**values)
