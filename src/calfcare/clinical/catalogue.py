"""Importing this module registers every clinical rule in :data:`calfcare.clinical.rules.RULES`.

Each module that declares rules with ``rule(...)`` at module level is imported here, one line each
(``from calfcare.clinical import x as x``), so that the docs (:mod:`calfcare.clinical.docs`) and the tests see the
whole registry.
"""

from __future__ import annotations

from calfcare.clinical import clinician as clinician
from calfcare.clinical import criteria as criteria
from calfcare.clinical import findings as findings
from calfcare.clinical import pacing as pacing
from calfcare.clinical import progression as progression
from calfcare.clinical import protocol as protocol
from calfcare.clinical import redflags as redflags
from calfcare.clinical import return_to_run as return_to_run
from calfcare.clinical import severity as severity
from calfcare.clinical import structure as structure
from calfcare.clinical import today as today
from calfcare.clinical import triage as triage
from calfcare.clinical.rules import RULES as RULES
