// SPDX-License-Identifier: MIT
// Loads the plugin, runs the consumer in it, and checks that the static
// library inside it kept its symbols to itself (it is built with hidden
// visibility, so two plugins with their own copies do not interpose).
#include <dlfcn.h>

#include <cstdio>

int main() {
  void* h = dlopen(ASYNCORE_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::printf("plugin: dlopen failed: %s\n", dlerror());
    return 1;
  }
  using run_fn = int (*)();
  run_fn run = reinterpret_cast<run_fn>(dlsym(h, "asyncore_plugin_run"));
  if (!run) {
    std::printf("plugin: no asyncore_plugin_run: %s\n", dlerror());
    return 1;
  }
  // asyncore::default_map(), mangled.
  if (dlsym(h, "_ZN8asyncore11default_mapEv")) {
    std::printf("plugin: exports asyncore::default_map (the static library is not built with hidden visibility)\n");
    return 1;
  }
  int rc = run();
  std::printf("plugin: run() returned %d\n", rc);
  return rc;
}
