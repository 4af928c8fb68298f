using System.Text;
using System.Text.Json;

namespace Relay.Contracts.Tests;

/// <summary>One line of TestData/sse-conformance/vectors.jsonl.</summary>
public sealed record SseConformanceVector(
    string Name,
    byte[] Input,
    IReadOnlyList<byte[]>? Chunks,
    IReadOnlyList<ExpectedSseEvent> Expected,
    string FinalLastEventId,
    long? FinalRetry)
{
    private static readonly string FilePath = Path.Combine(AppContext.BaseDirectory, "TestData", "sse-conformance", "vectors.jsonl");

    public static IReadOnlyList<SseConformanceVector> LoadAll() =>
        [.. File.ReadLines(FilePath).Where(l => l.Length > 0).Select(Parse)];

    public override string ToString() => Name;

    private static SseConformanceVector Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var input = root.TryGetProperty("input_hex", out var hex)
            ? Convert.FromHexString(hex.GetString()!)
            : Encoding.UTF8.GetBytes(root.GetProperty("input").GetString()!);
        List<byte[]>? chunks = null;
        if (root.TryGetProperty("chunks_hex", out var chunksHex))
        {
            chunks = [.. chunksHex.EnumerateArray().Select(c => Convert.FromHexString(c.GetString()!))];
        }
        else if (root.TryGetProperty("chunks", out var chunkText))
        {
            chunks = [.. chunkText.EnumerateArray().Select(c => Encoding.UTF8.GetBytes(c.GetString()!))];
        }

        var expected = root.GetProperty("expected").EnumerateArray()
            .Select(e => new ExpectedSseEvent(
                e.GetProperty("type").GetString()!,
                e.GetProperty("data").GetString()!,
                e.GetProperty("id").GetString()!,
                e.GetProperty("retry").ValueKind == JsonValueKind.Null ? null : e.GetProperty("retry").GetInt64()))
            .ToList();
        var final = root.GetProperty("final");
        var finalRetry = final.GetProperty("retry");
        return new SseConformanceVector(
            root.GetProperty("name").GetString()!,
            input,
            chunks,
            expected,
            final.GetProperty("last_event_id").GetString()!,
            finalRetry.ValueKind == JsonValueKind.Null ? null : finalRetry.GetInt64());
    }
}

public sealed record ExpectedSseEvent(string Type, string Data, string Id, long? Retry);
