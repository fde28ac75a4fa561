"""calfcare: from "my calf just went" back to running.

calfcare informs and escalates; it never diagnoses. See README.md.
"""

__version__ = "0.1.0"
