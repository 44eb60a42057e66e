#!/usr/bin/env python
"""Small text tools (a click group with command aliases)."""
import click


class AliasedGroup(click.Group):
    """Accept any unique prefix of a command name."""

    def get_command(self, ctx, cmd_name):
        found = click.Group.get_command(self, ctx, cmd_name)
        if found is not None:
            return found
        matches = [c for c in self.list_commands(ctx) if c.startswith(cmd_name)]
        if len(matches) == 1:
            return click.Group.get_command(self, ctx, matches[0])
        return None


@click.command(cls=AliasedGroup)
def cli():
    """Small text tools."""


@cli.command()
@click.argument("text")
@click.option("--upper", "transformation", flag_value="upper", default=True,
              help="upper-case the text")
@click.option("--lower", "transformation", flag_value="lower", help="lower-case the text")
def convert(text, transformation):
    """Change the case of TEXT."""
    click.echo(text.upper() if transformation == "upper" else text.lower())


@cli.command()
@click.argument("text")
def count(text):
    """Count the words of TEXT."""
    click.echo(len(text.split()))


if __name__ == "__main__":
    cli()
