"""``python -m calfcare`` is ``calfcare``."""

from calfcare.cli import main

if __name__ == "__main__":
    main()
