"""Retry policies: when each attempt of a delivery happens.

Two kinds, both plain values that serialise to JSON for the store:

* ``SchedulePolicy``: explicit delays from the first attempt's due time to each attempt, e.g.
  ``0,1m,5m,10m,30m,1h`` — attempt 1 immediately, attempt 2 one minute after attempt 1 failed…
  (each delay is counted from the previous attempt, as the seeds describe their schedules).
* ``ExponentialPolicy``: attempt 1 at once, then ``initial * factor**(n-2)`` capped, with
  optional jitter.

Every door (the window's retry boxes, ``send --retry``, the API's ``retry_policy``, a
profile's ``retry``) reads the same text through :func:`parse_policy`, one of:

* a preset name: ``svix``, ``stripe``, ``seed-004``… (:data:`PRESETS`, :data:`ALIASES`);
* a schedule: a comma list of delays, ``0,1m,5m,10m,30m,1h``;
* an exponential policy: ``exp 30s x2 cap 1h 10 attempts jitter 20%``, read as "the first
  retry 30 s after the first attempt, each wait twice the one before, no wait over an hour,
  10 attempts in all, each wait moved at random by up to ±20 %". Only the first delay is
  required; the clauses after it come in any order (commas between them are fine) and
  default to ``x2``, no cap beyond the 30-day limit on any one delay (``cap 30d``),
  ``6 attempts`` and no jitter. ``x1.5``, ``*1.5``, ``factor 1.5`` and ``multiplier 1.5`` all
  say the factor; ``attempts 10`` is ``10 attempts``; jitter is a percentage (``jitter 20%``,
  ``jitter ±20%``), 0 to 100 %.

Words a human wrote are read forgivingly; :func:`format_policy` writes a policy back in the
one canonical form (a preset's name when it equals one), which :func:`parse_policy` reads back
to the same policy, so an API read shows what was set and an editor can reopen it.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from webhook_studio.core.errors import PolicyError
from webhook_studio.core.limits import Range

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?\s*$")
MAX_ATTEMPTS = 100
#: Attempts in all, the first included, for either kind of policy.
ATTEMPTS = Range(1, MAX_ATTEMPTS)
#: Seconds before any one attempt (a schedule's delays, an exponential's first delay and cap).
DELAY_SECONDS = Range(0, 30 * 86400, whole=False)
#: An exponential policy's factor: 1 keeps every wait at the first delay; beyond 100 the cap
#: is reached by the third retry anyway.
FACTOR = Range(1, 100, whole=False)
#: Jitter in per cent of each wait (stored as a fraction, 0.2 = ±20 %).
JITTER_PERCENT = Range(0, 100, whole=False)
EXAMPLE = "exp 30s x2 cap 1h 10 attempts jitter 20%"
#: The three forms in one sentence, for a field's tooltip or a command's help.
HELP = ("A preset (svix, stripe, seed-004…), a comma list of delays between attempts "
        "(0,1m,5m,1h), or exponential back-off: exp FIRST-DELAY xFACTOR cap MAX-DELAY "
        f"N attempts jitter P%, e.g. {EXAMPLE}")


def parse_delay(text: str) -> float:
    """``30s``, ``5m``, ``2h``, ``1d``, ``250ms`` or plain seconds, as seconds."""
    match = _DELAY.match(text)
    if not match:
        raise PolicyError(f"{text.strip()!r} is not a delay; write it like 0, 30s, 5m, 2h or 1d.")
    value = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if value > DELAY_SECONDS.high:
        raise PolicyError(f"{text.strip()!r} is longer than 30 days; use a shorter delay.")
    return value


def _plain(value: float) -> str:
    """The shortest decimal that reads back as ``value``, never in exponent notation (the
    parsers do not read ``1e-05``)."""
    return _plain_decimal(Decimal(repr(float(value))))


def format_delay(seconds: float) -> str:
    """``parse_delay``'s input for ``seconds``, exactly: ``format_delay(x)`` parses to ``x``."""
    if seconds == 0:
        return "0"  # as schedules are written: 0,1m,5m
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{_plain(seconds)}s"


def _percent(fraction: float) -> str:
    """``0.2`` as ``20``: decimal arithmetic, so ``_fraction(_percent(x)) == x`` exactly."""
    return _plain_decimal(Decimal(repr(float(fraction))) * 100)


def _plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fraction(percent: str) -> float:
    return float(Decimal(percent) / 100)


