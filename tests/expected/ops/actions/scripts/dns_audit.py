#!/usr/bin/env python3
"""Audit DNS zone data for common mistakes (reads a built-in zone export)."""
import json

from fire import Fire

ZONES = {
    "example.com": [
        ("www", "CNAME", "lb.example.com.", 300),
        ("lb", "A", "203.0.113.10", 60),
        ("mail", "MX", "10 mx.example.net.", 3600),
        ("old", "CNAME", "gone.example.com.", 86400),
    ],
    "example.org": [("www", "A", "198.51.100.7", 30)],
}


def list_zones(with_counts=False):
    """List the zones in the export.

    Parameters
    ----------
    with_counts : bool
        Also show how many records each zone holds.
    """
    if with_counts:
        print(json.dumps({zone: len(records) for zone, records in sorted(ZONES.items())}))
    else:
        print(json.dumps(sorted(ZONES)))


def check_ttl(zone: str, min_ttl: int = 60, max_ttl: int = 86400, record_type: str = "any"):
    """Report records whose TTL is outside a range.

    :param zone: Zone to check.
    :param min_ttl: Lowest acceptable TTL, in seconds.
    :param max_ttl: Highest acceptable TTL, in seconds.
    :param record_type: Only check records of this type ("any" for all).
    """
    bad = [
        {"name": name, "type": rtype, "ttl": ttl}
        for name, rtype, _, ttl in ZONES.get(zone, [])
        if (record_type == "any" or rtype == record_type) and not min_ttl <= ttl <= max_ttl
    ]
    print(json.dumps({"zone": zone, "outside_range": bad}, sort_keys=True))


def dangling(zone, suffix=".example.com."):
    """Find CNAMEs pointing at names the zone does not define."""
    records = ZONES.get(zone, [])
    defined = {name + str(suffix) for name, _, _, _ in records}
    found = [name for name, rtype, target, _ in records
             if rtype == "CNAME" and target.endswith(str(suffix)) and target not in defined]
    print(json.dumps({"zone": zone, "dangling": found}))


if __name__ == "__main__":
    Fire({"zones": list_zones, "ttl": check_ttl, "dangling": dangling})
