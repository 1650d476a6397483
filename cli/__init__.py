"""Command-line tools, above both the semantic layer and the app.

`python -m semantic ...` is the command users type; semantic/__main__.py only
hands over to `cli.semantic_cli.main`. The CLI may use auth/ (accounts, audit
log) and data/ (the metadata store); the semantic layer never does.
"""
