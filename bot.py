#!/usr/bin/env python3
"""Cyber Hygiene Bot. Run `python bot.py --help`."""

from cyberhygiene.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
