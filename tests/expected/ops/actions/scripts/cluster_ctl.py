#!/usr/bin/env python3
"""Small wrapper around the cluster chores the on-call does most often.

    cluster_ctl.py node drain NODE      evict pods before maintenance
    cluster_ctl.py node cordon NODE     stop scheduling onto a node
    cluster_ctl.py node uncordon NODE   put it back
    cluster_ctl.py cluster status       one-line health summary

Control-plane nodes are never drained without --force.  This copy only
prints the kubectl commands it would run.
"""
import argparse
import json
import logging
import os
import sys

DEFAULT_GRACE_PERIOD = 30
CONTROL_PLANE_PREFIXES = ("cp-", "master-")

log = logging.getLogger("cluster_ctl")


def build_parser():
    parser = argparse.ArgumentParser(
        description="On-call helpers for node maintenance and cluster health."
    )
    parser.add_argument(
        "--kubeconfig",
        default=os.path.expanduser("~/.kube/config"),
        help="kubeconfig to use",
    )
    parser.add_argument("--context", help="kubeconfig context (default: current)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")

    groups = parser.add_subparsers(dest="group", required=True)

    node = groups.add_parser("node", help="node maintenance")
    node_cmds = node.add_subparsers(dest="command", required=True)

    drain = node_cmds.add_parser("drain", help="cordon a node and evict its pods")
    drain.add_argument("node", help="node name")
    drain.add_argument(
        "--grace-period", type=int, default=DEFAULT_GRACE_PERIOD,
        help="seconds each pod gets to terminate (default: %(default)s)",
    )
    drain.add_argument("--timeout", type=int, default=600, help="give up after this many seconds")
    drain.add_argument("--ignore-daemonsets", action="store_true", default=True,
                       help="always on; kept for old runbooks")
    drain.add_argument("--delete-emptydir-data", action="store_true",
                       help="allow evicting pods that use emptyDir volumes")
    drain.add_argument("--force", action="store_true", help="allow draining control-plane nodes")

    cordon = node_cmds.add_parser("cordon", help="mark a node unschedulable")
    cordon.add_argument("node", help="node name")

    uncordon = node_cmds.add_parser("uncordon", help="mark a node schedulable again")
    uncordon.add_argument("node", help="node name")

    cluster = groups.add_parser("cluster", help="cluster-wide commands")
    cluster_cmds = cluster.add_subparsers(dest="command", required=True)
    status = cluster_cmds.add_parser("status", help="summarise node and pod health")
    status.add_argument("--output", "-o", choices=["text", "json"], default="text",
                        help="output format (default: %(default)s)")
    return parser


def kubectl(args, *words):
    cmd = ["kubectl", "--kubeconfig", args.kubeconfig]
    if args.context:
        cmd += ["--context", args.context]
    return cmd + list(words)


def node_drain(args):
    if args.node.startswith(CONTROL_PLANE_PREFIXES) and not args.force:
        log.error("%s looks like a control-plane node; use --force if you mean it", args.node)
        return 1
    words = ["drain", args.node, "--grace-period=%d" % args.grace_period,
             "--timeout=%ds" % args.timeout]
    if args.ignore_daemonsets:
        words.append("--ignore-daemonsets")
    if args.delete_emptydir_data:
        words.append("--delete-emptydir-data")
    print("would run: " + " ".join(kubectl(args, *words)))
    return 0


def node_cordon(args):
    print("would run: " + " ".join(kubectl(args, args.command, args.node)))
    return 0


def cluster_status(args):
    # Canned numbers; the real version parsed `kubectl get nodes -o json`.
    summary = {"nodes_ready": 12, "nodes_total": 12, "pods_pending": 0, "pods_failed": 1}
    if args.output == "json":
        print(json.dumps(summary))
    else:
        print("nodes %(nodes_ready)d/%(nodes_total)d ready, "
              "%(pods_pending)d pending, %(pods_failed)d failed pods" % summary)
    return 0


DISPATCH = {
    ("node", "drain"): node_drain,
    ("node", "cordon"): node_cordon,
    ("node", "uncordon"): node_cordon,
    ("cluster", "status"): cluster_status,
}


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="cluster_ctl: %(message)s")
    return DISPATCH[(args.group, args.command)](args)


if __name__ == "__main__":
    sys.exit(main())
