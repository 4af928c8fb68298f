using System.Text.Json.Serialization;

namespace Relay.Cli;

/// <summary>One recorded question and answer: a row of the conversation log.</summary>
internal sealed record Exchange
{
    public const string Streaming = "streaming";
    public const string Complete = "complete";
    public const string Interrupted = "interrupted";

    public long Id { get; init; }

    public required string ConversationId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string? Model { get; init; }

    [JsonPropertyName("system")]
    public string? SystemPrompt { get; init; }

    public required string Prompt { get; init; }

    /// <summary>As much of the answer as was received.</summary>
    public string Answer { get; init; } = "";

    public int? PromptTokens { get; init; }

    public int? CompletionTokens { get; init; }

    public decimal? CostUsd { get; init; }

    public double? FirstTokenMs { get; init; }

    public string? StreamId { get; init; }

    /// <summary>The id of the last event shown to the user.</summary>
    public string? LastEventId { get; init; }

    /// <summary>The edge that served it; null for the edge hosted in the relay process itself.</summary>
    public string? EdgeUrl { get; init; }

    /// <summary><c>streaming</c>, <c>complete</c>, <c>interrupted</c> or <c>error CODE</c>.</summary>
    public string Status { get; init; } = Streaming;

    /// <summary>The first words of the prompt, on one line: what the list and an export call the exchange.</summary>
    public string Title
    {
        get
        {
            var words = Prompt.Split((char[]?)null, 9, StringSplitOptions.RemoveEmptyEntries);
            return words.Length <= 8 ? string.Join(' ', words) : string.Join(' ', words[..8]) + " …";
        }
    }

    public static string ErrorStatus(string code) => "error " + code;
}
