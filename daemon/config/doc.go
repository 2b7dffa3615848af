// Package config owns tapewarden's configuration file: its YAML schema,
// the strict decoding that names file, line and field for every problem,
// the defaults (applied in one pass, before validation), the validation
// itself (which reads and changes nothing), the embedded demonstration
// configuration, and the mapping of the configuration to the rotation and
// media packages' types.
//
// A *Config returned by LoadConfig, ParseConfig or DemoConfig is complete
// and valid; the rest of the daemon only reads it.
package config
