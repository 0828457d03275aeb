"""`python -m ingen_fab.cli` runs the CLI."""

from ingen_fab.cli.main import main

main()
