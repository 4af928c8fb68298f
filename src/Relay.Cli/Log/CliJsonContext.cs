using System.Text.Json.Serialization;

namespace Relay.Cli;

/// <summary>Source-generated JSON of the CLI's own shapes: <c>relay log --json</c> writes an <see cref="Exchange"/> a line.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Exchange))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
