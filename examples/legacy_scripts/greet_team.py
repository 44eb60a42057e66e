#!/usr/bin/env python3
"""Print a greeting for the on-call team (typer; prints only)."""
import getpass
from typing import List

import typer

app = typer.Typer()


@app.command()
def greet(
    name: str = typer.Argument(default_factory=getpass.getuser, help="who is greeted"),
    teams: List[str] = typer.Option(["ops", "sre"], help="teams to mention"),
    shout: bool = typer.Option(False, help="upper-case the greeting"),
):
    """Greet someone on behalf of the teams."""
    text = "hello %s from %s" % (name, ", ".join(teams))
    typer.echo(text.upper() if shout else text)


if __name__ == "__main__":
    app()
