"""``python -m cyberhygiene`` runs the same command line as ``python bot.py``."""

from .cli import main

raise SystemExit(main())
