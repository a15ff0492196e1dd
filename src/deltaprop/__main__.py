from deltaprop.cli import run

run()
