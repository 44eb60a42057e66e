#!/usr/bin/env python3
"""Print the object-storage quota of the ops tenant as JSON (simulated, no network)."""
import json

QUOTA_GB = 500
USED_GB = 412


def check_quota():
    return {"quota_gb": QUOTA_GB, "used_gb": USED_GB, "free_gb": QUOTA_GB - USED_GB}


if __name__ == "__main__":
    print(json.dumps(check_quota()))
