using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>The author of a <see cref="ChatMessage"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChatRole>))]
public enum ChatRole
{
    /// <summary>Instructions that frame the conversation.</summary>
    [JsonStringEnumMemberName("system")]
    System,

    /// <summary>The person asking.</summary>
    [JsonStringEnumMemberName("user")]
    User,

    /// <summary>The model's earlier answers.</summary>
    [JsonStringEnumMemberName("assistant")]
    Assistant,

    /// <summary>The result of a tool call the model asked for.</summary>
    [JsonStringEnumMemberName("tool")]
    Tool,
}
