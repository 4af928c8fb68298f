using System.Globalization;

namespace Relay.Simulator;

/// <summary>
/// Per-request behaviour, parsed from <c>X-Relay-Sim: key=value;key=value</c> on top of the defaults
/// (the syntax is documented in this project's README.md).
/// </summary>
public sealed record SimulatorKnobs
{
    /// <summary>The name of the header that carries the knobs.</summary>
    public const string HeaderName = "X-Relay-Sim";

    /// <summary>Time to the first token.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>Time between tokens.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>How many tokens the answer has (wins over max_tokens and the prompt).</summary>
    public int? Tokens { get; init; }

    /// <summary>Bytes per write to the socket, each flushed (0: one write per event).</summary>
    public int Write { get; init; }

    /// <summary>Line ending: <c>\n</c>, <c>\r\n</c> or <c>\r</c>.</summary>
    public string Eol { get; init; } = "\n";

    /// <summary><c>: OPENROUTER PROCESSING</c> comments before the first token.</summary>
    public int Comments { get; init; } = 1;

    /// <summary>A comment after every this many tokens (0: none).</summary>
    public int MidComments { get; init; }

    /// <summary>The usage-chunk shape; null: the model's own.</summary>
    public UsageShape? Usage { get; init; }

    /// <summary>A mid-stream error shape (<c>a</c> to <c>e</c>) sent instead of token <see cref="ErrorAt"/>.</summary>
    public char? Error { get; init; }

    /// <summary>The token the mid-stream error replaces.</summary>
    public int ErrorAt { get; init; }

    /// <summary>The numeric code of a mid-stream error.</summary>
    public int ErrorCode { get; init; } = 502;

    /// <summary>Answer with this HTTP error status before streaming.</summary>
    public int? Status { get; init; }

    /// <summary>
    /// With <see cref="Status"/>: only the first this many requests get it (counted since the default knobs were last set),
    /// the later ones are answered; null: every request.
    /// </summary>
    public int? StatusCount { get; init; }

    /// <summary>Models that answer 503, as an unavailable provider does; a request's <c>models</c> falls back past them.</summary>
    public IReadOnlySet<string> FailModels { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Retry-After, in seconds, with <see cref="Status"/>.</summary>
    public int? RetryAfter { get; init; }

    /// <summary>Stop sending (and hold the connection) after this token.</summary>
    public int? StallAfter { get; init; }

    /// <summary>Reset the connection after this many body bytes.</summary>
    public long? ResetAfterBytes { get; init; }

    /// <summary>Send a data line that is not JSON instead of this token.</summary>
    public int? MalformedAt { get; init; }

    /// <summary>Send an event over 1 MiB instead of this token.</summary>
    public int? OversizedAt { get; init; }

    /// <summary>Leave out <c>data: [DONE]</c>.</summary>
    public bool NoDone { get; init; }

    /// <summary>Hold token <see cref="GateAt"/> until the gate of this name is released.</summary>
    public string? Gate { get; init; }

    /// <summary>The token held by the gate.</summary>
    public int GateAt { get; init; }

    /// <summary>Answer with a tool call.</summary>
    public bool ToolCall { get; init; }

    /// <summary>
    /// Each text token is the moment it was written instead of a word: <c>@</c> and <see cref="System.Diagnostics.Stopwatch"/>
    /// ticks, then a space. The clock is the machine's monotonic one, so a reader in another process subtracts it from its own
    /// reading to get the latency each event picked up on the way (the benchmark's per-event figure).
    /// </summary>
    public bool Stamp { get; init; }

    /// <summary>Parses <paramref name="text"/> over <paramref name="baseline"/>; unknown keys or bad values throw <see cref="FormatException"/>.</summary>
    public static SimulatorKnobs Parse(string? text, SimulatorKnobs? baseline = null)
    {
        var k = baseline ?? new SimulatorKnobs();
        if (string.IsNullOrWhiteSpace(text))
        {
            return k;
        }

        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? part : part[..eq]).Trim().ToLowerInvariant();
            var value = eq < 0 ? "1" : part[(eq + 1)..].Trim();
            k = key switch
            {
                "ttft" => k with { TimeToFirstToken = Duration(value) },
                "interval" => k with { Interval = Duration(value) },
                "tokens" => k with { Tokens = Int(value) },
                "write" => k with { Write = Int(value) },
                "eol" => k with { Eol = value switch { "lf" => "\n", "crlf" => "\r\n", "cr" => "\r", _ => throw new FormatException($"eol must be lf, crlf or cr, got '{value}'") } },
                "comments" => k with { Comments = Int(value) },
                "midcomments" => k with { MidComments = Int(value) },
                "usage" => k with { Usage = value.ToLowerInvariant() switch { "a" => UsageShape.A, "b" => UsageShape.B, "c" => UsageShape.C, "none" => UsageShape.None, _ => throw new FormatException($"usage must be a, b, c or none, got '{value}'") } },
                "error" => ParseError(k, value),
                "error_code" => k with { ErrorCode = Int(value) },
                "status" => k with { Status = Int(value) },
                "retry_after" => k with { RetryAfter = Int(value) },
                "status_count" => k with { StatusCount = Int(value) },
                "fail_model" => k with { FailModels = new HashSet<string>(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal) },
                "stall" => k with { StallAfter = Int(value.TrimStart('@')) },
                "reset" => k with { ResetAfterBytes = Int(value) },
                "malformed" => k with { MalformedAt = Int(value.TrimStart('@')) },
                "oversized" => k with { OversizedAt = Int(value.TrimStart('@')) },
                "nodone" => k with { NoDone = value != "0" },
                "gate" => ParseGate(k, value),
                "tools" => k with { ToolCall = value != "0" },
                "stamp" => k with { Stamp = value != "0" },
                _ => throw new FormatException($"unknown knob '{key}'"),
            };
        }

        return k;
    }

    private static SimulatorKnobs ParseError(SimulatorKnobs k, string value)
    {
        // midstream-a@40, or a@40
        var (what, at) = Split(value);
        var shape = what.Length > 0 ? char.ToLowerInvariant(what[^1]) : ' ';
        return shape is >= 'a' and <= 'e'
            ? k with { Error = shape, ErrorAt = at }
            : throw new FormatException($"error must be midstream-a..e@k, got '{value}'");
    }

    private static SimulatorKnobs ParseGate(SimulatorKnobs k, string value)
    {
        var (name, at) = Split(value);
        return name.Length > 0 ? k with { Gate = name, GateAt = at } : throw new FormatException($"gate must be NAME@k, got '{value}'");
    }

    private static (string Name, int At) Split(string value)
    {
        var at = value.LastIndexOf('@');
        return at < 0 ? (value, 1) : (value[..at], Int(value[(at + 1)..]));
    }

    private static int Int(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"'{value}' is not a whole number");

    private static TimeSpan Duration(string value)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 1.0)
            : value.EndsWith('s') ? (value[..^1], 1000.0)
            : (value, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? TimeSpan.FromMilliseconds(n * unit)
            : throw new FormatException($"'{value}' is not a duration like 200ms or 1.5s");
    }
}
