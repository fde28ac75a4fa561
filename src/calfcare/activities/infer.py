"""The sport of a file that does not say (a GPX without ``<type>``, a TCX with ``Sport="Other"``), and plausibility
rules for the numbers every file gives. Pure: values in, values out. Rules documented in docs/formats.md.

Sport, in this order:

1. **Words** in the activity's name or description, in several languages (``Afternoon Run``, ``Dauerlauf``,
   ``footing``, ``course à pied``, ``Wanderung``, ``vélo``, ``natation`` …): the sport they name, confidence 0.9
   (0.6 when the speed profile below contradicts it, e.g. a "run" at 9 m/s; the words still win).
2. **Speed and cadence profile** (the 1 Hz streams, seconds moving at ≥ 0.5 m/s):

   * cadence median 140–230 steps/min (or 70–115 counted per foot) and median speed 1.8–6 m/s → run, 0.8, when
     the step this gives (speed ÷ step rate) is at most 1.9 m: no one runs at 19 km/h on 2.1 m steps at 152 spm,
     but a cyclist pedals at 76 rpm (a bike file's cadence read as one foot's);
   * cadence median 80–135 steps/min and median speed 0.6–2.0 m/s → walk, 0.7;
   * cadence median 40–120 (revolutions per minute) at a median 3.5–20 m/s that is no run (the step would be too
     long) → ride, 0.6;
   * no cadence: median moving speed 2.2–6.5 m/s (7:35 to 2:34 min/km) with a 95th percentile under 8 m/s → run,
     0.6; 0.6–1.9 m/s → walk, 0.6; 6.5–20 m/s → ride, 0.6.

3. Else ``other`` (truly unknown): listed as "not counted" by ``load`` and ``retro``; ``calfcare activity
   set-sport`` corrects it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from calfcare.activities.activity import Sport

# Words (accents removed, lower case) that name a sport. Multi-word phrases are matched on the joined text.
_WORDS: dict[str, Sport] = {}
for _sport, _words in {
    "run": "run runs running jog jogging jogged lauf laufen lauftraining dauerlauf joggen laufrunde course footing "
    "carrera correr corriendo corsa corrida hardlopen hardloop lob lobetur lopning lopa lenkki juoksu bieg "
    "bieganie beh parkrun 5k 10k marathon halbmarathon halfmarathon semimarathon tempo intervals intervalle "
    "fartlek strides",
    "trail_run": "trail trailrun trailrunning ultratrail",
    "treadmill": "treadmill laufband",
    "walk": "walk walks walking hike hiking wandern wanderung spaziergang spazieren marche randonnee caminata "
    "caminar paseo senderismo passeggiata camminata escursione wandeling wandelen vandring spacer promenade",
    "ride": "ride riding bike biking cycling cycle radfahren radtour rad velo bici bicicleta ciclismo fiets "
    "fietsen mtb gravel",
    "swim": "swim swimming schwimmen natation nage natacion nuoto zwemmen simning uinti plywanie",
}.items():
    for _word in _words.split():
        _WORDS[_word] = _sport  # type: ignore[assignment]
_PHRASES: dict[str, Sport] = {"course a pied": "run", "trail run": "trail_run", "sortie longue": "run"}

WORDS_CONFIDENCE = 0.9
CONTRADICTED_CONFIDENCE = 0.6
MOVING_MS = 0.5
RUN_SPEED = (1.8, 6.0)  # m/s, with a running cadence (6 m/s = 2:47 min/km)
RUN_SPEED_NO_CADENCE = (2.2, 6.5)
RUN_P95_MAX = 8.0
WALK_SPEED = (0.6, 2.0)
WALK_SPEED_NO_CADENCE = (0.6, 1.9)
RIDE_SPEED = (6.5, 20.0)
RUN_CADENCE = (120.0, 230.0)  # steps/min (both feet): the plausible range for runs
WALK_CADENCE = (80.0, 140.0)
RUN_CADENCE_INFER = (140.0, 230.0)  # stricter for inferring a run from cadence alone (a brisk walk reaches 135)
WALK_CADENCE_INFER = (80.0, 135.0)
# The longest running step (m) the profile accepts: elite distance runners at 5.5–6 m/s take ≈ 1.8–1.9 m steps at
# 180–190 spm; a longer "step" is a crank revolution read as a step (a bike's cadence counted as one foot's).
RUN_STEP_MAX_M = 1.9
RIDE_CADENCE_INFER = (40.0, 120.0)  # rpm
RIDE_SPEED_WITH_CADENCE = (3.5, 20.0)  # m/s


@dataclass(frozen=True)
class SportGuess:
    sport: Sport
    confidence: float  # 0..1
    reason: str  # "from the name 'Afternoon Run'" / "from the speed profile (median 2.9 m/s, cadence 168 spm)"

    def describe(self) -> str:
        return f"{self.reason} (confidence {self.confidence:.1f})"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ø", "o").replace("ł", "l")


def sport_from_words(*texts: str | None) -> tuple[Sport, str] | None:
    """The sport named by the first text (name, then description) that names one, and the word that did."""
    for text in texts:
        if not text:
            continue
        folded = _fold(text)
        for phrase, sport in _PHRASES.items():
            if phrase in folded:
                return sport, phrase
        words = re.findall(r"[a-z0-9]+", folded)
        # the most specific sport wins over plain "run" ("Trail run", "Treadmill run")
        found = [(_WORDS[w], w) for w in words if w in _WORDS]
        for preferred in ("trail_run", "treadmill"):
            if any(s == preferred for s, _ in found) and any(s == "run" for s, _ in found):
                return next((s, w) for s, w in found if s == preferred)
        if found:
            return found[0]
    return None


def _median(x: npt.NDArray[np.floating] | None, mask: npt.NDArray[np.bool_] | None = None) -> float | None:
    if x is None:
        return None
    v = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(v) & (v > 0)
    if mask is not None:
        ok &= mask
    return float(np.median(v[ok])) if ok.sum() >= 10 else None


def _within(value: float | None, bounds: tuple[float, float]) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


def sport_from_profile(
    speed: npt.NDArray[np.floating] | None, cadence: npt.NDArray[np.floating] | None
) -> SportGuess | None:
    """A sport from how fast the activity went and at what cadence (see the module docstring), or None."""
    if speed is None:
        return None
    v = np.asarray(speed, dtype=np.float64)
    moving = np.isfinite(v) & (v >= MOVING_MS)
    if moving.sum() < 60:
        return None
    median = float(np.median(v[moving]))
    p95 = float(np.percentile(v[moving], 95))
    cad = _median(cadence, moving if cadence is not None and len(cadence) == len(v) else None)
    shown = f"median {median:.1f} m/s" + (f", cadence {cad:.0f}" if cad is not None else "")
    if cad is not None:
        steps = cad * 2 if _within(cad * 2, RUN_CADENCE_INFER) and not _within(cad, RUN_CADENCE_INFER) else cad
        step_m = median / (steps / 60.0)
        if _within(steps, RUN_CADENCE_INFER) and _within(median, RUN_SPEED) and step_m <= RUN_STEP_MAX_M:
            return SportGuess("run", 0.8, f"from the speed and cadence profile ({shown})")
        if _within(cad, WALK_CADENCE_INFER) and _within(median, WALK_SPEED):
            return SportGuess("walk", 0.7, f"from the speed and cadence profile ({shown})")
        if _within(cad, RIDE_CADENCE_INFER) and _within(median, RIDE_SPEED_WITH_CADENCE) and step_m > RUN_STEP_MAX_M:
            why = f"{shown}: a {step_m:.1f} m step is no one's running, a pedalling cadence"
            return SportGuess("ride", 0.6, f"from the speed and cadence profile ({why})")
        if not _within(median, RIDE_SPEED):  # a cadence that is no one's step rate: not decided by speed alone
            return None
    if _within(median, RUN_SPEED_NO_CADENCE) and p95 < RUN_P95_MAX:
        return SportGuess("run", 0.6, f"from the speed profile ({shown})")
    if _within(median, WALK_SPEED_NO_CADENCE):
        return SportGuess("walk", 0.6, f"from the speed profile ({shown})")
    if _within(median, RIDE_SPEED):
        return SportGuess("ride", 0.6, f"from the speed profile ({shown})")
    return None


def _consistent(sport: Sport, profile: SportGuess | None) -> bool:
    if profile is None:
        return True
    on_foot = {"run", "trail_run", "treadmill"}
    if sport in on_foot:
        return profile.sport in on_foot
    return profile.sport == sport


def infer_sport(
    *,
    title: str | None,
    description: str | None,
    speed: npt.NDArray[np.floating] | None,
    cadence: npt.NDArray[np.floating] | None,
) -> SportGuess | None:
    """The sport of an untyped activity: the words first, then the profile; None when truly unknown."""
    profile = sport_from_profile(speed, cadence)
    words = sport_from_words(title, description)
    if words is not None:
        sport, word = words
        where = "name" if title and word in _fold(title) else "description"
        text = title if where == "name" else description
        if _consistent(sport, profile):
            return SportGuess(sport, WORDS_CONFIDENCE, f"from the {where} {text!r}")
        assert profile is not None
        return SportGuess(
            sport, CONTRADICTED_CONFIDENCE, f"from the {where} {text!r}, though the profile looks like {profile.sport}"
        )
    return profile


def cadence_factor(median_spm: float | None, sport: str) -> float:
    """The factor that makes a run's or walk's cadence plausible in steps per minute (runs 120–230, walks 80–140):
    1 when it already is, 2 when the file counted one foot, 0.5 when it was doubled once too often; 1 when no
    factor helps (or the sport has no step cadence)."""
    bounds = {"run": RUN_CADENCE, "trail_run": RUN_CADENCE, "treadmill": RUN_CADENCE, "walk": WALK_CADENCE}.get(sport)
    if bounds is None or median_spm is None or median_spm <= 0:
        return 1.0
    for factor in (1.0, 2.0, 0.5):
        if _within(median_spm * factor, bounds):
            return factor
    return 1.0
