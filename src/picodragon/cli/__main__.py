"""``python -m picodragon.cli``: the same command as ``picodragon``."""

from picodragon.cli import main

main()
