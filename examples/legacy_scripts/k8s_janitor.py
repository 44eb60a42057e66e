#!/usr/bin/env python3
"""Find stale Kubernetes objects in a cluster snapshot and plan their cleanup.

Works on a built-in snapshot of the cluster (no API calls); prints JSON plans.
"""
import json

import fire

SNAPSHOT = {
    "pods": [
        {"name": "api-7f9c", "namespace": "default", "phase": "Failed", "age_hours": 50},
        {"name": "worker-1a", "namespace": "batch", "phase": "Succeeded", "age_hours": 3},
        {"name": "cron-22b", "namespace": "batch", "phase": "Failed", "age_hours": 200},
    ],
    "jobs": [
        {"name": "backup-001", "namespace": "batch", "completed": True},
        {"name": "backup-002", "namespace": "batch", "completed": True},
        {"name": "backup-003", "namespace": "batch", "completed": False},
    ],
}


class Janitor:
    """Clean up a cluster.

    Args:
        context: kubeconfig context to work on.
        namespace: Namespace to look in ("all" for every namespace).
        dry_run: Only print the plan.
    """

    def __init__(self, context, namespace="all", dry_run=True):
        self.context = context
        self.namespace = namespace
        self.dry_run = dry_run

    def _in_scope(self, item):
        return self.namespace == "all" or item["namespace"] == self.namespace

    def pods(self, max_age_hours: int = 24, phase="Failed"):
        """Delete pods in a phase that are older than a limit.

        Args:
            max_age_hours: Minimum age of a pod to delete, in hours.
            phase: Pod phase to clean up (Failed, Succeeded).
        """
        stale = [
            p["name"] for p in SNAPSHOT["pods"]
            if self._in_scope(p) and p["phase"] == str(phase) and p["age_hours"] >= max_age_hours
        ]
        self._report("pods", stale)

    def jobs(self, keep: int = 1, include_running=False):
        """Delete finished jobs, keeping the newest ones.

        Args:
            keep: How many finished jobs to keep.
            include_running: Also delete jobs that have not completed.
        """
        jobs = [j for j in SNAPSHOT["jobs"] if self._in_scope(j)]
        if not include_running:
            jobs = [j for j in jobs if j["completed"]]
        names = sorted(j["name"] for j in jobs)
        self._report("jobs", names[: max(len(names) - keep, 0)])

    def _report(self, kind, names):
        print(json.dumps({"context": self.context, "kind": kind, "delete": names,
                          "dry_run": self.dry_run}, sort_keys=True))


if __name__ == "__main__":
    fire.Fire(Janitor)
