"""`python -m glioma_change` runs the command line."""

from glioma_change.cli import main

main()
