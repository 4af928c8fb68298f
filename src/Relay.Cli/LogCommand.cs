using System.Globalization;
using System.Text;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// <c>relay log</c>: the newest exchanges of the conversation log, oldest first, with their exchange and conversation ids
/// (<c>-n</c>, <c>--cid</c>, <c>--json</c> for one object per line); <c>--show ID</c> prints one answer.
/// </summary>
internal sealed class LogCommand(CliConsole console, LogLocation logLocation)
{
    private const int PromptColumns = 48;

    public async Task<int> RunAsync(int count, string? conversationId, bool json, long? show)
    {
        if (!logLocation.Enabled)
        {
            await console.Error.WriteLineAsync("error: the conversation log is off (RELAY_LOG)");
            return ExitCodes.Error;
        }

        using var log = ConversationLog.Open(logLocation, console.Error);
        if (log is null)
        {
            return ExitCodes.Error;
        }

        if (show is { } id)
        {
            if (log.Get(id) is not { } exchange)
            {
                await console.Error.WriteLineAsync($"error: there is no exchange {id} in the log (relay log lists them)");
                return ExitCodes.Error;
            }

            await console.Out.WriteAsync(exchange.Answer);
            if (!exchange.Answer.EndsWith('\n'))
            {
                await console.Out.WriteLineAsync();
            }

            return ExitCodes.Success;
        }

        foreach (var e in log.Recent(count, conversationId))
        {
            await console.Out.WriteLineAsync(json ? Json(e) : Line(e));
        }

        return ExitCodes.Success;
    }

    private static string Line(Exchange e)
    {
        var prompt = e.Prompt.ReplaceLineEndings(" ");
        prompt = prompt.Length <= PromptColumns ? prompt : prompt[..(PromptColumns - 1)] + "…";
        var tokens = e.CompletionTokens is { } n ? string.Create(CultureInfo.InvariantCulture, $"{n} tok") : "-";
        return string.Create(CultureInfo.InvariantCulture, $"{e.Id,5}  {e.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}  {e.ConversationId}  {e.Model ?? "-"}  {e.Status}  {tokens}  {prompt}");
    }

    private static string Json(Exchange e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("id", e.Id);
            w.WriteString("conversation_id", e.ConversationId);
            w.WriteString("created_at", e.CreatedAt);
            w.WriteString("model", e.Model);
            w.WriteString("system", e.SystemPrompt);
            w.WriteString("prompt", e.Prompt);
            w.WriteString("answer", e.Answer);
            w.WriteString("status", e.Status);
            WriteNumber(w, "prompt_tokens", e.PromptTokens);
            WriteNumber(w, "completion_tokens", e.CompletionTokens);
            if (e.CostUsd is { } cost)
            {
                w.WriteNumber("cost_usd", cost);
            }
            else
            {
                w.WriteNull("cost_usd");
            }

            if (e.FirstTokenMs is { } first)
            {
                w.WriteNumber("first_token_ms", Math.Round(first, 1));
            }
            else
            {
                w.WriteNull("first_token_ms");
            }

            w.WriteString("stream_id", e.StreamId);
            w.WriteString("last_event_id", e.LastEventId);
            w.WriteString("edge_url", e.EdgeUrl);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
