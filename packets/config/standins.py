"""Stand-in values: fictional numbers and web addresses that must never reach a patient as real.

``packets init-clinic`` fills a new config with numbers from the 555-01xx range
(reserved for fiction) and ``.example`` addresses (a domain reserved for examples,
RFC 2606); the example clinics shipped with the tool use them too. A config that
still has any of them is a *sample*: everything it prints carries a
"SAMPLE — not for patient use" mark, ``validate`` warns for each value, and a
future print command must refuse it (``is_sample``).
"""

from __future__ import annotations

from dataclasses import dataclass

from packets.config.loading import LoadedClinic
from packets.config.scaffold import STAND_IN_DOMAIN, STAND_IN_PHONE

RESERVED_HOSTS = ("example.com", "example.org", "example.net")
RESERVED_SUFFIXES = (STAND_IN_DOMAIN, ".test", ".invalid")


@dataclass(frozen=True)
class StandIn:
    keys: tuple[str, ...]  # config key path, e.g. ("contacts", "after_hours")
    value: str
    kind: str  # "number" or "address"


def _host(value: str) -> str:
    return value.split("://")[-1].split("/")[0].split("@")[-1].split(":")[0].lower()


def _reserved(host: str) -> bool:
    return host in RESERVED_HOSTS or host.endswith(RESERVED_SUFFIXES) or any(host.endswith("." + h) for h in RESERVED_HOSTS)


def stand_ins(loaded: LoadedClinic) -> list[StandIn]:
    """Every stand-in number and address in the config, by key."""
    c, links = loaded.clinic.contacts, loaded.clinic.links
    found = []
    for key in ("main", "after_hours", "on_call"):
        value = getattr(c, key)
        if value and STAND_IN_PHONE.search(value):
            found.append(StandIn(("contacts", key), value, "number"))
    for keys, given in ((("contacts", "email"), c.email), (("contacts", "portal"), c.portal),
                        (("links", "aftercare"), links.aftercare), (("links", "tracking_form"), links.tracking_form),
                        (("links", "card"), links.card)):
        for at, value in (given.items() if isinstance(given, dict) else [(None, given)]):
            if value and _reserved(_host(value)):
                found.append(StandIn((*keys, at) if at else keys, value, "address"))
    return found


def is_sample(loaded: LoadedClinic) -> bool:
    """True when anything printed from this config would carry a fictional number or link.

    Such paper is marked "SAMPLE — not for patient use"; a print command must refuse it.
    """
    return bool(stand_ins(loaded))
