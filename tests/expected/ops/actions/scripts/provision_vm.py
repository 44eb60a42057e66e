#!/usr/bin/env python3
"""Provision, resize and destroy virtual machines on the lab hypervisor.

Simulated: prints the plan as JSON, nothing is created. Exits 1 when destroying a
protected VM without --force and 2 for an impossible size.
"""
import json
from enum import Enum
from typing import List, Optional

import typer
from typing_extensions import Annotated

app = typer.Typer(help="Lab VM provisioning.")
disk_app = typer.Typer(help="Disk operations.")
app.add_typer(disk_app, name="disk")

PROTECTED = ("dns-1", "ldap-1")


class Size(str, Enum):
    small = "small"
    medium = "medium"
    large = "large"


@app.callback()
def main(region: str = typer.Option("eu-west", envvar="VM_REGION", help="Hypervisor region.")):
    """Lab VM provisioning."""
    STATE["region"] = region


STATE = {"region": "eu-west"}


def show(data):
    print(json.dumps(dict(data, region=STATE["region"]), sort_keys=True))


@app.command()
def create(
    name: str,
    size: Size = Size.small,
    cpus: Annotated[int, typer.Option(min=1, max=64, help="Virtual CPUs.")] = 2,
    tag: Annotated[Optional[List[str]], typer.Option("--tag", "-t", help="Label (repeatable).")] = None,
    image: Optional[str] = None,
    start: bool = typer.Option(True, help="Start the VM after creating it."),
):
    """Create a VM."""
    if size is Size.small and cpus > 8:
        typer.echo("small VMs have at most 8 CPUs", err=True)
        raise typer.Exit(2)
    show({"create": name, "size": size.value, "cpus": cpus, "tags": tag or [], "image": image,
          "start": start})


@app.command("destroy")
def destroy_vm(
    name: str = typer.Argument(..., help="VM to destroy."),
    force: Annotated[bool, typer.Option("--force", "-f", help="Also protected VMs.")] = False,
):
    """Destroy a VM."""
    if name in PROTECTED and not force:
        typer.echo(f"{name} is protected", err=True)
        raise typer.Exit(1)
    show({"destroy": name, "force": force})


@disk_app.command()
def resize(vm: str, gigabytes: int, shrink: bool = False):
    """Resize a VM's first disk."""
    if gigabytes <= 0:
        typer.echo("size must be positive", err=True)
        raise typer.Exit(2)
    show({"resize": vm, "gigabytes": gigabytes, "shrink": shrink})


@disk_app.command()
def attach(vm: str, volumes: List[str]):
    """Attach volumes to a VM."""
    show({"attach": vm, "volumes": volumes})


if __name__ == "__main__":
    app()
