#!/usr/bin/env python3
"""Renew and audit TLS certificates from the team's certificate inventory.

Simulated: the inventory is a table in this file and nothing is requested from a CA.
Exits 1 when a renewal is not due yet (without --force), 2 for an unknown domain.
"""
import json
import sys

import click

#: domain -> days until expiry
INVENTORY = {"www.example.com": 12, "api.example.com": 80, "mail.example.com": 3}
CAS = ["letsencrypt", "internal", "digicert"]


@click.group()
@click.option("-v", "--verbose", count=True, help="More detail; repeat for even more.")
@click.option("--json/--no-json", "as_json", default=False, help="Print JSON instead of text.")
@click.pass_context
def cli(ctx, verbose, as_json):
    """Manage TLS certificate renewals."""
    ctx.obj = {"verbose": verbose, "json": as_json}


def emit(obj, data):
    if obj["json"]:
        click.echo(json.dumps(data, sort_keys=True))
    else:
        for key, value in sorted(data.items()):
            click.echo(f"{key}: {value}")


@cli.group()
def cert():
    """Certificate operations."""


@cert.command()
@click.argument("domain")
@click.option("--ca", type=click.Choice(CAS), default="letsencrypt", help="Issuing CA.")
@click.option("--days", type=click.IntRange(1, 825), default=90, help="Validity in days.")
@click.option("--san", multiple=True, help="Extra subject alternative name (repeatable).")
@click.password_option(help="Passphrase for the new private key.")
@click.option("--force/--no-force", default=False, help="Renew even when not due.")
@click.pass_obj
def renew(obj, domain, ca, days, san, password, force):
    """Renew the certificate of DOMAIN.

    \f
    Internal: the passphrase is never printed.
    """
    remaining = INVENTORY.get(domain)
    if remaining is None:
        click.echo(f"unknown domain: {domain}", err=True)
        sys.exit(2)
    if remaining > 30 and not force:
        click.echo(f"{domain} expires in {remaining} days: not due", err=True)
        sys.exit(1)
    emit(obj, {"domain": domain, "ca": ca, "days": days, "san": list(san),
               "key_protected": bool(password), "verbose": obj["verbose"]})


@cert.command("list")
@click.option("--expiring-within", type=int, default=30, help="Only certificates expiring sooner.")
@click.pass_obj
def list_certs(obj, expiring_within):
    """List certificates that expire soon."""
    due = {d: left for d, left in INVENTORY.items() if left <= expiring_within}
    emit(obj, {"expiring": sorted(due), "within_days": expiring_within})


@cli.command()
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.5,
              help="Share of certificates allowed to be due.")
@click.pass_obj
def audit(obj, threshold):
    """Fail when too many certificates are due for renewal."""
    share = sum(1 for left in INVENTORY.values() if left <= 30) / len(INVENTORY)
    emit(obj, {"due_share": round(share, 3), "threshold": threshold})
    if share > threshold:
        sys.exit(1)


if __name__ == "__main__":
    cli(obj={})
