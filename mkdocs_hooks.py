"""MkDocs hooks of the documentation site (mkdocs.yml): the Markdown files that live outside
docs/ (the README, the production runbook, the benchmarks, the security notes) become pages of
the site at their repository paths, and the links between them and docs/ are written as links
between repository files, so they work both when the files are read in the repository and in
the built site. A link whose target is neither a page nor one of these files is left as it is,
and the strict build fails on it."""

import posixpath
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent
# Repository files published as pages, at their repository paths (README.md is the home page).
PAGES_OUTSIDE_DOCS = ("README.md", "SECURITY.md", "deploy/README.md", "bench/README.md")
# An inline link or image: [text](target) or ![alt](target), with an optional title.
LINK = re.compile(r"(?P<open>\]\()(?P<target>[^)\s]+)(?P<rest>(?:\s+\"[^\"]*\")?\))")


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    for path in PAGES_OUTSIDE_DOCS:
        files.append(
            File(
                path,
                src_dir=str(ROOT),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def _site_path(target: Path, docs_dir: Path) -> str | None:
    """The target's path in the site's files, if it is a page or a file of the site."""
    if target.is_relative_to(docs_dir):
        return target.relative_to(docs_dir).as_posix()
    if target.is_relative_to(ROOT) and target.relative_to(ROOT).as_posix() in PAGES_OUTSIDE_DOCS:
        return target.relative_to(ROOT).as_posix()
    return None


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    docs_dir = Path(config.docs_dir).resolve()
    source = Path(page.file.abs_src_path or "").resolve()
    page_dir = posixpath.dirname(page.file.src_uri)

    def relink(match: re.Match[str]) -> str:
        target = match["target"]
        path, hash_, anchor = target.partition("#")
        if not path or "://" in path or path.startswith(("/", "mailto:")):
            return match[0]
        site_path = _site_path(Path(posixpath.normpath(source.parent / path)), docs_dir)
        if site_path is None or files.get_file_from_path(site_path) is None:
            return match[0]  # not a file of the site: the strict build reports it
        relative = posixpath.relpath(site_path, page_dir or ".")
        return f"{match['open']}{relative}{hash_}{anchor}{match['rest']}"

    return LINK.sub(relink, markdown)
