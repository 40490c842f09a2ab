// flytebox-engine: the Flyte control plane on one port. Usually started by the supervisor.
#include "embedded/engine_main.h"

int main(int argc, char** argv) { return flytebox::engine::RunEngine(argc, argv); }
