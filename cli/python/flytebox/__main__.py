"""python -m flytebox: the same as the flytebox command."""
from flytebox._exec import flytebox

flytebox()
