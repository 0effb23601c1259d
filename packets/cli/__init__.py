"""The command line: parses options and calls ``packets.facade``; nothing else."""
