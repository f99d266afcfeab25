"""rumpnet's generator: profile -> resolve -> render -> build -> image.

Each stage is one module with one job; gen/main.py strings them together and
gen/cli.py is the `rumpnet` command's argument parsing.
"""
