"""`python -m benchsvc`: the same command as the `benchsvc` console script."""

from benchsvc.cli.app import main

main()
