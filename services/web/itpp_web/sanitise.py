"""The one HTML sanitiser of the web (nh3): what the API renders and what officials write passes
it before it is put into a page. No scripts, styles, handlers or links out, whatever the input.

Comments: their Markdown subset is rendered here (markdown-it, with raw HTML, links, images and
autolinks off), then sanitised like the plan document.
"""

from __future__ import annotations

from collections.abc import Collection

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# The markdown subset of comments: paragraphs and line breaks, emphasis, inline code, code
# blocks, lists and quotes. Anything else (links, images, headings, tables, HTML) stays text.
_COMMENT_MARKDOWN = MarkdownIt("zero", {"html": False, "breaks": True}).enable(
    ["emphasis", "backticks", "fence", "code", "list", "blockquote", "newline", "escape"]
)
COMMENT_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote"})


def sanitise(
    html: str,
    *,
    tags: Collection[str],
    attributes: dict[str, set[str]] | None = None,
) -> Markup:
    """`html` with only these tags and attributes left (the text of any other stays, a script's
    or style's is dropped), no comments, and no link relations added."""
    clean = nh3.clean(
        html,
        tags=set(tags),
        attributes=attributes or {},
        link_rel=None,
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def comment_html(body: str | None) -> Markup:
    """A comment's Markdown as safe HTML for the page."""
    if not body:
        return Markup("")
    return sanitise(_COMMENT_MARKDOWN.render(body), tags=COMMENT_TAGS)
