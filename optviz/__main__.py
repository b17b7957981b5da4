from optviz.cli import main

main(prog_name="optviz")
