# node-gyp build of the addon (npm install runs it through
# scripts/install.js); meson.build builds the same sources for the tests.
{
  "targets": [
    {
      "target_name": "plexus_node",
      "sources": [
        "src/addon.c", "src/calls.c", "src/flow.c", "src/handle.c",
        "src/log.c", "src/objects.c", "src/util.c"
      ],
      "include_dirs": ["<!(node scripts/find-plexus.js include)"],
      "libraries": ["<!@(node scripts/find-plexus.js libs)"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-fvisibility=hidden"]
    }
  ]
}
