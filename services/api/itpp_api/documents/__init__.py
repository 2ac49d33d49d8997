"""The plan as a document: rendering it (Markdown, HTML, PDF) and importing one from its text."""
