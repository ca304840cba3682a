"""`python -m davserver` runs the command line."""

from davserver.cli import main

raise SystemExit(main())
