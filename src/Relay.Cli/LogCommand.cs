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
            JsonSerializer.Serialize(w, e, CliJsonContext.Default.Exchange);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
