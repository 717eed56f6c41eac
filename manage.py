#!/usr/bin/env python
"""Django's manage.py, kept for habit: ``onestop`` is the same thing."""

from onestop.cli import main

if __name__ == "__main__":
    main()
