"""``python -m recoup`` is ``recoup``."""

from recoup.cli import main

main()