@dataclass(frozen=True)
class SchedulePolicy:
    """``delays[i]`` is the wait before attempt ``i + 1`` (the first is usually 0)."""

    delays: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.delays) not in ATTEMPTS:
            raise PolicyError(f"A schedule needs {ATTEMPTS.text()} attempts.")
        if any(not (isinstance(d, int | float) and math.isfinite(d) and d in DELAY_SECONDS)
               for d in self.delays):
            raise PolicyError("Schedule delays must be from 0 to 30 days.")

    @property
    def max_attempts(self) -> int:
        return len(self.delays)

    def delay_before(self, attempt: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before attempt ``attempt`` (1-based), None when there is none."""
        if not 1 <= attempt <= len(self.delays):
            return None
        return self.delays[attempt - 1]

    def preview(self, start: float, rng: random.Random | None = None) -> list[float]:
        return preview(self, start, rng)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "schedule", "delays": list(self.delays)}

    def describe(self) -> str:
        """The schedule as :func:`parse_policy` reads it."""
        return ",".join(format_delay(d) for d in self.delays)


@dataclass(frozen=True)
class ExponentialPolicy:
    """Attempt 1 at once; then ``initial``, ``initial*multiplier``, … capped at ``cap``.

    ``jitter`` is a fraction (0.2 = ±20 %) applied with the injected random generator. The
    messages name the parts as the text form writes them (``x2``, ``cap 1h``…): that is how
    people meet them.
    """

    initial: float = 1.0
    multiplier: float = 2.0
    cap: float = 3600.0
    max_attempts: int = 6
    jitter: float = 0.0

    def __post_init__(self) -> None:
        for name in ("initial", "multiplier", "cap", "jitter"):
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, int | float)
                    or not math.isfinite(value)):
                raise PolicyError(f"An exponential retry policy's {name} must be a number, "
                                  f"not {value!r}.")
        if self.initial not in DELAY_SECONDS:
            raise PolicyError(f"The first retry's delay must be {DELAY_SECONDS.text()} "
                              f"seconds (30 days); {format_delay(abs(self.initial))} is not.")
        if self.multiplier not in FACTOR:
            advice = ("x1 keeps every retry at the first delay" if self.multiplier < 1
                      else "the cap is reached within a few retries anyway")
            raise PolicyError(f"The factor x{_plain(self.multiplier)} is out of range: write "
                              f"x1 to x100 ({advice}).")
        if not 0 < self.cap <= DELAY_SECONDS.high:
            raise PolicyError("The cap must be more than 0 and at most 30 days (cap 30d).")
        if self.cap < self.initial:
            raise PolicyError(f"The cap {format_delay(self.cap)} is shorter than the first "
                              f"retry's delay {format_delay(self.initial)}; write cap "
                              f"{format_delay(self.initial)} or more.")
        if isinstance(self.max_attempts, bool) or self.max_attempts not in ATTEMPTS:
            raise PolicyError(f"The number of attempts must be a whole number "
                              f"{ATTEMPTS.text()}; {self.max_attempts!r} is not.")
        if not 0 <= self.jitter <= 1:
            raise PolicyError(f"Jitter must be {JITTER_PERCENT.text()} % (jitter 20% moves "
                              f"each wait by up to ±20 %); {_percent(self.jitter)} % is not.")

    def delay_before(self, attempt: int, rng: random.Random | None = None) -> float | None:
        if not 1 <= attempt <= self.max_attempts:
            return None
        if attempt == 1:
            return 0.0
        try:
            delay = min(self.cap, self.initial * self.multiplier ** (attempt - 2))
        except OverflowError:
            delay = self.cap
        if self.jitter and rng is not None:
            delay *= 1 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, delay)

    def preview(self, start: float, rng: random.Random | None = None) -> list[float]:
        return preview(self, start, rng)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "exponential", "initial": self.initial, "multiplier": self.multiplier,
                "cap": self.cap, "max_attempts": self.max_attempts, "jitter": self.jitter}

    def describe(self) -> str:
        """The canonical text form, e.g. ``exp 30s x2 cap 1h 10 attempts jitter 20%``."""
        attempts = "1 attempt" if self.max_attempts == 1 else f"{self.max_attempts} attempts"
        text = (f"exp {format_delay(self.initial)} x{_plain(self.multiplier)} "
                f"cap {format_delay(self.cap)} {attempts}")
        return f"{text} jitter {_percent(self.jitter)}%" if self.jitter else text


Policy = SchedulePolicy | ExponentialPolicy


def schedule(*delays: str) -> SchedulePolicy:
    return SchedulePolicy(tuple(parse_delay(d) for d in delays))


#: Named presets. Each seed's guide lists retries after a first, immediate attempt.
PRESETS: dict[str, Policy] = {
    "standard-webhooks": schedule("0", "5s", "5m", "30m", "2h", "5h", "10h", "10h"),
    "svix": schedule("0", "5s", "5m", "30m", "2h", "5h", "10h", "10h"),
    # Seed 000 lists five retries (1m … 1h) but also says "after 5 failed attempts we stop";
    # we follow the listed retries: 6 attempts in all.
    "paissive": schedule("0", "1m", "5m", "10m", "30m", "1h"),
    # Seed 001: attempt 1 immediate, then 1, 2, 4, 8 s (max_attempts 5, multiplier 2).
    "envoyou": schedule("0", "1s", "2s", "4s", "8s"),
    "brainsait": schedule("0", "5m", "30m", "2h", "12h", "24h"),
    # Seed 003: 1 s doubling, 5 retries after the immediate attempt (1, 2, 4, 8, 16 s).
    "leads": ExponentialPolicy(initial=1, multiplier=2, cap=3600, max_attempts=6),
    # Seed 004 says "up to 6 retries" but lists five delays; the listed delays win.
    "ops-center": schedule("0", "1m", "5m", "15m", "1h", "2h"),
    # Stripe retries for up to three days with exponential back-off; its exact intervals are
    # not published, so this is an approximation (1 m growing x2.6 to a 12 h cap, 13 attempts,
    # about 68 h in all) that spans roughly the same three days.
    "stripe": ExponentialPolicy(initial=60, multiplier=2.6, cap=12 * 3600, max_attempts=13),
    "none": schedule("0"),
}
ALIASES = {"seed-000": "paissive", "seed-001": "envoyou", "seed-002": "brainsait",
           "seed-003": "leads", "seed-004": "ops-center"}


_EXP_WORD = re.compile(r"^\s*exp(?:onential)?(?![a-z])", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_FACTOR_MARK = re.compile(r"^(?:x|×|\*)(.*)$")
_PERCENT = re.compile(r"^(?:±|\+-|\+/-)?(\d+(?:\.\d+)?)%$", re.ASCII)
_ATTEMPT_WORDS = ("attempts", "attempt")


def _attempts(count: str) -> int:
    amount = Decimal(count) if _NUMBER.match(count) else None
    if amount is not None and amount == amount.to_integral_value() and amount > ATTEMPTS.high:
        raise PolicyError(f"{count} attempts is too many: at most {MAX_ATTEMPTS}, the first "
                          "attempt included.")
    if (amount is None or amount != amount.to_integral_value()
            or not ATTEMPTS.low <= amount <= ATTEMPTS.high):
        raise PolicyError(f"{count!r} is not a number of attempts; write a whole number "
                          f"{ATTEMPTS.text()} (the first attempt included), like 10 attempts.")
    return int(amount)


def _tokens(text: str) -> list[str]:
    """Words of an exponential policy: commas are spaces, ``20 %`` is ``20%``, ``30 s`` is
    ``30s`` (a number followed by a unit)."""
    words = text.replace(",", " ").lower().split()
    out: list[str] = []
    for word in words:
        glued = (word == "%" or (word in _UNITS and _NUMBER.match(out[-1]))
                 or out[-1] in ("±", "+-", "+/-")) if out else False
        if glued:
            out[-1] += word
        else:
            out.append(word)
    return out


def _exponential(text: str) -> ExponentialPolicy:
    """``exp 30s x2 cap 1h 10 attempts jitter 20%`` (see the module docstring)."""
    shown = text.strip()
    words = _tokens(_EXP_WORD.sub("", text, count=1))
    if not words:
        raise PolicyError(f"Write the first retry's delay after {shown.split()[0]!r}, like "
                          f"{EXAMPLE}.")
    initial = parse_delay(words.pop(0))
    found: dict[str, Any] = {}

    def once(name: str, value: Any, said: str) -> None:
        if name in found:
            raise PolicyError(f"{shown!r} gives the {said} twice; keep one.")
        found[name] = value

    def following(word: str, what: str) -> str:
        if not words:
            raise PolicyError(f"{word!r} needs {what} after it, as in {EXAMPLE}.")
        return words.pop(0)

    def factor(value: str) -> float:  # its range is ExponentialPolicy's to check
        if not _NUMBER.match(value):
            raise PolicyError(f"{value!r} is not a factor; write it like x2 or x1.5.")
        return float(value)

    while words:
        word = words.pop(0)
        if mark := _FACTOR_MARK.match(word):
            once("multiplier", factor(mark.group(1) or following(word, "a factor")), "factor")
        elif word in ("factor", "multiplier"):
            once("multiplier", factor(following(word, "a factor")), "factor")
        elif word == "cap":
            once("cap", parse_delay(following(word, "a delay")), "cap")
        elif word in _ATTEMPT_WORDS or (_NUMBER.match(word) and words
                                        and words[0] in _ATTEMPT_WORDS):
            count = following(word, "a number") if word in _ATTEMPT_WORDS else word
            if word not in _ATTEMPT_WORDS:
                words.pop(0)  # the word "attempts" itself
            once("max_attempts", _attempts(count), "number of attempts")
        elif word == "jitter":
            value = following(word, "a percentage")
            percent = _PERCENT.match(value)
            if not percent:
                raise PolicyError(f"Write jitter as a percentage, like jitter 20% (each wait "
                                  f"moves by up to ±20 %); {value!r} is not one.")
            once("jitter", _fraction(percent.group(1)), "jitter")  # range: as for factor
        else:
            raise PolicyError(f"{word!r} in {shown!r} is not part of an exponential policy; "
                              f"write it like {EXAMPLE}.")
    found.setdefault("cap", float(DELAY_SECONDS.high))
    return ExponentialPolicy(initial=initial, **found)


def parse_policy(text: str) -> Policy:
    """A preset name (``svix``, ``seed-004``…), a comma list of delays (``0,1s,5m,1h``) or an
    exponential policy (``exp 30s x2 cap 1h 10 attempts jitter 20%``)."""
    name = text.strip().lower()
    name = ALIASES.get(name, name)
    if name in PRESETS:
        return PRESETS[name]
    if _EXP_WORD.match(text):
        return _exponential(text)
    parts = [p for p in text.split(",")]
    if not text.strip() or (len(parts) == 1 and not re.search(r"\d", text)):
        raise PolicyError(f"{text.strip()!r} is neither a preset ({', '.join(sorted(PRESETS))}),"
                          f" a comma list of delays like 0,1m,5m, nor an exponential policy "
                          f"like {EXAMPLE}.")
    if any(not p.strip() for p in parts):
        raise PolicyError(f"{text!r} has an empty delay between commas; write a comma list "
                          "of delays like 0,1m,5m.")
    if len(parts) not in ATTEMPTS:
        raise PolicyError(f"At most {MAX_ATTEMPTS} attempts in a schedule.")
    return SchedulePolicy(tuple(parse_delay(p) for p in parts))


def format_policy(policy: Policy) -> str:
    """The text :func:`parse_policy` reads back to ``policy``: a preset's name when it is one
    (the first such name, so ``svix`` shows as ``standard-webhooks``), else its canonical form."""
    for name, preset in PRESETS.items():
        if preset == policy:
            return name
    return policy.describe()


def policy_from_dict(data: dict[str, Any] | None) -> Policy:
    """The stored form back to a policy; an empty dict is the Standard Webhooks preset."""
    if not data:
        return PRESETS["standard-webhooks"]
    kind = data.get("kind")
    try:
        if kind == "schedule":
            return SchedulePolicy(tuple(float(d) for d in data["delays"]))
        if kind == "exponential":
            return ExponentialPolicy(float(data["initial"]), float(data["multiplier"]),
                                     float(data["cap"]), int(data["max_attempts"]),
                                     float(data.get("jitter", 0.0)))
    except (KeyError, TypeError, ValueError) as exc:
        raise PolicyError(f"Stored retry policy is damaged: {exc}.") from exc
    raise PolicyError(f"Unknown retry policy kind {kind!r}.")


def preview(policy: Policy, start: float, rng: random.Random | None = None) -> list[float]:
    """The times of every attempt if each one fails, starting at ``start``."""
    times: list[float] = []
    at = start
    for attempt in range(1, policy.max_attempts + 1):
        delay = policy.delay_before(attempt, rng)
        if delay is None:
            break
        at += delay
        times.append(at)
    return times
