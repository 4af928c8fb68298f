using System.Text.Json.Serialization;

namespace Relay.Cli;

/// <summary>Source-generated JSON of the CLI's own shapes: <c>relay log --json</c> writes an <see cref="Exchange"/> a line; the chat history a string a line.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Exchange))]
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
