from voodoo.cli import run

run()
