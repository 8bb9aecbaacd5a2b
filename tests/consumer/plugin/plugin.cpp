// SPDX-License-Identifier: MIT
// A plugin that carries the static asyncore library inside it.
#define ASYNCORE_CONSUMER_NO_MAIN
#include "../consumer.cpp"

extern "C" __attribute__((visibility("default"))) int asyncore_plugin_run() { return run_consumer(); }
