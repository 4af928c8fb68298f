using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>Source-generated JSON for every contract type: snake_case, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatResult))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(StartEvent))]
[JsonSerializable(typeof(DeltaEvent))]
[JsonSerializable(typeof(ReasoningEvent))]
[JsonSerializable(typeof(ToolCallEvent))]
[JsonSerializable(typeof(Usage))]
[JsonSerializable(typeof(DoneEvent))]
[JsonSerializable(typeof(StreamError))]
[JsonSerializable(typeof(ReconnectingEvent))]
[JsonSerializable(typeof(RestartedEvent))]
[JsonSerializable(typeof(ChatRole))]
[JsonSerializable(typeof(IReadOnlyList<ContentPart>))]
[JsonSerializable(typeof(IReadOnlyList<ToolCall>))]
public sealed partial class RelayJsonContext : JsonSerializerContext;
