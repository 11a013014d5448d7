// toml++'s compiled part, built once here instead of in every file that reads TOML.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
