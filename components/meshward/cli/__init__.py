"""The `meshward` command line: parse arguments, call the core, print."""
