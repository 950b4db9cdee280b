"""`python -m benchagent` runs the CLI."""

from benchagent.cli import main

main()
