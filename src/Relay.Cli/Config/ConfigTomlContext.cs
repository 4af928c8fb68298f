using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Relay.Cli.Config;

/// <summary>Source-generated TOML metadata (the reflection path warns under Native AOT): the file is read as a table and checked by hand, for messages that name the setting.</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class ConfigTomlContext : TomlSerializerContext;
